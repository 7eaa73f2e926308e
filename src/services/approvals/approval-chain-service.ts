import {
  type ApprovalStep,
  decideOnChain,
  describeCount,
  isGroupMember,
  isOpen,
  newRound,
} from '../../domain/approval-chain.js';
import { formatDuration } from '../../domain/approval-policy.js';
import type { ChangeRequest } from '../../domain/change-request.js';
import type { TransitionOutcome } from '../../domain/change-request-state.js';
import type { PolicyDecision } from '../../domain/policy-decision.js';
import {
  cancelOpenApprovalSteps,
  insertApprovalSteps,
  latestRoundSteps,
  listApprovalSteps,
  updateApprovalStep,
} from '../../store/approval-steps.js';
import { listApprovals } from '../../store/change-activity.js';
import type { DbOrTx } from '../../store/database.js';
import { listGroups } from '../../store/groups.js';
import type { Actor, ServiceDeps } from '../context.js';
import { type ApprovalPlan, assertGroupsExist, planApproval, policyDecision } from './route-approval.js';

/**
 * Approval chains in the CR's use cases (docs/approval-policy.md): built when approval is requested,
 * answered step by step, canceled when the request is withdrawn. Each function runs in the caller's
 * transaction; what it writes goes into the CR's own mutation (patch, note, `also`), audited with it.
 */

/** What requesting approval adds to the CR's mutation: the policy decision, the new round, and its rows. */
export interface RoutedRequest {
  patch: { approvalDecision?: PolicyDecision | null };
  note: Record<string, unknown>;
  also: (tx: DbOrTx) => Promise<void>;
}

/** Routes a CR whose approval is being requested; with matching rules, a new round of steps is built. */
export async function routeApprovalRequest(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  autoApproval: PolicyDecision['autoApproval'] = null,
  planned?: ApprovalPlan,
): Promise<RoutedRequest> {
  const plan = planned ?? (await planApproval(tx, actor.tenantId, cr));
  const now = deps.now();
  const decision = policyDecision(plan, now, autoApproval);
  const patch = decision === null && cr.approvalDecision === null ? {} : { approvalDecision: decision };
  if (plan.routing.steps.length === 0) {
    return {
      patch,
      note: {},
      also: (tx) => cancelOpenApprovalSteps(tx, actor.tenantId, cr.id, now).then(() => {}),
    };
  }
  assertGroupsExist(cr, plan);
  const previous = (await listApprovalSteps(tx, actor.tenantId, cr.id)).at(-1)?.round ?? 0;
  const steps = newRound(plan.routing.steps, {
    changeRequestId: cr.id,
    round: previous + 1,
    newId: deps.newId,
    now,
  });
  return {
    patch,
    note: { approvalChain: { round: previous + 1, steps: steps.map(describeStepRow) } },
    also: async (tx) => {
      await cancelOpenApprovalSteps(tx, actor.tenantId, cr.id, now);
      await insertApprovalSteps(tx, actor.tenantId, steps);
    },
  };
}

/** A step as the audit trail shows it: "2. cab: cab, 2 required, dual control, sla 4h, then platform-leads". */
export function describeStepRow(s: ApprovalStep): string {
  const extras = [
    `${s.required} required`,
    s.dualControl ? 'dual control' : '',
    s.slaMs === null ? '' : `sla ${formatDuration(s.slaMs)}`,
    s.escalateTo.length ? `then ${s.escalateTo.join(', ')}` : '',
  ].filter(Boolean);
  return `${s.seq}. ${s.name}: ${s.group}, ${extras.join(', ')} (rule ${s.rule})`;
}

export interface ChainOutcome {
  outcome: TransitionOutcome;
  /** The step the decision counts for; null without a chain. */
  stepId: string | null;
  /** The audit action when it differs from a plain approval or rejection. */
  action: string | null;
  note: Record<string, unknown>;
  write: (tx: DbOrTx) => Promise<void>;
}

/**
 * Applies an approval decision to the CR's chain. Without one (no policy, no rule matched, or nothing
 * left open), the decision stands as `decideApproval` made it: today's single approval. With one, only
 * the active step's eligible members count, each person once per round, and the CR is approved when
 * the last step is; an emergency's retrospective approval needs one member of any open step.
 */
export async function decideOnApprovalChain(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  decision: 'approved' | 'rejected',
  base: TransitionOutcome,
): Promise<ChainOutcome> {
  const plain: ChainOutcome = { outcome: base, stepId: null, action: null, note: {}, write: async () => {} };
  const retrospective = cr.approval === 'retro_pending';
  if (cr.approval !== 'requested' && !retrospective) return plain;
  const steps = await latestRoundSteps(tx, actor.tenantId, cr.id);
  const open = steps.some((s) => (retrospective ? isOpen(s) : s.status === 'active'));
  if (!open) return plain;
  const groups = new Map((await listGroups(tx, actor.tenantId)).map((g) => [g.name, g]));
  const ids = new Set(steps.map((s) => s.id));
  const approvals = (await listApprovals(tx, actor.tenantId, cr.id)).filter(
    (a) => a.stepId != null && ids.has(a.stepId),
  );
  const now = deps.now();
  const d = decideOnChain({
    number: cr.number,
    steps,
    approvals,
    approver: actor.name,
    memberOf: (name) => {
      const group = groups.get(name);
      return group !== undefined && isGroupMember(group, actor);
    },
    decision,
    now,
    retrospective,
  });
  const stepStatus = d.updates.find((u) => u.id === d.step.id)?.patch.status ?? d.step.status;
  const note = {
    approvalStep: {
      round: d.step.round,
      seq: d.step.seq,
      name: d.step.name,
      group: d.step.group,
      status: stepStatus,
      counted: describeCount(d.step, d.count),
    },
    ...(d.next ? { nextStep: { seq: d.next.seq, name: d.next.name, group: d.next.group } } : {}),
    ...(d.updates.some((u) => u.patch.status === 'canceled')
      ? { canceledSteps: d.updates.filter((u) => u.patch.status === 'canceled').length }
      : {}),
  };
  const settled = d.rejected || d.completed;
  return {
    outcome: settled ? base : { state: cr.state, approval: cr.approval },
    stepId: d.step.id,
    action: settled ? null : 'change_request.approval_step_approved',
    note,
    write: async (tx) => {
      for (const u of d.updates) await updateApprovalStep(tx, actor.tenantId, u.id, u.patch);
    },
  };
}

/** Withdrawn approval (an edit) or a canceled CR: open steps are canceled and their timers stop. */
export function cancelApprovalSteps(deps: ServiceDeps, actor: Actor, cr: Pick<ChangeRequest, 'id'>) {
  return async (tx: DbOrTx): Promise<void> => {
    await cancelOpenApprovalSteps(tx, actor.tenantId, cr.id, deps.now());
  };
}
