import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AuditEventSchema, AuditVerifySchema, CheckpointSchema, ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const tags = ['audit'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

export function auditRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/audit/events',
    permission: 'audit:read',
    schema: {
      tags,
      summary: 'Audit events in sequence order',
      querystring: Type.Object(
        {
          cr: Type.Optional(Type.String({ description: 'Only events about this CR (number or id)' })),
          afterSeq: Type.Optional(
            Type.Integer({ description: 'Sequence number to continue after (0 or more)' }),
          ),
          limit: Type.Optional(Type.Integer({ description: '1 to 10000, default 1000' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(AuditEventSchema), ...errors },
    },
    handler: (api, req) => {
      const q = req.query as { cr?: string; afterSeq?: number; limit?: number };
      return api.auditLog({ changeRequest: q.cr, afterSeq: q.afterSeq, limit: q.limit });
    },
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/audit/verify',
    permission: 'audit:verify',
    schema: { tags, summary: 'Verify the whole hash chain', response: { 200: AuditVerifySchema, ...errors } },
    handler: (api) => api.auditVerify(),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/audit/verify',
    permission: 'audit:verify',
    schema: {
      tags,
      summary: 'Verify the chain and that it still passes through a signed checkpoint',
      body: Type.Object({ checkpoint: CheckpointSchema }, { additionalProperties: false }),
      response: { 200: AuditVerifySchema, ...errors },
    },
    handler: (api, req) => api.auditVerify((req.body as { checkpoint: unknown }).checkpoint),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/audit/checkpoints',
    permission: 'audit:checkpoint',
    status: 201,
    schema: {
      tags,
      summary: 'Sign the current head of the chain (Ed25519)',
      response: { 201: CheckpointSchema, ...errors },
    },
    handler: (api) => api.auditCheckpoint(),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/audit-package',
    permission: 'audit:export',
    schema: {
      tags,
      summary: "A CR's offline-verifiable audit package (application/gzip, a tar.gz with a signed manifest)",
      params: Type.Object({ ref: Type.String({ description: 'CR number or id' }) }),
      response: { ...errors },
    },
    handler: async (api, req, reply) => {
      const { ref } = req.params as { ref: string };
      const { fileName, archive } = await api.auditPackage(ref);
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', contentDisposition(fileName))
        .send(archive);
    },
  });
}
