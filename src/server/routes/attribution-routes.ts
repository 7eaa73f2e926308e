import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  CauseDecisionBodySchema,
  CauseDecisionSchema,
  IncidentCausesSchema,
  ReviewSchema,
} from '../../api/attribution-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const Incident = Type.Object({
  incident: Type.String({ description: 'Incident number (INC0000007) or id' }),
});
const IncidentAndChange = Type.Object({
  incident: Type.String({ description: 'Incident number (INC0000007) or id' }),
  ref: Type.String({ description: 'CR number (CHG0000042) or id' }),
});
const params = (req: FastifyRequest) => req.params as { incident: string; ref: string };
const noteOf = (req: FastifyRequest) => (req.body as { note?: string } | undefined)?.note;

/**
 * Change attribution and post-incident reviews (docs/attribution.md): everyone who reads incidents
 * reads the ranked causes and the reviews; those who write incidents rank again, confirm and reject.
 */
export function attributionRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/incidents/:incident/causes',
    permission: 'incident:read',
    schema: {
      tags: ['incidents'],
      summary: 'The changes that may have caused the incident, ranked by confidence with the factors',
      params: Incident,
      response: { 200: IncidentCausesSchema, ...errors },
    },
    handler: (api, req) => api.incidentCauses(params(req).incident),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents/:incident/causes/rerank',
    permission: 'incident:write',
    schema: {
      tags: ['incidents'],
      summary: 'Rank the candidate causes again (confirmed and rejected ones are kept)',
      params: Incident,
      response: { 200: IncidentCausesSchema, ...errors },
    },
    handler: (api, req) => api.incidentCauses(params(req).incident, { rerank: true }),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents/:incident/causes/:ref/confirm',
    permission: 'incident:write',
    schema: {
      tags: ['incidents'],
      summary:
        'Confirm a change as a cause: it counts as failed (metrics, risk history) and owes a post-incident review',
      params: IncidentAndChange,
      body: CauseDecisionBodySchema,
      response: { 200: CauseDecisionSchema, ...errors },
    },
    handler: (api, req) => api.confirmIncidentCause(params(req).incident, params(req).ref, noteOf(req)),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents/:incident/causes/:ref/reject',
    permission: 'incident:write',
    schema: {
      tags: ['incidents'],
      summary: 'Reject a candidate (or confirmed) cause, with a note',
      params: IncidentAndChange,
      body: CauseDecisionBodySchema,
      response: { 200: CauseDecisionSchema, ...errors },
    },
    handler: (api, req) => api.rejectIncidentCause(params(req).incident, params(req).ref, noteOf(req) ?? ''),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/reviews',
    permission: 'incident:read',
    schema: {
      tags: ['incidents'],
      summary: 'Post-incident reviews owed by changes, the earliest due first',
      querystring: Type.Object(
        {
          open: Type.Optional(Type.Boolean({ description: 'Only open reviews' })),
          overdue: Type.Optional(Type.Boolean({ description: 'Only open reviews past their due date' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(ReviewSchema), ...errors },
    },
    handler: (api, req) => api.listReviews(req.query as { open?: boolean; overdue?: boolean }),
  });
}
