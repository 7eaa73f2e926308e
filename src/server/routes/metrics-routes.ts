import type { FastifyInstance } from 'fastify';
import { type MetricsQueryDto, MetricsQuerySchema, MetricsReportSchema } from '../../api/metrics-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

/** The change metrics report (docs/metrics.md): aggregate figures, readable by every role. */
export function metricsRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/metrics',
    permission: 'metrics:read',
    schema: {
      tags: ['metrics'],
      summary:
        'DORA metrics and change KPIs over a range (default: the last 30 days), overall and sliced by environment, component, team, type or period',
      querystring: MetricsQuerySchema,
      response: { 200: MetricsReportSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: (api, req) => api.metrics(req.query as MetricsQueryDto),
  });
}
