import type { ChangeBatch } from '../../domain/batch.js';
import type { ApprovalState, ChangeState } from '../../domain/change-request.js';
import { AppError } from '../../domain/errors.js';
import { text } from '../../domain/validate.js';
import { listBatchMembers } from '../../store/batches.js';
import { inSavepoint } from '../../store/database.js';
import { decideChangeApproval } from '../changes/change-request-actions.js';
import type { Actor, ServiceDeps } from '../context.js';
import { requireBatch } from './batch-service.js';

/**
 * approved: the member is approved now; step_counted: the approval counted for a step of its chain and
 * further steps remain; refused: the member's own rules said no (separation of duties, not eligible for
 * the active step, a freeze…), with the reason; failed: an unexpected error; skipped: nothing awaited
 * a decision (approval not requested, already approved or rejected).
 */
export type MemberApprovalOutcome = 'approved' | 'step_counted' | 'refused' | 'failed' | 'skipped';

export interface MemberApproval {
  number: string;
  title: string;
  outcome: MemberApprovalOutcome;
  /** The member's state and approval after the attempt. */
  state: ChangeState;
  approval: ApprovalState;
  reason: string | null;
  /** The error code of a refusal or failure. */
  code: string | null;
}

export interface BatchApprovalResult {
  batch: ChangeBatch;
  results: MemberApproval[];
  /** approved + step_counted */
  counted: number;
  refused: number;
  failed: number;
  skipped: number;
}

/**
 * The acting approver approves every member awaiting a decision, each through the one approval service
 * a single CR uses (so chains, eligibility, separation of duties and the freeze check apply per member).
 * Each member is decided on its own: one refusal does not undo the others (docs/batches.md#approving).
 * Called inside a transaction (an HTTP POST with an Idempotency-Key), every decision joins it under its
 * own savepoint: a refusal undoes that member's writes only, the others commit, and the key replays the result.
 */
export async function approveBatch(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment: unknown,
): Promise<BatchApprovalResult> {
  const why =
    comment === undefined || comment === null || comment === ''
      ? undefined
      : text('comment', comment, { max: 4000 });
  const batch = await requireBatch(deps.db, deps, actor, ref);
  const results: MemberApproval[] = [];
  for (const { changeRequest: cr } of await listBatchMembers(deps.db, actor.tenantId, [batch.id])) {
    const base = { number: cr.number, title: cr.title, state: cr.state, approval: cr.approval };
    if (cr.approval !== 'requested' && cr.approval !== 'retro_pending') {
      results.push({ ...base, outcome: 'skipped', reason: skipReason(cr.number, cr.approval), code: null });
      continue;
    }
    try {
      // A member's refusal undoes its own writes only (a freeze note, say), even inside one transaction.
      const after = await inSavepoint(deps.db, (db) =>
        decideChangeApproval({ ...deps, db: db as ServiceDeps['db'] }, actor, cr.id, 'approved', why),
      );
      results.push({
        ...base,
        state: after.state,
        approval: after.approval,
        outcome: after.approval === 'approved' ? 'approved' : 'step_counted',
        reason: null,
        code: null,
      });
    } catch (error) {
      if (error instanceof AppError) {
        results.push({ ...base, outcome: 'refused', reason: error.message, code: error.code });
      } else {
        deps.logger.error({ err: error, changeRequest: cr.number }, 'batch approval of a member failed');
        results.push({ ...base, outcome: 'failed', reason: (error as Error).message, code: 'internal' });
      }
    }
  }
  const count = (...outcomes: MemberApprovalOutcome[]) =>
    results.filter((r) => outcomes.includes(r.outcome)).length;
  return {
    batch,
    results,
    counted: count('approved', 'step_counted'),
    refused: count('refused'),
    failed: count('failed'),
    skipped: count('skipped'),
  };
}

function skipReason(number: string, approval: ApprovalState): string {
  switch (approval) {
    case 'not_requested':
      return `approval was not requested (changegate cr request-approval ${number})`;
    case 'approved':
      return 'already approved';
    case 'rejected':
      return 'rejected; it must be revised and requested again';
    default:
      return `approval is '${approval}'`;
  }
}
