import type { ChangeRequest } from '../../domain/change-request.js';
import { changeRef } from '../../domain/change-request.js';
import { changedFields } from '../../domain/change-request-input.js';
import { notFound } from '../../domain/errors.js';
import { findChangeRequest, updateChangeRequest } from '../../store/change-requests.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

export interface ChangeMutation {
  action: string;
  patch: Partial<ChangeRequest>;
  /** Extra writes in the same transaction (an approval row, a comment), after the CR is updated. */
  also?: (tx: DbOrTx, updated: ChangeRequest) => Promise<void>;
  /** Extra audit detail beyond the changed fields, e.g. the approval comment. */
  note?: Record<string, unknown>;
}

/**
 * The one way a CR changes: load it in the tenant, let `decide` validate and return the patch, write
 * it with its audit event (changed fields before/after) in one transaction. A thrown error writes nothing.
 */
export async function mutateChangeRequest(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  decide: (cr: ChangeRequest, tx: DbOrTx) => ChangeMutation | Promise<ChangeMutation>,
): Promise<ChangeRequest> {
  return inTransaction(deps.db, async (tx) => {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    return applyChangeMutation(tx, deps, actor, cr, await decide(cr, tx));
  });
}

/** Writes a decided mutation of a loaded CR, with its audit event, in the caller's transaction. */
export async function applyChangeMutation(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  mutation: ChangeMutation,
): Promise<ChangeRequest> {
  const updated: ChangeRequest = { ...cr, ...mutation.patch, updatedAt: deps.now() };
  const { before, after } = changedFields(cr, updated);
  delete before.updatedAt;
  delete after.updatedAt;
  await updateChangeRequest(tx, actor.tenantId, cr.id, { ...mutation.patch, updatedAt: updated.updatedAt });
  await mutation.also?.(tx, updated);
  await recordAudit(tx, deps, actor, {
    action: mutation.action,
    entityType: 'change_request',
    entityId: cr.id,
    before: { number: cr.number, ...before },
    after: { number: cr.number, ...after, ...mutation.note },
  });
  return updated;
}
