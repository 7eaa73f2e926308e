import type { Checklist, ChecklistCheck } from '../domain/checklist.js';
import { byCodePoint } from './components.js';
import type { DbOrTx } from './database.js';
import type { ChecklistsTable } from './schema.js';

function toChecklist(row: ChecklistsTable): Checklist {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    category: row.category,
    items: JSON.parse(row.items_json) as string[],
    description: row.description,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertChecklist(db: DbOrTx, c: Checklist): Promise<void> {
  await db
    .insertInto('checklists')
    .values({
      id: c.id,
      tenant_id: c.tenantId,
      category: c.category,
      items_json: JSON.stringify(c.items),
      description: c.description,
      created_by: c.createdBy,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    })
    .execute();
}

export async function findChecklist(
  db: DbOrTx,
  tenantId: string,
  category: string,
): Promise<Checklist | undefined> {
  const row = await db
    .selectFrom('checklists')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('category', '=', category)
    .executeTakeFirst();
  return row && toChecklist(row);
}

export async function listChecklists(db: DbOrTx, tenantId: string): Promise<Checklist[]> {
  const rows = await db.selectFrom('checklists').selectAll().where('tenant_id', '=', tenantId).execute();
  return rows.map(toChecklist).sort((a, b) => byCodePoint(a.category, b.category));
}

export async function deleteChecklist(db: DbOrTx, c: Pick<Checklist, 'tenantId' | 'id'>): Promise<void> {
  await db.deleteFrom('checklists').where('tenant_id', '=', c.tenantId).where('id', '=', c.id).execute();
}

export async function insertCheck(db: DbOrTx, tenantId: string, c: ChecklistCheck): Promise<void> {
  await db
    .insertInto('checklist_checks')
    .values({
      tenant_id: tenantId,
      change_request_id: c.changeRequestId,
      item: c.item,
      note: c.note,
      checked_by: c.checkedBy,
      checked_at: c.checkedAt,
    })
    .execute();
}

export async function listChecks(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<ChecklistCheck[]> {
  const rows = await db
    .selectFrom('checklist_checks')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .execute();
  return rows.map((r) => ({
    changeRequestId: r.change_request_id,
    item: r.item,
    note: r.note,
    checkedBy: r.checked_by,
    checkedAt: Number(r.checked_at),
  }));
}

export async function updateChecklist(
  db: DbOrTx,
  c: Pick<Checklist, 'tenantId' | 'id'>,
  fields: Pick<Checklist, 'items' | 'description' | 'updatedAt'>,
): Promise<void> {
  await db
    .updateTable('checklists')
    .set({
      items_json: JSON.stringify(fields.items),
      description: fields.description,
      updated_at: fields.updatedAt,
    })
    .where('tenant_id', '=', c.tenantId)
    .where('id', '=', c.id)
    .execute();
}
