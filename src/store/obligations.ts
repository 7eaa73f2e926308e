import type { Obligation } from '../domain/deployment.js';
import type { DbOrTx } from './database.js';

export async function insertObligation(db: DbOrTx, tenantId: string, o: Obligation): Promise<void> {
  await db
    .insertInto('obligations')
    .values({
      id: o.id,
      tenant_id: tenantId,
      change_request_id: o.changeRequestId,
      kind: o.kind,
      state: o.state,
      detail: o.detail,
      due_at: o.dueAt,
      created_at: o.createdAt,
      completed_at: o.completedAt,
      completed_by: o.completedBy,
    })
    .execute();
}

export async function listObligations(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<Obligation[]> {
  const rows = await db
    .selectFrom('obligations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    changeRequestId: r.change_request_id,
    kind: r.kind as Obligation['kind'],
    state: r.state as Obligation['state'],
    detail: r.detail,
    dueAt: r.due_at,
    createdAt: r.created_at,
    completedAt: r.completed_at,
    completedBy: r.completed_by,
  }));
}

export async function completeObligations(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
  kind: Obligation['kind'],
  by: string,
  at: number,
): Promise<number> {
  const result = await db
    .updateTable('obligations')
    .set({ state: 'done', completed_at: at, completed_by: by })
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .where('kind', '=', kind)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
