import type { Tenant } from '../domain/tenant.js';
import type { DbOrTx } from './database.js';
import type { TenantsTable } from './schema.js';

export function toTenant(row: TenantsTable): Tenant {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
}

export async function insertTenant(db: DbOrTx, tenant: Tenant): Promise<void> {
  await db
    .insertInto('tenants')
    .values({ id: tenant.id, slug: tenant.slug, name: tenant.name, created_at: tenant.createdAt })
    .execute();
}

export async function findTenantBySlug(db: DbOrTx, slug: string): Promise<Tenant | undefined> {
  const row = await db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row && toTenant(row);
}

export async function listTenants(db: DbOrTx): Promise<Tenant[]> {
  const rows = await db.selectFrom('tenants').selectAll().orderBy('slug').execute();
  return rows.map(toTenant);
}
