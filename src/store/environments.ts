import type { EnvironmentPurpose } from '../domain/change-request.js';
import type { Environment } from '../domain/environment.js';
import type { DbOrTx } from './database.js';
import type { EnvironmentsTable } from './schema.js';

function toEnvironment(
  row: Omit<EnvironmentsTable, 'rollback_enabled'> & { rollback_enabled: number },
): Environment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    purpose: row.purpose as EnvironmentPurpose,
    detail: row.detail,
    regions: row.regions_json ? (JSON.parse(row.regions_json) as string[]) : [],
    rollbackEnabled: row.rollback_enabled === 1,
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
      regions_json: JSON.stringify(env.regions),
      rollback_enabled: env.rollbackEnabled ? 1 : 0,
      created_at: env.createdAt,
    })
    .execute();
}

/** Applies configured properties to an existing environment (configuration is the source of truth). */
export async function updateEnvironment(
  db: DbOrTx,
  tenantId: string,
  name: string,
  patch: Pick<Environment, 'purpose' | 'detail' | 'regions' | 'rollbackEnabled'>,
): Promise<void> {
  await db
    .updateTable('environments')
    .set({
      purpose: patch.purpose,
      detail: patch.detail,
      regions_json: JSON.stringify(patch.regions),
      rollback_enabled: patch.rollbackEnabled ? 1 : 0,
    })
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
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
