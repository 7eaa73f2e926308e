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
