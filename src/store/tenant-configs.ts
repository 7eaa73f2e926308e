import type { Tenant } from '../domain/tenant.js';
import type { DbOrTx } from './database.js';

export interface StoredConfig {
  version: number;
  document: unknown;
  source: string | null;
  appliedBy: string;
  appliedAt: number;
}

export async function insertTenantConfig(db: DbOrTx, tenantId: string, c: StoredConfig): Promise<void> {
  await db
    .insertInto('tenant_configs')
    .values({
      tenant_id: tenantId,
      version: c.version,
      document_json: JSON.stringify(c.document),
      source: c.source,
      applied_by: c.appliedBy,
      applied_at: c.appliedAt,
    })
    .execute();
}

/** The applied configuration: a version number, or the latest. */
export async function findTenantConfig(
  db: DbOrTx,
  tenantId: string,
  version?: number,
): Promise<StoredConfig | undefined> {
  let q = db.selectFrom('tenant_configs').selectAll().where('tenant_id', '=', tenantId);
  q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  const row = await q.executeTakeFirst();
  return (
    row && {
      version: Number(row.version),
      document: JSON.parse(row.document_json),
      source: row.source,
      appliedBy: row.applied_by,
      appliedAt: row.applied_at,
    }
  );
}

export async function listTenantConfigVersions(
  db: DbOrTx,
  tenantId: string,
): Promise<Omit<StoredConfig, 'document' | 'source'>[]> {
  const rows = await db
    .selectFrom('tenant_configs')
    .select(['version', 'applied_by', 'applied_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ version: Number(r.version), appliedBy: r.applied_by, appliedAt: r.applied_at }));
}

/** Every tenant with the document of its latest applied configuration (for sign-in settings). */
export async function latestTenantConfigs(db: DbOrTx): Promise<{ tenant: Tenant; document: unknown }[]> {
  const rows = await db
    .selectFrom('tenant_configs as c')
    .innerJoin('tenants as t', 't.id', 'c.tenant_id')
    .select(['t.id', 't.slug', 't.name', 't.created_at', 'c.document_json'])
    .where((eb) =>
      eb(
        'c.version',
        '=',
        eb
          .selectFrom('tenant_configs as m')
          .select((m) => m.fn.max('m.version').as('v'))
          .whereRef('m.tenant_id', '=', 'c.tenant_id'),
      ),
    )
    .execute();
  return rows.map((r) => ({
    tenant: { id: r.id, slug: r.slug, name: r.name, createdAt: r.created_at },
    document: JSON.parse(r.document_json),
  }));
}

/** The latest applied configuration with its document as stored (JSON text), not parsed. */
export async function findLatestTenantConfigText(
  db: DbOrTx,
  tenantId: string,
): Promise<(Omit<StoredConfig, 'document' | 'source'> & { documentJson: string }) | undefined> {
  const row = await db
    .selectFrom('tenant_configs')
    .select(['version', 'document_json', 'applied_by', 'applied_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    row && {
      version: Number(row.version),
      documentJson: row.document_json,
      appliedBy: row.applied_by,
      appliedAt: row.applied_at,
    }
  );
}
