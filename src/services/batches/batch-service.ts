import {
  type BatchMember,
  batchRef,
  type ChangeBatch,
  changeRefs,
  formatBatchNumber,
  validateBatchCreate,
} from '../../domain/batch.js';
import { type BatchGlance, batchGlance } from '../../domain/batch-glance.js';
import { type ChangeRequest, changeRef } from '../../domain/change-request.js';
import { isTerminal } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import {
  batchesOfChanges,
  deleteBatchMembers,
  findBatch,
  insertBatch,
  insertBatchMembers,
  listBatches,
  listBatchMembers,
} from '../../store/batches.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { nextCounterValue } from '../../store/counters.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

/** A batch with its members and where it stands: what `batch get` shows. */
export interface BatchDetail {
  batch: ChangeBatch;
  glance: BatchGlance;
}

const audited = ({ tenantId: _t, ...rest }: ChangeBatch) => rest;

export async function createBatch(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<BatchDetail> {
  const fields = validateBatchCreate(input);
  const exists = `batch '${fields.name}' already exists; choose another --name`;
  return inTransaction(deps.db, async (tx) => {
    if (await findBatch(tx, actor.tenantId, { by: 'name', value: fields.name }))
      throw new AppError('conflict', exists, { field: 'name' });
    const crs = await joinableChanges(tx, deps, actor, fields.changes);
    const now = deps.now();
    const batch: ChangeBatch = {
      id: deps.newId(),
      tenantId: actor.tenantId,
      number: formatBatchNumber(await nextCounterValue(tx, actor.tenantId, 'change_batch')),
      name: fields.name,
      title: fields.title,
      description: fields.description,
      plannedStart: fields.window?.start ?? null,
      plannedEnd: fields.window?.end ?? null,
      createdBy: actor.name,
      createdAt: now,
      updatedAt: now,
    };
    await uniqueOrConflict(insertBatch(tx, batch), exists, 'name');
    await addMembers(tx, actor, batch, crs, now);
    await recordAudit(tx, deps, actor, {
      action: 'batch.created',
      entityType: 'batch',
      entityId: batch.id,
      after: { ...audited(batch), members: crs.map((cr) => cr.number) },
    });
    return batchDetail(tx, batch);
  });
}

export async function getBatch(deps: ServiceDeps, actor: Actor, ref: string): Promise<BatchDetail> {
  return batchDetail(deps.db, await requireBatch(deps.db, deps, actor, ref));
}

/** Every batch of the tenant, newest first, each with where it stands. */
export async function listTenantBatches(deps: ServiceDeps, actor: Actor): Promise<BatchDetail[]> {
  const [batches, members] = await Promise.all([
    listBatches(deps.db, actor.tenantId),
    listBatchMembers(deps.db, actor.tenantId),
  ]);
  return batches.map((batch) => ({
    batch,
    glance: batchGlance(
      batch,
      members.filter((m) => m.batchId === batch.id),
    ),
  }));
}

export async function addBatchMembers(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  changes: unknown,
): Promise<BatchDetail> {
  return inTransaction(deps.db, async (tx) => {
    const batch = await requireBatch(tx, deps, actor, ref, { lock: true });
    const crs = await joinableChanges(tx, deps, actor, changeRefs(changes));
    await addMembers(tx, actor, batch, crs, deps.now());
    await recordAudit(tx, deps, actor, {
      action: 'batch.members_added',
      entityType: 'batch',
      entityId: batch.id,
      after: { number: batch.number, added: crs.map((cr) => cr.number) },
    });
    return batchDetail(tx, batch);
  });
}

/** Takes CRs out of a batch; their planned windows and approvals stay as they are. */
export async function removeBatchMembers(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  changes: unknown,
): Promise<BatchDetail> {
  return inTransaction(deps.db, async (tx) => {
    const batch = await requireBatch(tx, deps, actor, ref, { lock: true });
    const crs = await resolveChanges(tx, deps, actor, changeRefs(changes));
    const current = await listBatchMembers(tx, actor.tenantId, [batch.id]);
    const outside = crs.filter((cr) => !current.some((m) => m.changeRequest.id === cr.id));
    if (outside.length > 0)
      throw new AppError(
        'invalid_input',
        `${outside.map((cr) => cr.number).join(', ')} ${outside.length > 1 ? 'are' : 'is'} not in ${batch.number}; its members are: ${current.map((m) => m.changeRequest.number).join(', ') || 'none'}`,
        { field: 'changes', validValues: current.map((m) => m.changeRequest.number) },
      );
    await deleteBatchMembers(
      tx,
      actor.tenantId,
      batch.id,
      crs.map((cr) => cr.id),
    );
    await recordAudit(tx, deps, actor, {
      action: 'batch.members_removed',
      entityType: 'batch',
      entityId: batch.id,
      before: { number: batch.number, removed: crs.map((cr) => cr.number) },
    });
    return batchDetail(tx, batch);
  });
}

export async function requireBatch(
  db: DbOrTx,
  deps: Pick<ServiceDeps, 'dialect'>,
  actor: Pick<Actor, 'tenantId'>,
  ref: string,
  options: { lock?: boolean } = {},
): Promise<ChangeBatch> {
  const found = await findBatch(db, actor.tenantId, batchRef(ref), {
    lockFor: options.lock ? deps.dialect : undefined,
  });
  if (!found) throw notFound('batch', ref.slice(0, 80));
  return found;
}

export async function batchDetail(db: DbOrTx, batch: ChangeBatch): Promise<BatchDetail> {
  const members: BatchMember[] = await listBatchMembers(db, batch.tenantId, [batch.id]);
  return { batch, glance: batchGlance(batch, members) };
}

/** The CRs, in the order named; another tenant's CR is simply not found. */
async function resolveChanges(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'dialect'>,
  actor: Actor,
  refs: readonly string[],
): Promise<ChangeRequest[]> {
  const crs: ChangeRequest[] = [];
  for (const ref of refs) {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    if (!crs.some((c) => c.id === cr.id)) crs.push(cr);
  }
  return crs;
}

/** CRs that may join a batch: open (not closed or canceled) and in no batch yet. */
async function joinableChanges(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'dialect'>,
  actor: Actor,
  refs: readonly string[],
): Promise<ChangeRequest[]> {
  const crs = await resolveChanges(tx, deps, actor, refs);
  const finished = crs.filter((cr) => isTerminal(cr.state));
  if (finished.length > 0)
    throw new AppError(
      'conflict',
      `${finished.map((cr) => `${cr.number} is ${cr.state}`).join(', ')}; only open change requests (not closed or canceled) can join a batch`,
      { field: 'changes', changes: finished.map((cr) => cr.number) },
    );
  const taken = await batchesOfChanges(
    tx,
    actor.tenantId,
    crs.map((cr) => cr.id),
  );
  if (taken.size > 0)
    throw new AppError(
      'conflict',
      `${crs
        .filter((cr) => taken.has(cr.id))
        .map((cr) => `${cr.number} is already in ${taken.get(cr.id)?.number} (${taken.get(cr.id)?.name})`)
        .join(
          ', ',
        )}; a change request belongs to at most one batch (remove it there first: changegate batch remove)`,
      { field: 'changes' },
    );
  return crs;
}

async function addMembers(
  tx: DbOrTx,
  actor: Actor,
  batch: ChangeBatch,
  crs: readonly ChangeRequest[],
  now: number,
): Promise<void> {
  await uniqueOrConflict(
    insertBatchMembers(
      tx,
      actor.tenantId,
      batch.id,
      crs.map((cr) => cr.id),
      { addedBy: actor.name, addedAt: now },
    ),
    'a change request belongs to at most one batch, and one of these was just added to another',
    'changes',
  );
}
