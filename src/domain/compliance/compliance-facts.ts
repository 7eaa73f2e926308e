import type { ChangeOrigin, CloseCategory } from '../change-request.js';
import type { UnauthorizedChange } from '../observation.js';

/**
 * What the store reads for a compliance report over [since, until): counts aggregated in SQL, and one
 * fact per possible policy violation. Pure data; `assembleComplianceReport` turns it into the report.
 */

export interface VolumeCount {
  type: string;
  environment: string | null;
  origin: ChangeOrigin;
  count: number;
}

export interface OutcomeCount {
  origin: ChangeOrigin;
  closeCategory: CloseCategory | null;
  count: number;
}

/** Deployment runs that passed the gate, by the origin of their CR and their pipeline status. */
export interface DeploymentCount {
  origin: ChangeOrigin;
  status: string | null;
  emergency: boolean;
  count: number;
}

/**
 * What a deployment's violation is judged by: the decision the gate recorded on the run when it let it
 * through, or, for a run from before gate records (migration 0017), its CR's current state.
 */
export const judgementBases = ['gate_record', 'current_state'] as const;
export type JudgementBasis = (typeof judgementBases)[number];

export interface ChangeRef {
  number: string;
  title: string;
  origin: ChangeOrigin;
}

/** A run that passed the gate though its CR was neither approved nor an emergency change (or it had none). */
export interface UnapprovedDeploymentFact {
  runId: string;
  pipelineRunId: string;
  environment: string;
  startedAt: number;
  createdBy: string;
  basis: JudgementBasis;
  /** `approval` as the gate found it (basis `gate_record`) or as it is now (`current_state`). */
  changeRequest: (ChangeRef & { approval: string; state: string }) | null;
}

/** An approval given by the CR's requester or implementer. */
export interface SeparationFact {
  approvalId: string;
  changeRequest: ChangeRef;
  environment: string | null;
  approver: string;
  decidedAt: number;
  requestedBy: string;
  implementedBy: string | null;
}

/** A retrospective-approval obligation that is overdue or was completed after its due date. */
export interface RetrospectiveFact {
  changeRequest: ChangeRef;
  environment: string | null;
  createdAt: number;
  dueAt: number;
  completedAt: number | null;
}

/** A change that went ahead (or was scheduled) inside a freeze: a `change_request.freeze_bypassed` event. */
export interface FreezeFact {
  changeRequest: ChangeRef;
  environment: string | null;
  auditSeq: number;
  auditId: string;
  at: number;
  actor: string;
  window: string;
  basis: string;
  pipelineRunId: string | null;
  override: { grantedBy: string; reason: string } | null;
}

/** A deployment that went ahead with failing or missing evidence. */
export interface EvidenceFact {
  runId: string;
  pipelineRunId: string;
  environment: string;
  startedAt: number;
  basis: JudgementBasis;
  /** Whether it went ahead as an emergency change. */
  emergency: boolean;
  changeRequest: ChangeRef & { type: string };
  /** The readiness summary of the gate's check (or stored on an older run), e.g. "1 of 2 entries not ready". */
  summary: string;
  /** The entries that were not ready, with the checks that failed when the gate recorded them. */
  entries: string[];
}

export interface ComplianceFacts {
  since: number;
  until: number;
  /** When the report was made: an open retrospective approval past its due date by then is overdue. */
  asOf: number;
  volume: VolumeCount[];
  outcomes: OutcomeCount[];
  deployments: DeploymentCount[];
  unapprovedDeployments: UnapprovedDeploymentFact[];
  separation: SeparationFact[];
  retrospective: RetrospectiveFact[];
  freeze: FreezeFact[];
  evidence: EvidenceFact[];
  unauthorized: UnauthorizedChange[];
}
