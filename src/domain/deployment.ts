import { ruleLines, rulesAllowAutoApproval } from './approval-routing.js';
import { type CloseCategory, type RiskLevel, riskLevels } from './change-request.js';
import type { GateDecision } from './gate-decision.js';
import type { DeltaItem } from './inventory.js';
import type { RuleOutcome } from './policy-decision.js';

/** Deployment runs and the pure decisions of the CD flows (DESIGN.md §5). */

export const deploymentFlows = ['standard', 'emergency', 'fast_path', 'manual', 'rollback'] as const;
export type DeploymentFlow = (typeof deploymentFlows)[number];

export const pipelineStatuses = [
  'successful_deployment',
  'awaiting_approval',
  'failed_deployment_successful_rollback',
  'failed_deployment_failed_rollback',
  'failed_deployment_no_rollback',
] as const;
export type PipelineStatus = (typeof pipelineStatuses)[number];

/** Where a run is: waiting at the gate, cleared to deploy, deploying, or done. */
export const runPhases = ['awaiting_approval', 'cleared', 'implementing', 'finished', 'abandoned'] as const;
export type RunPhase = (typeof runPhases)[number];

export const stepStatuses = ['success', 'failure', 'not_run'] as const;
export type StepStatus = (typeof stepStatuses)[number];

export interface Stage {
  name: string;
  status: 'success' | 'failure' | 'skipped' | 'waiting';
  durationMs: number;
  detail?: string;
}

export interface DeploymentOptions {
  emergency: boolean;
  forceRedeploy: boolean;
  outageMinutes: number;
  /** Set when the run was started with `--change-request-id`. */
  suppliedChangeRequest: string | null;
  /** The promotion's source inventory: `$source` in evidence rules. */
  source: string;
  /** Why the CR was or was not approved without a human (runs that created their CR). */
  autoApproval: AutoApprovalDecision | null;
}

export interface DeploymentRun {
  id: string;
  pipelineRunId: string;
  environment: string;
  region: string;
  flow: DeploymentFlow;
  phase: RunPhase;
  status: PipelineStatus | null;
  changeRequestId: string | null;
  /** Whether this run created its CR (a later run with that CR for the same target takes the fast path). */
  createdChangeRequest: boolean;
  promotionId: string | null;
  targetRevisionId: string;
  baseRevisionId: string | null;
  delta: DeltaItem[];
  readiness: unknown;
  stages: Stage[];
  options: DeploymentOptions;
  /** What the gate saw when it let the run through; null until then, and on runs from before migration 0017. */
  gate?: GateDecision | null;
  createdBy: string;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** What identifies "the same target" for the fast path: environment, region and target revision. */
export function deploymentFingerprint(environment: string, region: string, revisionId: string): string {
  return `${environment}/${region}@${revisionId}`;
}

export interface AutoApprovalDecision {
  approved: boolean;
  /** One line per condition, e.g. "deployment ready: yes". */
  reasons: string[];
}

/**
 * A pipeline-created CR is approved without a human when the deployment is ready, causes no outage,
 * its (effective) risk is within the tenant's limit (a CR without a risk counts as `low`) and every
 * approval-policy rule it matched is auto-approvable. The reasons list the base conditions, then every
 * rule, matched or not, with why.
 */
export function decideAutoApproval(input: {
  ready: boolean;
  outageMinutes: number;
  risk: RiskLevel | null;
  maxRisk: RiskLevel;
  rules?: RuleOutcome[];
}): AutoApprovalDecision {
  const risk = input.risk ?? 'low';
  const riskOk = riskLevels.indexOf(risk) <= riskLevels.indexOf(input.maxRisk);
  const reasons = [
    `deployment ready: ${input.ready ? 'yes' : 'no (evidence checks did not pass)'}`,
    `outage: ${input.outageMinutes === 0 ? 'none' : `${input.outageMinutes} minutes (planned downtime needs a human approval)`}`,
    `risk: ${risk} ${riskOk ? 'within' : 'above'} the auto-approval limit '${input.maxRisk}'`,
  ];
  const rules = input.rules ?? [];
  return {
    approved: input.ready && input.outageMinutes === 0 && riskOk && rulesAllowAutoApproval(rules),
    reasons: [...reasons, ...ruleLines(rules)],
  };
}

/** Close category of a successful deployment, by readiness at closure. */
export function closeCategoryFor(readyAtClosure: boolean): CloseCategory {
  return readyAtClosure ? 'successful' : 'successful_with_issues';
}

/** The pipeline execution status of a run whose deploy and acceptance steps are known. */
export function pipelineStatusOf(input: {
  deploy: StepStatus;
  acceptance: StepStatus;
  rollbackEnabled: boolean;
  rollback: StepStatus;
}): PipelineStatus {
  if (input.deploy === 'success' && input.acceptance === 'success') return 'successful_deployment';
  if (!input.rollbackEnabled || input.rollback === 'not_run') return 'failed_deployment_no_rollback';
  return input.rollback === 'success'
    ? 'failed_deployment_successful_rollback'
    : 'failed_deployment_failed_rollback';
}

export const obligationKinds = [
  'retrospective_approval',
  'evidence_remediation',
  'root_cause_analysis',
  /** Owed by a change that caused an incident or failed (docs/attribution.md). */
  'post_incident_review',
] as const;
export type ObligationKind = (typeof obligationKinds)[number];

export interface Obligation {
  id: string;
  changeRequestId: string;
  kind: ObligationKind;
  state: 'open' | 'done';
  detail: string | null;
  dueAt: number | null;
  createdAt: number;
  completedAt: number | null;
  completedBy: string | null;
}

/** Follow-ups an emergency deployment owes (seed 000, "Post-CIE obligations"). */
export function emergencyObligations(readyAtClosure: boolean): { kind: ObligationKind; detail: string }[] {
  return [
    {
      kind: 'retrospective_approval',
      detail: 'The emergency change must be reviewed and approved retrospectively.',
    },
    ...(readyAtClosure
      ? []
      : [
          {
            kind: 'evidence_remediation' as const,
            detail:
              'Evidence gaps accepted during the emergency must be remediated and the pipeline re-run under standard conditions.',
          },
        ]),
    { kind: 'root_cause_analysis', detail: 'Conduct and document a root cause analysis.' },
  ];
}

/** How often a running deployment renews its lock, and after how long without renewal its holder counts as gone. */
export const lockHeartbeatMs = 10_000;
export const lockStaleMs = 30_000;

/** The title of a CR the pipeline prepares: what changes, where. */
export function deploymentTitle(environment: string, region: string, delta: DeltaItem[]): string {
  const where = region === 'default' ? environment : `${environment}/${region}`;
  if (delta.length === 0) return `Redeploy ${where} (no changes)`;
  const shown = delta
    .slice(0, 3)
    .map((d) => (d.change === 'removed' ? `remove ${d.name}` : `${d.name} ${d.toVersion}`));
  const more = delta.length > 3 ? ` and ${delta.length - 3} more` : '';
  return `Deploy ${shown.join(', ')}${more} to ${where}`.slice(0, 200);
}
