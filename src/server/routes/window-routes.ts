import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../../api/schemas.js';
import {
  WindowCreateSchema,
  WindowDetailSchema,
  WindowListSchema,
  WindowOverrideCreateSchema,
  WindowOverrideSchema,
  WindowSchema,
} from '../../api/window-schemas.js';
import type { App } from '../../app.js';
import type { WindowQuery } from '../../client/changegate-api.js';
import { windowKinds } from '../../domain/windows.js';
import { apiRoute } from '../api-route.js';

const tags = ['windows'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const Window = Type.Object({ window: Type.String({ description: 'Window name' }) });
const windowOf = (req: FastifyRequest) => (req.params as { window: string }).window;

/**
 * Freeze and maintenance windows (docs/windows.md): tenant policy, so managing them needs
 * `window:manage`, letting a change through a freeze `window:override`; everyone who reads the
 * configuration reads them.
 */
export function windowRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/windows',
    permission: 'window:manage',
    status: 201,
    schema: {
      tags,
      summary:
        'Create a freeze or maintenance window: one-off (start, end) or recurring (rrule in a time zone)',
      body: WindowCreateSchema,
      response: { 201: WindowSchema, ...errors },
    },
    handler: (api, req) => api.createWindow(req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/windows',
    permission: 'config:read',
    schema: {
      tags,
      summary: 'List windows, each with the occurrence in force at `at` (default now) and the next one',
      querystring: Type.Object(
        {
          active: Type.Optional(Type.Boolean({ description: 'Only windows in force at `at`' })),
          at: Type.Optional(Type.String({ description: 'ISO-8601 instant; default now' })),
          environment: Type.Optional(
            Type.String({ description: 'Only windows that apply to this environment' }),
          ),
          kind: Type.Optional(Type.Enum([...windowKinds])),
        },
        { additionalProperties: false },
      ),
      response: { 200: WindowListSchema, ...errors },
    },
    handler: (api, req) => api.listWindows(req.query as WindowQuery),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/windows/:window',
    permission: 'config:read',
    schema: {
      tags,
      summary: 'A window with its next occurrences and the overrides granted for it',
      params: Window,
      querystring: Type.Object(
        { count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5 })) },
        { additionalProperties: false },
      ),
      response: { 200: WindowDetailSchema, ...errors },
    },
    handler: (api, req) => api.getWindow(windowOf(req), (req.query as { count?: number }).count),
  });

  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/windows/:window',
    permission: 'window:manage',
    schema: {
      tags,
      summary: 'Delete a window (kept on record); a freeze in force only with force=true',
      params: Window,
      querystring: Type.Object(
        { force: Type.Optional(Type.Boolean({ description: 'Delete a freeze even while it is in force' })) },
        { additionalProperties: false },
      ),
      response: { 200: WindowSchema, ...errors },
    },
    handler: (api, req) => api.deleteWindow(windowOf(req), (req.query as { force?: boolean }).force),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/windows/:window/overrides',
    permission: 'window:override',
    status: 201,
    schema: {
      tags,
      summary: 'Let one change request go ahead during this freeze (not by its requester or deployer)',
      params: Window,
      body: WindowOverrideCreateSchema,
      response: { 201: WindowOverrideSchema, ...errors },
    },
    handler: (api, req) =>
      api.grantWindowOverride(windowOf(req), req.body as { changeRequestId: string; reason: string }),
  });
}
