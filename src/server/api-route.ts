import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { App } from '../app.js';
import type { ChangegateApi } from '../client/changegate-api.js';
import { localApi } from '../client/local-api.js';
import { can, type Permission } from '../domain/access.js';
import { AppError } from '../domain/errors.js';
import { apiTokenPrefix, authenticateToken } from '../services/access/token-service.js';
import type { Actor } from '../services/context.js';
import { runIdempotent } from '../services/idempotency/run-idempotent.js';

export interface ApiRoute {
  method: HTTPMethods;
  url: string;
  /** Every route names the permission it needs; there is no way to declare one without. */
  permission: Permission;
  schema: FastifySchema;
  status?: number;
  /** False where the response carries a secret that must never be stored: Idempotency-Key is then ignored. */
  replayable?: boolean;
  handler: (
    api: ChangegateApi,
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
  ) => Promise<unknown>;
}

const bearer = /^Bearer\s+(\S+)$/i;

async function authenticate(app: App, request: FastifyRequest): Promise<Actor> {
  const match = bearer.exec(request.headers.authorization ?? '');
  if (!match?.[1]) {
    throw new AppError(
      'unauthenticated',
      'send an API token as "Authorization: Bearer <token>" (create one with `changegate token create`)',
    );
  }
  // changegate's own tokens start with cgt_; anything else must be a JWT from a tenant's identity provider.
  if (!match[1].startsWith(apiTokenPrefix)) return app.oidc.authenticate(match[1]);
  const actor = await authenticateToken(app.deps, match[1]);
  if (!actor) throw new AppError('unauthenticated', 'the API token is unknown or revoked');
  return actor;
}

/** What a key is bound to: which credential sent which request. Another token reusing the key gets a conflict, not a replay. */
function requestHash(request: FastifyRequest, actor: Actor): string {
  const body = Buffer.isBuffer(request.body)
    ? request.body.toString('base64')
    : canonicalize(request.body ?? null);
  return createHash('sha256')
    .update(
      `${actor.credentialId ?? actor.name}\n${request.method} ${request.url}\n${request.headers['content-type'] ?? ''}\n${body}`,
    )
    .digest('hex');
}

/**
 * Registers an /api/v1 route: authenticate, check the role's permission, run the handler on the
 * local port for this actor. A POST with an Idempotency-Key runs in one transaction with the key
 * record, so the write and its remembered response commit together or not at all.
 */
export function apiRoute(fastify: FastifyInstance, app: App, route: ApiRoute): void {
  fastify.route({
    method: route.method,
    url: route.url,
    schema: { security: [{ bearerAuth: [] }], ...route.schema },
    // Who and whether before anything else, body validation included: an anonymous caller learns nothing.
    // POST endpoints whose body is optional (approve, cancel) accept an empty request like `{}`.
    preValidation: async (request) => {
      if (request.body === undefined && (route.method === 'POST' || route.method === 'PATCH'))
        request.body = {};
    },
    onRequest: async (request) => {
      const actor = await authenticate(app, request);
      if (!can({ role: actor.role, tenantSlug: actor.tenantSlug }, route.permission)) {
        throw new AppError(
          'forbidden',
          `role '${actor.role}' lacks the permission '${route.permission}'; see docs/access-control.md`,
          {
            permission: route.permission,
          },
        );
      }
      actors.set(request, actor);
    },
    handler: async (request, reply) => {
      const actor = actors.get(request);
      if (!actor) throw new AppError('unauthenticated', 'request was not authenticated');
      const key = request.headers['idempotency-key'];
      if (route.method === 'POST' && route.replayable !== false && typeof key === 'string' && key !== '') {
        return idempotent(app, route, request, reply, actor, key);
      }
      const result = await route.handler(localApi(app, actor), request, reply, actor);
      if (reply.sent) return reply;
      return reply.status(route.status ?? 200).send(result);
    },
  });
}

const actors = new WeakMap<FastifyRequest, Actor>();

async function idempotent(
  app: App,
  route: ApiRoute,
  request: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  key: string,
) {
  const outcome = await runIdempotent(app.deps, actor, key, requestHash(request, actor), async (deps) => {
    const body = await route.handler(localApi({ ...app, deps }, actor), request, reply, actor);
    return { status: route.status ?? 200, body };
  });
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(outcome.status).send(outcome.body);
}
