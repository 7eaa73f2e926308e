import type { Selectable } from 'kysely';
import type { BatchMember, BatchRef, ChangeBatch } from '../domain/batch.js';
import { toChangeRequest } from './change-requests.js';
import type { DbOrTx, Dialect } from './database.js';
import type { ChangeBatchesTable } from './schema.js';

/** Change batches and their members; every query is tenant-scoped. */

function toBatch(row: Selectable<ChangeBatchesTable>): ChangeBatch {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    number: row.number,
    name: row.name,
    title: row.title,
    description: row.description,
    plannedStart: row.planned_start === null ? null : Number(row.planned_start),
    plannedEnd: row.planned_end === null ? null : Number(row.planned_end),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertBatch(db: DbOrTx, b: ChangeBatch): Promise<void> {
  await db
    .insertInto('change_batches')
    .values({
      id: b.id,
      tenant_id: b.tenantId,
      number: b.number,
      name: b.name,
      title: b.title,
      description: b.description,
      planned_start: b.plannedStart,
      planned_end: b.plannedEnd,
      created_by: b.createdBy,
      created_at: b.createdAt,
      updated_at: b.updatedAt,
    })
    .execute();
}

/** By number, name or id; `lockFor` takes a row lock on PostgreSQL for a read-modify-write. */
export async function findBatch(
  db: DbOrTx,
  tenantId: string,
  ref: BatchRef,
  options: { lockFor?: Dialect } = {},
): Promise<ChangeBatch | undefined> {
  const row = await db
    .selectFrom('change_batches')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(ref.by, '=', ref.value)
    .$if(options.lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toBatch(row);
}

/** The tenant's batches, newest first. */
export async function listBatches(db: DbOrTx, tenantId: string): Promise<ChangeBatch[]> {
  const rows = await db
    .selectFrom('change_batches')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('number', 'desc')
    .execute();
  return rows.map(toBatch);
}

export async function updateBatchWindow(
  db: DbOrTx,
  b: Pick<ChangeBatch, 'tenantId' | 'id' | 'plannedStart' | 'plannedEnd' | 'updatedAt'>,
): Promise<void> {
  await db
    .updateTable('change_batches')
    .set({ planned_start: b.plannedStart, planned_end: b.plannedEnd, updated_at: b.updatedAt })
    .where('tenant_id', '=', b.tenantId)
    .where('id', '=', b.id)
    .execute();
}

export async function insertBatchMembers(
  db: DbOrTx,
  tenantId: string,
  batchId: string,
  changeRequestIds: readonly string[],
  by: { addedBy: string; addedAt: number },
): Promise<void> {
  if (changeRequestIds.length === 0) return;
  await db
    .insertInto('change_batch_members')
    .values(
      changeRequestIds.map((id) => ({
        tenant_id: tenantId,
        batch_id: batchId,
        change_request_id: id,
        added_by: by.addedBy,
        added_at: by.addedAt,
      })),
    )
    .execute();
}

export async function deleteBatchMembers(
  db: DbOrTx,
  tenantId: string,
  batchId: string,
  changeRequestIds: readonly string[],
): Promise<void> {
  if (changeRequestIds.length === 0) return;
  await db
    .deleteFrom('change_batch_members')
    .where('tenant_id', '=', tenantId)
    .where('batch_id', '=', batchId)
    .where('change_request_id', 'in', changeRequestIds)
    .execute();
}

/** The members of some batches (all of the tenant's when `batchIds` is absent), by CR number. */
export async function listBatchMembers(
  db: DbOrTx,
  tenantId: string,
  batchIds?: readonly string[],
): Promise<(BatchMember & { batchId: string })[]> {
  if (batchIds?.length === 0) return [];
  const rows = await db
    .selectFrom('change_batch_members as m')
    .innerJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'm.change_request_id').onRef('c.tenant_id', '=', 'm.tenant_id'),
    )
    .selectAll('c')
    .select(['m.batch_id', 'm.added_by', 'm.added_at'])
    .where('m.tenant_id', '=', tenantId)
    .$if(batchIds !== undefined, (q) => q.where('m.batch_id', 'in', batchIds as string[]))
    .orderBy('c.number')
    .execute();
  const steps = await activeSteps(
    db,
    tenantId,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    batchId: row.batch_id,
    changeRequest: toChangeRequest(row),
    addedBy: row.added_by,
    addedAt: Number(row.added_at),
    activeStep: steps.get(row.id) ?? null,
  }));
}

/** The approval step each CR waits on (an approval chain has one active step at a time). */
async function activeSteps(
  db: DbOrTx,
  tenantId: string,
  changeRequestIds: readonly string[],
): Promise<Map<string, { name: string; group: string }>> {
  if (changeRequestIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('approval_steps')
    .select(['change_request_id', 'name', 'approver_group'])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'active')
    .where('change_request_id', 'in', changeRequestIds)
    .orderBy('round')
    .orderBy('seq')
    .execute();
  return new Map(rows.map((r) => [r.change_request_id, { name: r.name, group: r.approver_group }]));
}

/** Which batch each of these CRs is in already (CR id → batch number and name). */
export async function batchesOfChanges(
  db: DbOrTx,
  tenantId: string,
  changeRequestIds: readonly string[],
): Promise<Map<string, { id: string; number: string; name: string }>> {
  if (changeRequestIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('change_batch_members as m')
    .innerJoin('change_batches as b', (j) =>
      j.onRef('b.id', '=', 'm.batch_id').onRef('b.tenant_id', '=', 'm.tenant_id'),
    )
    .select(['m.change_request_id', 'b.id', 'b.number', 'b.name'])
    .where('m.tenant_id', '=', tenantId)
    .where('m.change_request_id', 'in', changeRequestIds)
    .execute();
  return new Map(rows.map((r) => [r.change_request_id, { id: r.id, number: r.number, name: r.name }]));
}
