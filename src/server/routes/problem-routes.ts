import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ProblemCreateSchema,
  ProblemDetailSchema,
  ProblemFixSchema,
  ProblemIncidentLinkSchema,
  ProblemRootCauseSchema,
  ProblemSchema,
} from '../../api/problem-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { problemStatuses } from '../../domain/problem.js';
import { apiRoute } from '../api-route.js';

const tags = ['problems'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const Problem = Type.Object({ problem: Type.String({ description: 'Problem number (PRB0000007) or id' }) });
const problemOf = (req: FastifyRequest) => (req.params as { problem: string }).problem;

/** Problems (docs/incidents.md#problems): read with `incident:read`, written with `incident:write`. */
export function problemRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/problems',
    permission: 'incident:write',
    status: 201,
    schema: {
      tags,
      summary: 'Open a problem, optionally linked to an incident',
      body: ProblemCreateSchema,
      response: { 201: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) => api.createProblem(req.body as { title: string; incident?: string }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/problems',
    permission: 'incident:read',
    schema: {
      tags,
      summary: 'List problems, newest first',
      querystring: Type.Object(
        { status: Type.Optional(Type.Enum([...problemStatuses])) },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(ProblemSchema), ...errors },
    },
    handler: (api, req) => api.listProblems({ status: (req.query as { status?: string }).status }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/problems/:problem',
    permission: 'incident:read',
    schema: {
      tags,
      summary: 'A problem with its incidents, root cause and fix CR',
      params: Problem,
      response: { 200: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) => api.getProblem(problemOf(req)),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/problems/:problem/incidents',
    permission: 'incident:write',
    status: 201,
    schema: {
      tags,
      summary: 'Link an incident to the problem',
      params: Problem,
      body: ProblemIncidentLinkSchema,
      response: { 201: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) =>
      api.linkProblemIncident(problemOf(req), (req.body as { incident: string }).incident),
  });

  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/problems/:problem/incidents/:incident',
    permission: 'incident:write',
    schema: {
      tags,
      summary: 'Remove an incident from the problem',
      params: Type.Object({
        problem: Type.String({ description: 'Problem number or id' }),
        incident: Type.String({ description: 'Incident number or id' }),
      }),
      response: { 200: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) =>
      api.unlinkProblemIncident(problemOf(req), (req.params as { incident: string }).incident),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/problems/:problem/root-cause',
    permission: 'incident:write',
    schema: {
      tags,
      summary: 'Record the root-cause findings (an open problem becomes a known error)',
      params: Problem,
      body: ProblemRootCauseSchema,
      response: { 200: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) => api.recordProblemRootCause(problemOf(req), (req.body as { text: string }).text),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/problems/:problem/fix',
    permission: 'incident:write',
    schema: {
      tags,
      summary: 'Name the change request that fixes the problem',
      params: Problem,
      body: ProblemFixSchema,
      response: { 200: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) =>
      api.setProblemFix(problemOf(req), (req.body as { changeRequestId: string }).changeRequestId),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/problems/:problem/resolve',
    permission: 'incident:write',
    schema: {
      tags,
      summary: 'Resolve the problem (needs root-cause findings)',
      params: Problem,
      response: { 200: ProblemDetailSchema, ...errors },
    },
    handler: (api, req) => api.resolveProblem(problemOf(req)),
  });
}
