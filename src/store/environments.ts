import type { EnvironmentPurpose } from '../domain/change-request.js';
import type { Environment } from '../domain/environment.js';
import type { DbOrTx } from './database.js';
import type { EnvironmentsTable } from './schema.js';

function toEnvironment(row: EnvironmentsTable): Environment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    purpose: row.purpose as EnvironmentPurpose,
    detail: row.detail,
    createdAt: row.created_at,
  };
}

export async function insertEnvironment(db: DbOrTx, env: Environment): Promise<void> {
  await db
    .insertInto('environments')
    .values({
      id: env.id,
      tenant_id: env.tenantId,
      name: env.name,
      purpose: env.purpose,
      detail: env.detail,
      created_at: env.createdAt,
    })
    .execute();
}

export async function findEnvironment(
  db: DbOrTx,
  tenantId: string,
  name: string,
): Promise<Environment | undefined> {
  const row = await db
    .selectFrom('environments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toEnvironment(row);
}

export async function listEnvironments(db: DbOrTx, tenantId: string): Promise<Environment[]> {
  const rows = await db
    .selectFrom('environments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('name')
    .execute();
  return rows.map(toEnvironment);
}
