import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  BatchApprovalResultSchema,
  BatchApproveSchema,
  BatchCreateSchema,
  BatchDetailSchema,
  BatchMembersSchema,
  BatchScheduleResultSchema,
  BatchScheduleSchema,
  BatchSummarySchema,
} from '../../api/batch-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const BatchRef = Type.Object({
  batch: Type.String({ description: 'Batch number (BAT0000003), name or id' }),
});
const batch = (req: { params: unknown }) => (req.params as { batch: string }).batch;
const tags = ['batches'];

/** Change batches: CRs grouped into one maintenance window, scheduled and approved together (docs/batches.md). */
export function batchRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/batches',
    permission: 'batch:write',
    status: 201,
    schema: {
      tags,
      summary: 'Create a batch, optionally with its window and members',
      body: BatchCreateSchema,
      response: { 201: BatchDetailSchema, ...errors },
    },
    handler: (api, req) => api.createBatch(req.body as Record<string, unknown>),
  });
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/batches',
    permission: 'batch:read',
    schema: {
      tags,
      summary: 'List batches, newest first, each with its phase, ready verdict and counts',
      response: { 200: Type.Array(BatchSummarySchema), ...errors },
    },
    handler: (api) => api.listBatches(),
  });
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/batches/:batch',
    permission: 'batch:read',
    schema: {
      tags,
      summary: 'A batch at a glance: window, counts, ready verdict and one line per member',
      params: BatchRef,
      response: { 200: BatchDetailSchema, ...errors },
    },
    handler: (api, req) => api.getBatch(batch(req)),
  });
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/batches/:batch/members',
    permission: 'batch:write',
    schema: {
      tags,
      summary: 'Add open CRs to a batch (a CR belongs to at most one batch)',
      params: BatchRef,
      body: BatchMembersSchema,
      response: { 200: BatchDetailSchema, ...errors },
    },
    handler: (api, req) => api.addBatchMembers(batch(req), (req.body as { changes: string[] }).changes),
  });
  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/batches/:batch/members',
    permission: 'batch:write',
    schema: {
      tags,
      summary: 'Take CRs out of a batch (their plans and approvals stay)',
      params: BatchRef,
      querystring: Type.Object(
        { change: Type.Optional(Type.Array(Type.String(), { description: 'CR numbers or ids' })) },
        { additionalProperties: false },
      ),
      response: { 200: BatchDetailSchema, ...errors },
    },
    handler: (api, req) =>
      api.removeBatchMembers(batch(req), (req.query as { change?: string[] }).change ?? []),
  });
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/batches/:batch/schedule',
    permission: 'batch:write',
    schema: {
      tags,
      summary: "Set the batch window and every member's planned window to it, in one transaction",
      params: BatchRef,
      body: BatchScheduleSchema,
      response: { 200: BatchScheduleResultSchema, ...errors },
    },
    handler: (api, req) => api.scheduleBatch(batch(req), req.body as Record<string, unknown>),
  });
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/batches/:batch/approve',
    permission: 'change:approve',
    schema: {
      tags,
      summary: 'Approve every member awaiting the caller’s decision; the result says per member',
      params: BatchRef,
      body: BatchApproveSchema,
      response: { 200: BatchApprovalResultSchema, ...errors },
    },
    handler: (api, req) => api.approveBatch(batch(req), (req.body as { comment?: string }).comment),
  });
}
