import type { StepSpec } from './approval-routing.js';
import type { Approval } from './change-request.js';
import { sameActor } from './change-request-state.js';
import { AppError } from './errors.js';

/**
 * A change's approval chain (docs/approval-policy.md): ordered steps, one active at a time, each
 * needing `required` distinct approvers from its group (or from the groups it escalated to). Each
 * request for approval builds a new round. Pure decisions; the service writes what they return.
 */

export const stepStatuses = ['waiting', 'active', 'approved', 'rejected', 'canceled'] as const;
export type StepStatus = (typeof stepStatuses)[number];

export interface ApprovalStep {
  id: string;
  changeRequestId: string;
  round: number;
  /** 1-based position in the round. */
  seq: number;
  /** The rule(s) that added it, comma-separated when merged. */
  rule: string;
  name: string;
  group: string;
  required: number;
  dualControl: boolean;
  slaMs: number | null;
  escalateTo: string[];
  /** How many of escalateTo have been reached. */
  escalationLevel: number;
  status: StepStatus;
  activatedAt: number | null;
  dueAt: number | null;
  decidedAt: number | null;
  createdAt: number;
}

export type StepPatch = Partial<Pick<ApprovalStep, 'status' | 'activatedAt' | 'dueAt' | 'decidedAt'>>;

/** The rows of a new round: the first step active with its SLA timer running, the rest waiting. */
export function newRound(
  specs: StepSpec[],
  ids: { changeRequestId: string; round: number; newId: () => string; now: number },
): ApprovalStep[] {
  return specs.map((s, i) => ({
    id: ids.newId(),
    changeRequestId: ids.changeRequestId,
    round: ids.round,
    seq: i + 1,
    rule: s.rules.join(', '),
    name: s.name,
    group: s.group,
    required: s.required,
    dualControl: s.dualControl,
    slaMs: s.slaMs,
    escalateTo: s.escalateTo,
    escalationLevel: 0,
    status: i === 0 ? 'active' : 'waiting',
    activatedAt: i === 0 ? ids.now : null,
    dueAt: i === 0 && s.slaMs !== null ? ids.now + s.slaMs : null,
    decidedAt: null,
    createdAt: ids.now,
  }));
}

/** Who may answer a step: its group and the escalation groups reached so far. */
export function eligibleGroups(
  step: Pick<ApprovalStep, 'group' | 'escalateTo' | 'escalationLevel'>,
): string[] {
  return [step.group, ...step.escalateTo.slice(0, step.escalationLevel)];
}

export function isOpen(step: Pick<ApprovalStep, 'status'>): boolean {
  return step.status === 'active' || step.status === 'waiting';
}

/** The outcome of one decision on a chain: rows to update and what it means for the change. */
export interface ChainDecision {
  step: ApprovalStep;
  updates: { id: string; patch: StepPatch }[];
  /** Distinct approvals the step now has (including this one), and how many it needs. */
  count: number;
  /** Every step is approved: the change is approved. */
  completed: boolean;
  rejected: boolean;
  /** The step activated next, if any. */
  next: ApprovalStep | null;
}

export interface ChainDecisionInput {
  number: string;
  /** The steps of the round being decided, in seq order. */
  steps: ApprovalStep[];
  /** The approvals already recorded against those steps. */
  approvals: Pick<Approval, 'approver' | 'decision' | 'stepId'>[];
  approver: string;
  /** Whether the approver belongs to a group (local member or through an IdP group). */
  memberOf: (group: string) => boolean;
  decision: 'approved' | 'rejected';
  now: number;
  /** An emergency change's retrospective approval: one decision by anyone eligible for an open step settles it. */
  retrospective: boolean;
}

/**
 * Decides an approval or rejection against the chain. Refuses (`forbidden`) someone outside the eligible
 * groups, naming them, and (`separation_of_duties`) a person who already approved in this round: one
 * person counts once per change, so a second approval of the same step, or of a later one, is refused.
 */
