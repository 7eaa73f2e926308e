import type { FastifyInstance } from 'fastify';
import { MaturityAssessmentSchema } from '../../api/maturity-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

/** The CMMI maturity assessment (docs/maturity.md): a read of the whole tenant, for those who steer the process. */
export function maturityRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/maturity',
    permission: 'maturity:read',
    schema: {
      tags: ['maturity'],
      summary:
        'The CMMI maturity level (1–5) per dimension and overall, justified by measured facts, with the next steps',
      response: { 200: MaturityAssessmentSchema, 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: (api) => api.assessMaturity(),
  });
}
