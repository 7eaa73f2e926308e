import type { Component, Criticality } from '../domain/component.js';
import type { DbOrTx, Dialect } from './database.js';

/** A component as stored, with its owner group by id; the domain shape names the group. */
export type ComponentRecord = Omit<Component, 'ownerGroup'> & { ownerGroupId: string };

function selectComponents(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom('components as c')
    .innerJoin('groups as g', (join) =>
      join.onRef('g.id', '=', 'c.owner_group_id').onRef('g.tenant_id', '=', 'c.tenant_id'),
    )
    .select([
      'c.id',
      'c.tenant_id',
      'c.name',
      'g.name as owner_group',
      'c.criticality',
      'c.environments_json',
      'c.description',
      'c.created_by',
      'c.created_at',
      'c.updated_at',
    ])
    .where('c.tenant_id', '=', tenantId);
}

/** Sorted in code, not by the database: PostgreSQL's collation would order '-', '/' and '@' differently from SQLite. */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

type Row = Awaited<ReturnType<ReturnType<typeof selectComponents>['execute']>>[number];

function toComponent(row: Row): Component {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    ownerGroup: row.owner_group,
    criticality: row.criticality as Criticality,
    environments: JSON.parse(row.environments_json) as string[],
    description: row.description,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertComponent(db: DbOrTx, c: ComponentRecord): Promise<void> {
  await db
    .insertInto('components')
    .values({
      id: c.id,
      tenant_id: c.tenantId,
      name: c.name,
      owner_group_id: c.ownerGroupId,
      criticality: c.criticality,
      environments_json: JSON.stringify(c.environments),
      description: c.description,
      created_by: c.createdBy,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    })
    .execute();
}

export async function updateComponent(
  db: DbOrTx,
  c: Pick<Component, 'tenantId' | 'id'>,
  patch: Partial<Pick<ComponentRecord, 'ownerGroupId' | 'criticality' | 'environments' | 'description'>> & {
    updatedAt: number;
  },
): Promise<void> {
  await db
    .updateTable('components')
    .set({
      ...(patch.ownerGroupId !== undefined ? { owner_group_id: patch.ownerGroupId } : {}),
      ...(patch.criticality !== undefined ? { criticality: patch.criticality } : {}),
      ...(patch.environments !== undefined ? { environments_json: JSON.stringify(patch.environments) } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      updated_at: patch.updatedAt,
    })
    .where('tenant_id', '=', c.tenantId)
    .where('id', '=', c.id)
    .execute();
}

export async function deleteComponent(db: DbOrTx, c: Pick<Component, 'tenantId' | 'id'>): Promise<void> {
  await db.deleteFrom('components').where('tenant_id', '=', c.tenantId).where('id', '=', c.id).execute();
}

/** By name, tenant-scoped; `lockFor` locks the row on PostgreSQL for a read-modify-write. */
export async function findComponent(
  db: DbOrTx,
  tenantId: string,
  name: string,
  options: { lockFor?: Dialect } = {},
): Promise<Component | undefined> {
  if (options.lockFor === 'postgres')
    await db
      .selectFrom('components')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .forUpdate()
      .execute();
  const row = await selectComponents(db, tenantId).where('c.name', '=', name).executeTakeFirst();
  return row && toComponent(row);
}

export async function listComponents(
  db: DbOrTx,
  tenantId: string,
  filter: { ownerGroupId?: string } = {},
): Promise<Component[]> {
  const rows = await selectComponents(db, tenantId)
    .$if(filter.ownerGroupId !== undefined, (q) =>
      q.where('c.owner_group_id', '=', filter.ownerGroupId ?? ''),
    )
    .execute();
  return rows.map(toComponent).sort((a, b) => byCodePoint(a.name, b.name));
}

/** The names of every registered component, sorted: what a CR's components are checked against. */
export async function registeredComponentNames(db: DbOrTx, tenantId: string): Promise<string[]> {
  const rows = await db.selectFrom('components').select('name').where('tenant_id', '=', tenantId).execute();
  return rows.map((r) => r.name).sort(byCodePoint);
}
