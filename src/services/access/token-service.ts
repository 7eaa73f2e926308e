import { createHash, randomBytes } from 'node:crypto';
import { type Role, roles, systemTenant } from '../../domain/access.js';
import type { ApiToken } from '../../domain/api-token.js';
import { AppError, notFound } from '../../domain/errors.js';
import { oneOf, text } from '../../domain/validate.js';
import {
  countAllTokens,
  findActiveTokenByHash,
  findApiToken,
  insertApiToken,
  listApiTokens,
  revokeApiToken,
} from '../../store/api-tokens.js';
import { nextCounterValue } from '../../store/counters.js';
import { inTransaction } from '../../store/database.js';
import { findTenantBySlug } from '../../store/tenants.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

/** Every changegate API token starts with this; other bearer tokens are taken for IdP-issued JWTs. */
export const apiTokenPrefix = 'cgt_';
const secretPrefix = apiTokenPrefix;

/** Tokens are random 256-bit secrets, so a plain SHA-256 is enough to store them; a slow KDF adds nothing. */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createApiToken(
  deps: ServiceDeps,
  actor: Actor,
  input: { name: unknown; role: unknown },
): Promise<{ token: ApiToken; secret: string }> {
  const name = text('name', input.name, { min: 1, max: 100 });
  const role: Role = oneOf('role', input.role, roles);
  const secret = secretPrefix + randomBytes(32).toString('base64url');
  const token: ApiToken = {
    id: deps.newId(),
    tenantId: actor.tenantId,
    name,
    role,
    prefix: secret.slice(0, secretPrefix.length + 6),
    createdBy: actor.name,
    createdAt: deps.now(),
    revokedAt: null,
  };
  await inTransaction(deps.db, async (tx) => {
    const clash = await findApiToken(tx, actor.tenantId, name);
    if (clash && clash.revokedAt === null) {
      throw new AppError(
        'conflict',
        `an active token named '${name}' already exists; revoke it or pick another name`,
        { field: 'name' },
      );
    }
    await uniqueOrConflict(
      insertApiToken(tx, token, hashTokenSecret(secret)),
      `an active token named '${name}' already exists; revoke it or pick another name`,
      'name',
    );
    const { tenantId: _t, ...audited } = token;
    await recordAudit(tx, deps, actor, {
      action: 'token.created',
      entityType: 'api_token',
      entityId: token.id,
      after: audited,
    });
  });
  return { token, secret };
}

export function listTenantTokens(deps: ServiceDeps, actor: Actor): Promise<ApiToken[]> {
  return listApiTokens(deps.db, actor.tenantId);
}

export async function revokeToken(deps: ServiceDeps, actor: Actor, ref: string): Promise<ApiToken> {
  return inTransaction(deps.db, async (tx) => {
    const token = await findApiToken(tx, actor.tenantId, ref);
    if (!token) throw notFound('token', ref);
    if (token.revokedAt !== null) return token;
    const at = deps.now();
    await revokeApiToken(tx, actor.tenantId, token.id, at);
    await recordAudit(tx, deps, actor, {
      action: 'token.revoked',
      entityType: 'api_token',
      entityId: token.id,
      before: { revokedAt: null },
      after: { name: token.name, revokedAt: at },
    });
    return { ...token, revokedAt: at };
  });
}

/** Resolves a bearer secret to the acting principal, or null when it is unknown or revoked. */
export async function authenticateToken(deps: ServiceDeps, secret: string): Promise<Actor | null> {
  if (!secret.startsWith(secretPrefix)) return null;
  const token = await findActiveTokenByHash(deps.db, hashTokenSecret(secret));
  if (!token) return null;
  return {
    tenantId: token.tenantId,
    tenantSlug: token.tenantSlug,
    name: token.name,
    role: token.role,
    credentialId: token.id,
  };
}

/**
 * A fresh installation has no way to authenticate: the very first server start creates one admin
 * token in the default tenant and returns its secret to print once. Never again afterwards — not even
 * when every token has been revoked — and only one of several servers starting together wins.
 */
export async function bootstrapAdminToken(
  deps: ServiceDeps,
): Promise<{ name: string; secret: string } | null> {
  return inTransaction(deps.db, async (tx) => {
    if ((await countAllTokens(tx)) > 0) return null;
    const tenant = await findTenantBySlug(tx, systemTenant);
    if (!tenant) return null;
    // The counter row serialises concurrent starters: only the first gets 1.
    if ((await nextCounterValue(tx, tenant.id, 'bootstrap_token')) !== 1) return null;
    const actor: Actor = { tenantId: tenant.id, tenantSlug: tenant.slug, name: 'system', role: 'admin' };
    const { token, secret } = await createApiToken({ ...deps, db: tx }, actor, {
      name: 'bootstrap-admin',
      role: 'admin',
    });
    return { name: token.name, secret };
  });
}
