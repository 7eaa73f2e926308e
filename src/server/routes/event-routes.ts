import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EventPageSchema } from '../../api/event-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import type { EventQuery } from '../../client/changegate-api.js';
import { apiRoute } from '../api-route.js';

/** The tenant's outbox (docs/escalation.md#events): read by people and by whatever delivers events. */
export function eventRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/events',
    permission: 'event:read',
    schema: {
      tags: ['events'],
      summary: 'List outbox events (approval step escalations), oldest first',
      querystring: Type.Object(
        {
          topic: Type.Optional(Type.String({ description: 'Only this topic, e.g. approval.step_escalated' })),
          since: Type.Optional(Type.String({ description: 'ISO-8601: only events created at or after it' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: EventPageSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: (api, req) => api.listEvents(req.query as EventQuery),
  });
}
