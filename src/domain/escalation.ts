/** Per-step SLA escalation (docs/escalation.md): pure rules, the worker in services applies them. */

export const escalationTopics = {
  escalated: 'approval.step_escalated',
  overdue: 'approval.step_overdue',
} as const;

/** Who the audit trail names for what the escalation timer does; no person acted. */
export const escalationActorName = 'changegate:escalation';

/** An active approval step whose SLA has run out, with what the events name it by. */
export interface DueStep {
  id: string;
  tenantId: string;
  tenantSlug: string;
  changeRequestId: string;
  changeRequestNumber: string;
  round: number;
  seq: number;
  name: string;
  approverGroup: string;
  /** Groups escalated to, in order. */
  escalateTo: string[];
  /** How many of escalateTo were reached already. */
  escalationLevel: number;
  slaMs: number | null;
  dueAt: number;
}

export type EscalationOutcome =
  | {
      kind: 'escalated';
      /** The new escalation level (1 = the first group of escalateTo). */
      level: number;
      /** The groups that could answer until now. */
      from: string[];
      to: string;
      /** The next level's own SLA window, or null when the step has no SLA to restart. */
      dueAt: number | null;
    }
  | { kind: 'overdue'; level: number; groups: string[] };

/** The groups whose members may answer a step at an escalation level. */
export function eligibleGroups(step: Pick<DueStep, 'approverGroup' | 'escalateTo'>, level: number): string[] {
  return [step.approverGroup, ...step.escalateTo.slice(0, level)];
}

/**
 * What a due step's timer does at `now`: reach the next group of escalateTo with a fresh SLA
 * window, or, once every level was reached, report the step overdue (once: its timer stops).
 */
export function escalationOf(step: DueStep, now: number): EscalationOutcome {
  const level = step.escalationLevel;
  const from = eligibleGroups(step, level);
  const to = step.escalateTo[level];
  if (to === undefined) return { kind: 'overdue', level, groups: from };
  const window = step.slaMs !== null && step.slaMs > 0 ? step.slaMs : null;
  return { kind: 'escalated', level: level + 1, from, to, dueAt: window === null ? null : now + window };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The outbox payload (and audit record) of an outcome: enough for a notifier to say who must act on what. */
export function escalationPayload(step: DueStep, outcome: EscalationOutcome): Record<string, unknown> {
  const subject = {
    tenant: step.tenantSlug,
    changeRequest: { id: step.changeRequestId, number: step.changeRequestNumber },
    step: { id: step.id, name: step.name, round: step.round, seq: step.seq },
  };
  if (outcome.kind === 'overdue') {
    return { ...subject, groups: outcome.groups, level: outcome.level, dueAt: iso(step.dueAt) };
  }
  return {
    ...subject,
    from: outcome.from,
    to: outcome.to,
    level: outcome.level,
    previousDueAt: iso(step.dueAt),
    dueAt: outcome.dueAt === null ? null : iso(outcome.dueAt),
  };
}

/**
 * The audit record of an outcome: the step's timer before and after (so the trail shows the level
 * and deadline moving) and who may now answer.
 */
export function escalationAudit(
  step: DueStep,
  outcome: EscalationOutcome,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const subject = { step: { id: step.id, name: step.name, round: step.round, seq: step.seq } };
  const before = { escalationLevel: step.escalationLevel, dueAt: iso(step.dueAt) };
  if (outcome.kind === 'overdue') {
    return {
      before,
      after: { ...subject, groups: outcome.groups, escalationLevel: outcome.level, dueAt: null },
    };
  }
  return {
    before,
    after: {
      ...subject,
      from: outcome.from,
      to: outcome.to,
      escalationLevel: outcome.level,
      dueAt: outcome.dueAt === null ? null : iso(outcome.dueAt),
    },
  };
}
