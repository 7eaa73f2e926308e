import type { Role } from '../domain/access.js';
import type { ApiToken } from '../domain/api-token.js';
import type { DbOrTx } from './database.js';
import type { ApiTokensTable } from './schema.js';

function toApiToken(r: Omit<ApiTokensTable, 'secret_hash'>): ApiToken {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    role: r.role as Role,
    prefix: r.prefix,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

const publicColumns = [
  'id',
  'tenant_id',
  'name',
  'role',
  'prefix',
  'created_by',
  'created_at',
  'revoked_at',
] as const;

export async function insertApiToken(db: DbOrTx, token: ApiToken, secretHash: string): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      tenant_id: token.tenantId,
      name: token.name,
      role: token.role,
      prefix: token.prefix,
      secret_hash: secretHash,
      created_by: token.createdBy,
      created_at: token.createdAt,
      revoked_at: null,
    })
    .execute();
}

/** The active token with this secret hash and its tenant's slug, in one query: this runs on every request. */
export async function findActiveTokenByHash(
  db: DbOrTx,
  secretHash: string,
): Promise<(ApiToken & { tenantSlug: string }) | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('tenants', 'tenants.id', 'api_tokens.tenant_id')
    .select(publicColumns.map((c) => `api_tokens.${c}` as const))
    .select('tenants.slug as tenant_slug')
    .where('api_tokens.secret_hash', '=', secretHash)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { ...toApiToken(row), tenantSlug: row.tenant_slug };
}

export async function findApiToken(db: DbOrTx, tenantId: string, ref: string): Promise<ApiToken | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(publicColumns)
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([eb('id', '=', ref), eb.and([eb('name', '=', ref), eb('revoked_at', 'is', null)])]))
    .executeTakeFirst();
  return row && toApiToken(row);
}

export async function listApiTokens(db: DbOrTx, tenantId: string): Promise<ApiToken[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(publicColumns)
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
  return rows.map(toApiToken);
}

export async function revokeApiToken(db: DbOrTx, tenantId: string, id: string, at: number): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Tokens ever issued, revoked ones included, across tenants. */
export async function countAllTokens(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
