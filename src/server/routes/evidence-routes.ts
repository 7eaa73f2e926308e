import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EvidenceSchema, EvidenceSummarySchema } from '../../api/pipeline-schemas.js';
import { ErrorSchema, Nullable } from '../../api/schemas.js';
import type { App } from '../../app.js';
import type { EvidenceQuery } from '../../client/changegate-api.js';
import { ciPipelineEnvironment, evidenceResults } from '../../domain/evidence.js';
import { apiRoute } from '../api-route.js';
import { withLargeBodies } from './large-bodies.js';

const tags = ['evidence'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const results = evidenceResults.join('|');

// Types only: the service checks values and requiredness, naming the field (findings[2].dueDate: …).
const EvidenceBody = Type.Object(
  {
    evidenceTypeId: Type.Optional(
      Type.String({ description: 'Required; e.g. unit_tests, code_vulnerability_scan, peer_review' }),
    ),
    result: Type.Optional(Type.String({ description: `Required; ${results}` })),
    tool: Type.Optional(Type.String({ description: 'Required; the tool that produced it' })),
    assets: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Asset URIs such as docker://reg/app@sha256:… or https://repo#<commit sha>',
      }),
    ),
    pipelineRunId: Type.Optional(Nullable(Type.String({ description: 'The CI or CD run it covers' }))),
    environment: Type.Optional(
      Type.String({
        description: `Where it was collected: '${ciPipelineEnvironment}' (default) or an environment`,
      }),
    ),
    findings: Type.Optional(
      Type.Array(Type.Unknown(), { description: 'Objects {id, severity?, dueDate?, exempt?}' }),
    ),
    issues: Type.Optional(Type.Array(Type.String(), { description: 'URLs of tracked issues' })),
    attachments: Type.Optional(Type.Array(Type.Unknown(), { description: 'Objects {name, sha256, size}' })),
    date: Type.Optional(Type.String({ description: 'ISO-8601 date-time; default now' })),
  },
  { additionalProperties: false },
);

/** Evidence records (DevSecOps evidence v2) and the readiness preview they add up to. */
export function evidenceRoutes(fastify: FastifyInstance, app: App): void {
  withLargeBodies(fastify, (scope) =>
    apiRoute(scope, app, {
      method: 'POST',
      url: '/api/v1/evidence',
      permission: 'evidence:write',
      status: 201,
      schema: {
        tags,
        summary: 'Record evidence on assets or a pipeline run',
        body: EvidenceBody,
        response: { 201: EvidenceSchema, 413: ErrorSchema, ...errors },
      },
      handler: (api, req) => api.addEvidence(req.body as Record<string, unknown>),
    }),
  );

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/evidence',
    permission: 'evidence:read',
    schema: {
      tags,
      summary: 'Evidence, newest first',
      querystring: Type.Object(
        {
          type: Type.Optional(Type.String({ description: 'Evidence type id' })),
          asset: Type.Optional(Type.String({ description: 'Evidence on this asset URI' })),
          pipelineRunId: Type.Optional(Type.String()),
          environment: Type.Optional(Type.String({ description: 'Where it was collected' })),
          result: Type.Optional(Type.String({ description: results })),
          limit: Type.Optional(Type.Integer({ description: '1 to 1000, default 100' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(EvidenceSchema), ...errors },
    },
    handler: (api, req) => api.listEvidence(req.query as EvidenceQuery),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/evidence/summary',
    permission: 'evidence:read',
    schema: {
      tags,
      summary:
        'Readiness preview of what a deployment to the environment would deploy now: delta and per-rule outcomes',
      querystring: Type.Object(
        { environment: Type.String(), region: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
      response: { 200: EvidenceSummarySchema, ...errors },
    },
    handler: (api, req) => {
      const q = req.query as { environment: string; region?: string };
      return api.evidenceSummary(q.environment, q.region);
    },
  });
}
