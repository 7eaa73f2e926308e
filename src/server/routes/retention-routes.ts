import type { FastifyInstance } from 'fastify';
import { RetentionReportSchema, RetentionRunBodySchema } from '../../api/retention-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

/** Retention (docs/audit-trail.md#retention): archive, then purge, what the tenant's policy says is old. */
export function retentionRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/retention/run',
    permission: 'retention:run',
    schema: {
      tags: ['audit'],
      summary: 'Archive, then purge, records older than the retention policy; the audit chain keeps a cut',
      body: RetentionRunBodySchema,
      response: {
        200: RetentionReportSchema,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        409: ErrorSchema,
      },
    },
    handler: (api, req) =>
      api.runRetention({ dryRun: (req.body as { dryRun?: boolean } | undefined)?.dryRun }),
  });
}
