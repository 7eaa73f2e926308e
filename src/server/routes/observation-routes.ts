import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ObservationBatchSchema,
  ObservationResultSchema,
  UnauthorizedChangeSchema,
  UnauthorizedNoteSchema,
} from '../../api/observation-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { unauthorizedStatuses } from '../../domain/observation.js';
import { apiRoute } from '../api-route.js';

const tags = ['observations'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const Params = Type.Object({ uac: Type.String({ description: 'UAC0000001 or id' }) });
const uacOf = (req: FastifyRequest) => (req.params as { uac: string }).uac;

/**
 * Unauthorized-change detection (docs/compliance.md#observe): drift monitors post what runs with a
 * pipeline token (`observation:write`); auditors read the records (`report:read`); change managers
 * acknowledge and resolve them (`unauthorized:manage`).
 */
export function observationRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/observations',
    permission: 'observation:write',
    schema: {
      tags,
      summary: 'Report what runs; anything no approved change deployed becomes an unauthorized change',
      body: ObservationBatchSchema,
      response: { 200: ObservationResultSchema, ...errors },
    },
    handler: (api, req) => api.reportObservations(req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/unauthorized-changes',
    permission: 'report:read',
    schema: {
      tags,
      summary: 'Unauthorized-change records, newest sighting first',
      querystring: Type.Object(
        {
          status: Type.Optional(Type.Array(Type.Enum([...unauthorizedStatuses]))),
          environment: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(UnauthorizedChangeSchema), ...errors },
    },
    handler: (api, req) => {
      const q = req.query as { status?: string[]; environment?: string };
      return api.listUnauthorizedChanges({ status: q.status, environment: q.environment });
    },
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/unauthorized-changes/:uac',
    permission: 'report:read',
    schema: {
      tags,
      summary: 'One unauthorized-change record',
      params: Params,
      response: { 200: UnauthorizedChangeSchema, ...errors },
    },
    handler: (api, req) => api.getUnauthorizedChange(uacOf(req)),
  });

  for (const action of ['acknowledge', 'resolve'] as const) {
    apiRoute(fastify, app, {
      method: 'POST',
      url: `/api/v1/unauthorized-changes/:uac/${action}`,
      permission: 'unauthorized:manage',
      schema: {
        tags,
        summary:
          action === 'acknowledge'
            ? 'Acknowledge an unauthorized change: someone is looking into it'
            : 'Resolve an unauthorized change, saying how (reverted, covered by a CR, accepted)',
        params: Params,
        body: UnauthorizedNoteSchema,
        response: { 200: UnauthorizedChangeSchema, ...errors },
      },
      handler: (api, req) =>
        api.moveUnauthorizedChange(uacOf(req), action, (req.body as { note?: string }).note),
    });
  }
}
