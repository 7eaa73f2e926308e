import { changeRef } from '../../domain/change-request.js';
import { type Obligation, obligationKinds } from '../../domain/deployment.js';
import { AppError, notFound } from '../../domain/errors.js';
import { oneOf, text } from '../../domain/validate.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { inTransaction } from '../../store/database.js';
import { completeObligations, listObligations } from '../../store/obligations.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

/**
 * Marks an emergency follow-up done (evidence remediated, root cause analysed), with who and a note.
 * The retrospective approval is settled only by approving the CR, so it cannot be ticked off here.
 */
export async function completeObligation(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  kindInput: unknown,
  noteInput?: unknown,
): Promise<Obligation> {
  const note =
    noteInput === undefined || noteInput === null || noteInput === ''
      ? null
      : text('note', noteInput, { max: 4000 });
  return inTransaction(deps.db, async (tx) => {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    // The CR is looked up first: another tenant's CR is not found, whatever the kind.
    const kind = oneOf('kind', kindInput, obligationKinds);
    if (kind === 'retrospective_approval') {
      throw new AppError(
        'invalid_input',
        `kind: the retrospective approval is completed by approving the change request (changegate cr approve ${ref}), by someone who neither requested nor deployed it`,
        {
          field: 'kind',
        },
      );
    }
    const open = (await listObligations(tx, actor.tenantId, cr.id)).filter((o) => o.kind === kind);
    if (open.length === 0) throw notFound(`follow-up '${kind}' of ${cr.number}`, kind);
    if (!open.some((o) => o.state === 'open')) {
      throw new AppError(
        'conflict',
        `${cr.number}: the ${kind.replaceAll('_', ' ')} follow-up is already done`,
        { field: 'kind' },
      );
    }
    await completeObligations(tx, actor.tenantId, cr.id, kind, actor.name, deps.now());
    await recordAudit(tx, deps, actor, {
      action: 'obligation.completed',
      entityType: 'change_request',
      entityId: cr.id,
      after: { number: cr.number, kind, note },
    });
    const done = (await listObligations(tx, actor.tenantId, cr.id)).filter((o) => o.kind === kind).at(-1);
    if (!done) throw notFound(`follow-up '${kind}' of ${cr.number}`, kind);
    return done;
  });
}
