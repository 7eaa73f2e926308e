import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ChangeConflictsSchema } from '../../api/conflict-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

/** Conflict detection (docs/windows.md#conflicts): read by whoever reads change requests. */
export function conflictRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/conflicts',
    permission: 'change:read',
    schema: {
      tags: ['change-requests'],
      summary:
        'Other open change requests in the same environment whose planned windows overlap and that share a component',
      params: Type.Object({ ref: Type.String({ description: 'CR number (CHG0000042) or id' }) }),
      response: { 200: ChangeConflictsSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
    },
    handler: (api, req) => api.changeRequestConflicts((req.params as { ref: string }).ref),
  });
}
