import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  AttachmentSchema,
  ChangeCreateSchema,
  ChangeRequestDetailSchema,
  ChangeRequestPageSchema,
  ChangeRequestSchema,
  ChangeUpdateSchema,
  CommentSchema,
  ErrorSchema,
  ObligationSchema,
} from '../../api/schemas.js';
import type { App } from '../../app.js';
import {
  approvalStates,
  attachmentKinds,
  changeStates,
  changeTypes,
  closeCategories,
} from '../../domain/change-request.js';
import { obligationKinds } from '../../domain/deployment.js';
import { apiRoute } from '../api-route.js';

const tags = ['change requests'];
const Ref = Type.Object({ ref: Type.String({ description: 'CR number (CHG0000042) or id' }) });
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const crReply = { 200: ChangeRequestSchema, ...errors };
const StringList = (values: readonly string[]) => Type.Array(Type.Enum([...values]));

export function changeRequestRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests',
    permission: 'change:create',
    status: 201,
    schema: {
      tags,
      summary: 'Create a change request',
      body: ChangeCreateSchema,
      response: { 201: ChangeRequestSchema, ...errors },
    },
    handler: (api, req) => api.createChangeRequest(req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests',
    permission: 'change:read',
    schema: {
      tags,
      summary: 'List change requests, newest first',
      querystring: Type.Object(
        {
          state: Type.Optional(StringList(changeStates)),
          environment: Type.Optional(Type.Array(Type.String())),
          type: Type.Optional(StringList(changeTypes)),
          approval: Type.Optional(StringList(approvalStates)),
          q: Type.Optional(
            Type.String({ description: 'Free text in title, description, number, assignee, purpose' }),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: ChangeRequestPageSchema, ...errors },
    },
    handler: (api, req) => api.listChangeRequests(req.query as never),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref',
    permission: 'change:read',
    schema: {
      tags,
      summary: 'A change request with its approvals, comments and attachments',
      params: Ref,
      response: { 200: ChangeRequestDetailSchema, ...errors },
    },
    handler: (api, req) => api.getChangeRequest(ref(req)),
  });

  apiRoute(fastify, app, {
    method: 'PATCH',
    url: '/api/v1/change-requests/:ref',
    permission: 'change:update',
    schema: {
      tags,
      summary: 'Update fields (value sets, absent leaves, null clears)',
      params: Ref,
      body: ChangeUpdateSchema,
      response: crReply,
    },
    handler: (api, req) => api.updateChangeRequest(ref(req), req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/request-approval',
    permission: 'change:request_approval',
    schema: { tags, summary: 'Request approval (state authorize)', params: Ref, response: crReply },
    handler: (api, req) => api.requestApproval(ref(req)),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/obligations/:kind/complete',
    permission: 'change:update',
    schema: {
      tags,
      summary: 'Mark an emergency follow-up done (evidence_remediation, root_cause_analysis)',
      params: Type.Object({
        ref: Type.String(),
        kind: Type.String({ description: obligationKinds.join('|') }),
      }),
      body: Type.Object({ note: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 200: ObligationSchema, ...errors },
    },
    handler: (api, req) => {
      const { kind } = req.params as { kind: string };
      const { note } = (req.body ?? {}) as { note?: string };
      return api.completeObligation(ref(req), kind, note);
    },
  });

  const Decision = Type.Object({ comment: Type.Optional(Type.String()) }, { additionalProperties: false });
  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    apiRoute(fastify, app, {
      method: 'POST',
      url: `/api/v1/change-requests/:ref/${verb}`,
      permission: 'change:approve',
      schema: {
        tags,
        summary:
          verb === 'approve'
            ? 'Approve (not by its requester)'
            : 'Reject with a comment (not by its requester)',
        params: Ref,
        body: Decision,
        response: crReply,
      },
      handler: (api, req) =>
        api.decideApproval(ref(req), decision, (req.body as { comment?: string } | undefined)?.comment),
    });
  }

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/transitions',
    permission: 'change:transition',
    schema: {
      tags,
      summary: 'Move to another state (allowed transitions only)',
      params: Ref,
      body: Type.Object({ to: Type.Enum([...changeStates]) }, { additionalProperties: false }),
      response: crReply,
    },
    handler: (api, req) => api.transitionChangeRequest(ref(req), (req.body as { to: string }).to),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/comments',
    permission: 'change:comment',
    status: 201,
    schema: {
      tags,
      summary: 'Comment on a change request',
      params: Ref,
      body: Type.Object({ body: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      response: { 201: CommentSchema, ...errors },
    },
    handler: (api, req) => api.commentOnChangeRequest(ref(req), (req.body as { body: string }).body),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/close',
    permission: 'change:close',
    schema: {
      tags,
      summary: 'Close with a category',
      params: Ref,
      body: Type.Object(
        {
          category: Type.Enum(closeCategories.filter((c) => c !== 'cancelled')),
          notes: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      response: crReply,
    },
    handler: (api, req) => {
      const body = req.body as { category: string; notes?: string };
      return api.closeChangeRequest(ref(req), body.category, body.notes);
    },
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/cancel',
    permission: 'change:cancel',
    schema: {
      tags,
      summary: 'Cancel (before implementation)',
      params: Ref,
      body: Type.Object({ reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: crReply,
    },
    handler: (api, req) =>
      api.cancelChangeRequest(ref(req), (req.body as { reason?: string } | undefined)?.reason),
  });

  attachmentRoutes(fastify, app);
}

function ref(req: { params: unknown }): string {
  return (req.params as { ref: string }).ref;
}

/** Attachments travel as raw bytes: Content-Type is their media type, the rest rides in the query. */
function attachmentRoutes(fastify: FastifyInstance, app: App): void {
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: app.config.maxAttachmentBytes + 1 },
      (_req, body, done) => done(null, body),
    );
    apiRoute(scope, app, {
      method: 'POST',
      url: '/api/v1/change-requests/:ref/attachments',
      permission: 'change:attach',
      status: 201,
      schema: {
        tags,
        summary: 'Attach a file (raw body; Content-Type is its media type)',
        params: Ref,
        querystring: Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            kind: Type.Optional(Type.Enum([...attachmentKinds])),
            sha256: Type.Optional(
              Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'Expected SHA-256 of the body' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: AttachmentSchema, 413: ErrorSchema, ...errors },
      },
      handler: (api, req) => {
        const q = req.query as { name: string; kind?: string; sha256?: string };
        const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        return api.attachToChangeRequest(ref(req), {
          name: q.name,
          kind: q.kind,
          sha256: q.sha256,
          mediaType: req.headers['content-type'] ?? 'application/octet-stream',
          content,
        });
      },
    });
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/attachments',
    permission: 'change:read',
    schema: {
      tags,
      summary: 'List attachments',
      params: Ref,
      response: { 200: Type.Array(AttachmentSchema), ...errors },
    },
    handler: (api, req) => api.listAttachments(ref(req)),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/attachments/:attachmentId',
    permission: 'change:read',
    schema: {
      tags,
      summary: 'Download an attachment (its bytes, with its media type and sha256)',
      params: Type.Object({ ref: Type.String(), attachmentId: Type.String() }),
      response: { ...errors },
    },
    handler: async (api, req, reply) => {
      const { attachmentId } = req.params as { attachmentId: string };
      const { attachment, content } = await api.downloadAttachment(ref(req), attachmentId);
      return (
        reply
          .header('content-type', attachment.mediaType)
          // RFC 6266: an ASCII fallback plus filename* for any other characters in the stored name.
          .header('content-disposition', contentDisposition(attachment.name))
          .header('x-content-sha256', attachment.sha256)
          .send(content)
      );
    },
  });
}
