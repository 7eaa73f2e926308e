import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ComplianceReportSchema } from '../../api/compliance-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { complianceCsv } from '../../domain/compliance/compliance-csv.js';
import { complianceHtml } from '../../domain/compliance/compliance-html.js';
import type { ComplianceReport } from '../../domain/compliance/compliance-report.js';
import { apiRoute } from '../api-route.js';

const tags = ['reports'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema };

/** The compliance report (docs/compliance.md) as JSON, CSV (one row per violation) or one HTML page. */
export function complianceRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/reports/compliance',
    permission: 'report:read',
    schema: {
      tags,
      summary:
        'Change volume, success rates and every policy violation in a period, internal and vendor apart',
      querystring: Type.Object(
        {
          since: Type.Optional(
            Type.String({ description: 'ISO-8601, inclusive; default: 30 days before until' }),
          ),
          until: Type.Optional(Type.String({ description: 'ISO-8601, exclusive; default: now' })),
          format: Type.Optional(
            Type.Enum(['json', 'csv', 'html'], {
              description: 'json (default), csv (text/csv, one row per violation) or html (text/html)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: ComplianceReportSchema, ...errors },
    },
    handler: async (api, req, reply) => {
      const q = req.query as { since?: string; until?: string; format?: 'json' | 'csv' | 'html' };
      const report = (await api.complianceReport({ since: q.since, until: q.until })) as ComplianceReport;
      if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(complianceCsv(report));
      if (q.format === 'html') return reply.type('text/html; charset=utf-8').send(complianceHtml(report));
      return report;
    },
  });
}
