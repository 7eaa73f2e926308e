import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ApprovalPolicySchema,
  ChangeApprovalsSchema,
  PolicyExplanationSchema,
} from '../../api/policy-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const errors = { 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
const Ref = Type.Object({ ref: Type.String({ description: 'CR number (CHG0000042) or id' }) });
const refOf = (req: FastifyRequest) => (req.params as { ref: string }).ref;

/**
 * Approval routing (docs/approval-policy.md): the policy is changed only through `config apply`
 * (versioned, audited); these routes read it, explain it against a CR, and show a CR's chains.
 */
export function policyRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/policy',
    permission: 'policy:read',
    schema: {
      tags: ['policy'],
      summary: 'The approval policy in force and the configuration version it belongs to',
      response: { 200: ApprovalPolicySchema, ...errors },
    },
    handler: (api) => api.getApprovalPolicy(),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/policy/explain/:ref',
    permission: 'policy:read',
    schema: {
      tags: ['policy'],
      summary:
        'Dry run of the policy in force against a CR: every rule with why, and the chain it would build',
      params: Ref,
      response: { 200: PolicyExplanationSchema, ...errors },
    },
    handler: (api, req) => api.explainApprovalPolicy(refOf(req)),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/approvals',
    permission: 'change:read',
    schema: {
      tags: ['change-requests'],
      summary: "A CR's approval chains (steps, N of M, who counted, due, escalation) and its policy decision",
      params: Ref,
      response: { 200: ChangeApprovalsSchema, ...errors },
    },
    handler: (api, req) => api.getChangeApprovals(refOf(req)),
  });
}
