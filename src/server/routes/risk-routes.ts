import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ChangeRiskSchema } from '../../api/risk-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const Ref = Type.Object({ ref: Type.String({ description: 'CR number (CHG0000042) or id' }) });
const ref = (req: { params: unknown }) => (req.params as { ref: string }).ref;
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

/** A CR's risk assessment (docs/risk.md): read like the CR; reassessing is an update of it. */
export function riskRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/risk-assessment',
    permission: 'change:read',
    schema: {
      tags: ['change-requests'],
      summary: "A change request's declared, assessed and effective risk, with every factor explained",
      params: Ref,
      response: { 200: ChangeRiskSchema, ...errors },
    },
    handler: (api, req) => api.getChangeRisk(ref(req)),
  });
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/risk-assessment',
    permission: 'change:update',
    schema: {
      tags: ['change-requests'],
      summary:
        "Reassess a change request's risk now (the history moves on); a different result is stored and audited",
      params: Ref,
      response: { 200: ChangeRiskSchema, ...errors },
    },
    handler: (api, req) => api.assessChangeRisk(ref(req)),
  });
}
