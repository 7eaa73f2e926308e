import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EnvironmentSchema, ErrorSchema, TenantSchema, TokenSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { roles } from '../../domain/access.js';
import { environmentPurposes } from '../../domain/change-request.js';
import { apiRoute } from '../api-route.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

/** Environments, API tokens and tenants: the configuration a tenant's admin manages. */
export function adminRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/environments',
    permission: 'environment:manage',
    status: 201,
    schema: {
      tags: ['environments'],
      summary: 'Create an environment',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          purpose: Type.Enum([...environmentPurposes]),
          detail: Type.Optional(Type.Union([Type.Null(), Type.String()])),
        },
        { additionalProperties: false },
      ),
      response: { 201: EnvironmentSchema, ...errors },
    },
    handler: (api, req) => api.createEnvironment(req.body as { name: string; purpose: string }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/environments',
    permission: 'environment:read',
    schema: {
      tags: ['environments'],
      summary: 'List environments',
      response: { 200: Type.Array(EnvironmentSchema), ...errors },
    },
    handler: (api) => api.listEnvironments(),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/tokens',
    permission: 'token:manage',
    status: 201,
    // The secret is shown once and stored only hashed, so this response is never kept for replay.
    replayable: false,
    schema: {
      tags: ['access'],
      summary: 'Create an API token; the secret is returned once and stored only as a hash',
      body: Type.Object(
        { name: Type.String({ minLength: 1 }), role: Type.Enum([...roles]) },
        { additionalProperties: false },
      ),
      response: { 201: Type.Object({ token: TokenSchema, secret: Type.String() }), ...errors },
    },
    handler: (api, req) => api.createToken(req.body as { name: string; role: string }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/tokens',
    permission: 'token:manage',
    schema: {
      tags: ['access'],
      summary: 'List API tokens (never their secrets)',
      response: { 200: Type.Array(TokenSchema), ...errors },
    },
    handler: (api) => api.listTokens(),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/tokens/:ref/revoke',
    permission: 'token:manage',
    schema: {
      tags: ['access'],
      summary: 'Revoke an API token by id or name',
      params: Type.Object({ ref: Type.String() }),
      response: { 200: TokenSchema, ...errors },
    },
    handler: (api, req) => api.revokeToken((req.params as { ref: string }).ref),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/tenants',
    permission: 'tenant:manage',
    status: 201,
    schema: {
      tags: ['access'],
      summary: 'Create a tenant (admins of the default tenant only)',
      body: Type.Object(
        { slug: Type.String({ minLength: 1 }), name: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
      response: { 201: TenantSchema, ...errors },
    },
    handler: (api, req) => api.createTenant(req.body as { slug: string; name?: string }),
  });
}
