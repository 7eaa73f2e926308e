import type { ApprovalState, ChangeType } from './change-request.js';
import type { Readiness } from './readiness.js';

/**
 * What the deployment gate saw when it let a run through, kept on the run: the compliance report
 * judges the deployment by this, not by what its CR says later (docs/compliance.md#violations).
 */
export interface GateDecision {
  decidedAt: number;
  /** The CR's approval as the gate found it, before the gate declared an emergency. */
  approval: ApprovalState;
  /** The CR went ahead as an emergency change (owing a retrospective approval when not approved). */
  emergency: boolean;
  /** The pre-deployment evidence checks at that moment. */
  ready: boolean;
  readinessSummary: string;
  /** Entries whose evidence did not pass, with each failing check: its evidence type (`*` for the default gate), what was found, why. */
  notReady: {
    name: string;
    version: string;
    failing: { evidenceTypeId: string; state: string; reason: string }[];
  }[];
  /** Freezes the deployment went ahead in, and on what grounds. */
  freezes: { window: string; basis: 'emergency' | 'override'; overrideId: string | null }[];
  /** Whether any of those freezes was passed under a change manager's override. */
  freezeOverridden: boolean;
}

/** The gate's record from the CR as found, the CR as it went ahead, the readiness and the freezes passed. */
export function gateDecision(input: {
  decidedAt: number;
  found: { approval: ApprovalState };
  wentAhead: { type: ChangeType };
  readiness: Readiness;
  freezes: GateDecision['freezes'];
}): GateDecision {
  const { readiness } = input;
  return {
    decidedAt: input.decidedAt,
    approval: input.found.approval,
    emergency: input.wentAhead.type === 'emergency',
    ready: readiness.ready,
    readinessSummary: readiness.summary,
    notReady: readiness.entries
      .filter((e) => !e.ready)
      .map((e) => ({
        name: e.name,
        version: e.version,
        failing: e.outcomes
          .filter((o) => o.status === 'fail')
          .map((o) => ({ evidenceTypeId: o.evidenceTypeId, state: o.state, reason: o.reason })),
      })),
    freezes: input.freezes,
    freezeOverridden: input.freezes.some((f) => f.basis === 'override'),
  };
}
