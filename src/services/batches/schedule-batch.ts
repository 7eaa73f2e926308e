import { type BatchWindow, optionalWindow } from '../../domain/batch.js';
import type { ApprovalState, ChangeRequest, ChangeState } from '../../domain/change-request.js';
import { AppError, invalidField } from '../../domain/errors.js';
import { rejectUnknown } from '../../domain/validate.js';
import { listBatchMembers, updateBatchWindow } from '../../store/batches.js';
import { inTransaction } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import { updateChangeRequestFields } from '../changes/change-request-actions.js';
import type { Actor, ServiceDeps } from '../context.js';
import { enforceChangeGuards } from '../guards/change-guards.js';
import { type BatchDetail, batchDetail, requireBatch } from './batch-service.js';

/** What scheduling did to one member. */
export interface MemberSchedule {
  changeRequest: ChangeRequest;
  outcome: 'rescheduled' | 'unchanged' | 'approval_withdrawn' | 'skipped';
  /** The approval it had before: what a withdrawal took away. */
  approvalBefore: ApprovalState;
  detail: string;
}

export interface BatchScheduleResult {
  detail: BatchDetail;
  window: BatchWindow;
  members: MemberSchedule[];
}

/** Members whose plan is still ahead of them; later ones keep the window they were implemented in. */
const plannable: readonly ChangeState[] = ['new', 'assess', 'authorize', 'scheduled'];
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Sets the batch window (the one given, else the batch's own) and every plannable member's planned
 * window to it, in ONE transaction, through the same field update and freeze check a single CR goes
 * through. Refused as a whole, with nothing changed, when a freeze blocks any member, or when re-planning
 * would withdraw a member's approval (requested or approved for another window) and
 * `withdrawApprovals` is not set (docs/batches.md#scheduling).
 */
export async function scheduleBatch(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: Record<string, unknown>,
): Promise<BatchScheduleResult> {
  rejectUnknown(input, ['start', 'end', 'withdrawApprovals']);
  const given = optionalWindow(input.start, input.end);
  const withdraw = input.withdrawApprovals ?? false;
  if (typeof withdraw !== 'boolean') throw invalidField('withdrawApprovals', 'must be true or false');
  return inTransaction(deps.db, async (tx) => {
    const batch = await requireBatch(tx, deps, actor, ref, { lock: true });
    const window =
      given ??
      (batch.plannedStart !== null && batch.plannedEnd !== null
        ? { start: batch.plannedStart, end: batch.plannedEnd }
        : null);
    if (!window)
      throw invalidField('start', `${batch.number} has no window yet; give one with --start and --end`);
    const span = `${iso(window.start)} – ${iso(window.end)}`;
    const txDeps = { ...deps, db: tx };
    const members: MemberSchedule[] = [];
    const blocked: { cr: ChangeRequest; error: AppError }[] = [];
    for (const m of await listBatchMembers(tx, actor.tenantId, [batch.id])) {
      const cr = m.changeRequest;
      if (!plannable.includes(cr.state)) {
        members.push({
          changeRequest: cr,
          outcome: 'skipped',
          approvalBefore: cr.approval,
          detail: `already ${cr.state}; its plan stays`,
        });
        continue;
      }
      const same = cr.plannedStart === window.start && cr.plannedEnd === window.end;
      const updated = same
        ? cr
        : await updateChangeRequestFields(txDeps, actor, cr.id, {
            plannedStart: window.start,
            plannedEnd: window.end,
          });
      try {
        await enforceChangeGuards(tx, deps, actor, updated, 'scheduled');
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'conflict') throw error;
        blocked.push({ cr, error });
      }
      const withdrawn = cr.approval !== updated.approval && updated.approval === 'not_requested';
      members.push({
        changeRequest: updated,
        outcome: same ? 'unchanged' : withdrawn ? 'approval_withdrawn' : 'rescheduled',
        approvalBefore: cr.approval,
        detail: same
          ? 'already planned in the batch window'
          : withdrawn
            ? `approval '${cr.approval}' withdrawn (it covered another window); back to ${updated.state}, request approval again`
            : `planned ${span}`,
      });
    }
    if (blocked.length > 0) throw frozen(batch.number, span, blocked);
    const withdrawals = members.filter((m) => m.outcome === 'approval_withdrawn');
    if (withdrawals.length > 0 && !withdraw) throw wouldWithdraw(batch.number, span, withdrawals);

    const updatedAt = deps.now();
    await updateBatchWindow(tx, { ...batch, plannedStart: window.start, plannedEnd: window.end, updatedAt });
    await recordAudit(tx, deps, actor, {
      action: 'batch.scheduled',
      entityType: 'batch',
      entityId: batch.id,
      before: { number: batch.number, plannedStart: batch.plannedStart, plannedEnd: batch.plannedEnd },
      after: {
        number: batch.number,
        plannedStart: window.start,
        plannedEnd: window.end,
        members: members.map((m) => ({ number: m.changeRequest.number, outcome: m.outcome })),
      },
    });
    const detail = await batchDetail(tx, {
      ...batch,
      plannedStart: window.start,
      plannedEnd: window.end,
      updatedAt,
    });
    return { detail, window, members };
  });
}

interface BlockingWindow {
  name: string;
  kind: string;
  start: string;
  end: string;
  reason: string;
}

/** One refusal naming every blocked member and the freeze occurrence that blocks it. */
function frozen(batch: string, span: string, blocked: { cr: ChangeRequest; error: AppError }[]): AppError {
  const windows = blocked.flatMap(({ cr, error }) =>
    ((error.details.windows as BlockingWindow[] | undefined) ?? []).map((w) => ({ member: cr.number, ...w })),
  );
  const why = windows.map(
    (w) => `${w.member} is blocked by ${w.kind} '${w.name}' (${w.start} – ${w.end}): ${w.reason}`,
  );
  // Other guards (an open major incident) explain themselves in their own message.
  const others = blocked
    .filter(({ error }) => error.details.windows === undefined)
    .map(({ cr, error }) => `${cr.number}: ${error.message}`);
  const names = [...new Set(windows.map((w) => w.name))];
  const overrides = names.length
    ? `, or have a change manager grant an override per member: ${names.map((n) => `changegate window override ${n} --change-request CHG… --reason "…"`).join('; ')}`
    : '';
  return new AppError(
    'conflict',
    `${batch} cannot be scheduled for ${span}: ${[...why, ...others].join('; ')}. Nothing was changed. Choose another window or take the member out of the batch (changegate batch remove ${batch} …)${overrides}`,
    { field: 'window', windows, members: blocked.map((b) => b.cr.number) },
  );
}

function wouldWithdraw(batch: string, span: string, withdrawals: MemberSchedule[]): AppError {
  const which = withdrawals.map(
    (m) =>
      `${m.changeRequest.number} (${m.approvalBefore === 'approved' ? 'approved' : 'approval requested'})`,
  );
  return new AppError(
    'conflict',
    `scheduling ${batch} for ${span} would withdraw the approval of ${which.join(', ')}: an approval covers the window its approvers saw. Nothing was changed. Rerun with --withdraw-approvals to re-plan them anyway (they go back to assess and need approval again), or take them out of the batch (changegate batch remove ${batch} …)`,
    { field: 'withdrawApprovals', members: withdrawals.map((m) => m.changeRequest.number) },
  );
}