export function decideOnChain(input: ChainDecisionInput): ChainDecision {
  const { steps, approver, decision } = input;
  const step = stepToDecide(input);
  if (decision === 'approved') {
    const earlier = input.approvals.find((a) => a.decision === 'approved' && sameActor(a.approver, approver));
    if (earlier) {
      const where = steps.find((s) => s.id === earlier.stepId);
      throw new AppError(
        'separation_of_duties',
        where?.id === step.id
          ? `${approver} already approved step ${step.seq} (${step.name}) of ${input.number}; it needs another person (${describeCount(step, countFor(input, step))})`
          : `${approver} already approved step ${where?.seq ?? '?'} (${where?.name ?? 'earlier'}) of ${input.number}; one person counts once per change, so another member of ${eligibleGroups(step).join(' or ')} must approve step ${step.seq}`,
        { field: 'approver', step: step.name, round: step.round },
      );
    }
  }
  const close = (s: ApprovalStep, status: StepStatus) => ({
    id: s.id,
    patch: { status, decidedAt: input.now },
  });
  const othersOpen = steps.filter((s) => s.id !== step.id && isOpen(s));
  if (decision === 'rejected') {
    return {
      step,
      updates: [
        ...(isOpen(step) ? [close(step, 'rejected')] : []),
        ...othersOpen.map((s) => close(s, 'canceled')),
      ],
      count: countFor(input, step),
      completed: false,
      rejected: true,
      next: null,
    };
  }
  if (input.retrospective) {
    return {
      step,
      updates: [
        ...(isOpen(step) ? [close(step, 'approved')] : []),
        ...othersOpen.map((s) => close(s, 'canceled')),
      ],
      count: countFor(input, step) + 1,
      completed: true,
      rejected: false,
      next: null,
    };
  }
  const count = countFor(input, step) + 1;
  if (count < step.required)
    return { step, updates: [], count, completed: false, rejected: false, next: null };
  const following = steps.find((s) => s.seq > step.seq && s.status === 'waiting') ?? null;
  const next = following && {
    ...following,
    status: 'active' as const,
    activatedAt: input.now,
    dueAt: following.slaMs === null ? null : input.now + following.slaMs,
  };
  return {
    step,
    updates: [
      close(step, 'approved'),
      ...(next
        ? [{ id: next.id, patch: { status: next.status, activatedAt: next.activatedAt, dueAt: next.dueAt } }]
        : []),
    ],
    count,
    completed: next === null,
    rejected: false,
    next,
  };
}

/**
 * The step this approver answers: the active one; for a retrospective decision, the first still-open
 * one they may answer (a member of an already approved step has had their say and settles nothing).
 */
function stepToDecide(input: ChainDecisionInput): ApprovalStep {
  const candidates = input.retrospective
    ? input.steps.filter(isOpen)
    : input.steps.filter((s) => s.status === 'active');
  const eligible = candidates.find((s) => eligibleGroups(s).some(input.memberOf));
  if (eligible) return eligible;
  const groups = [...new Set(candidates.flatMap(eligibleGroups))];
  const active = candidates[0];
  if (!active)
    throw new AppError('illegal_transition', `${input.number} has no approval step awaiting a decision`, {
      field: 'approval',
    });
  throw new AppError(
    'forbidden',
    input.retrospective
      ? `${input.approver} is not a member of any group of ${input.number}'s approval chain; its retrospective approval needs a member of ${groups.join(', ')}`
      : `${input.approver} is not a member of ${groups.join(' or ')}, the groups that may decide step ${active.seq} (${active.name}) of ${input.number}`,
    { field: 'approver', eligibleGroups: groups, step: active.name, round: active.round },
  );
}

function countFor(input: Pick<ChainDecisionInput, 'approvals'>, step: ApprovalStep): number {
  return new Set(
    input.approvals
      .filter((a) => a.stepId === step.id && a.decision === 'approved')
      .map((a) => a.approver.toLowerCase()),
  ).size;
}

export function describeCount(step: Pick<ApprovalStep, 'required' | 'dualControl'>, count: number): string {
  return `${count} of ${step.required} approvals${step.dualControl ? ', dual control' : ''}`;
}

/** Membership as routing sees it: the lowercased name among the members, or one of the IdP groups listed. */
export function isGroupMember(
  group: { members: readonly string[]; idpGroups: readonly string[] },
  actor: { name: string; idpGroups?: readonly string[] },
): boolean {
  const name = actor.name.trim().toLowerCase();
  return group.members.includes(name) || (actor.idpGroups ?? []).some((g) => group.idpGroups.includes(g));
}
