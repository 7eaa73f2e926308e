/**
 * The shape of a metrics report (docs/metrics.md). Stable: the maturity assessment and API clients
 * code against it; a change of meaning bumps `metricsDefinitionsVersion` and the changelog in the docs.
 */

/** The version of the definitions in docs/metrics.md that a report was computed with. */
export const metricsDefinitionsVersion = 1;

export const sliceDimensions = ['environment', 'component', 'team', 'type', 'period'] as const;
export type SliceDimension = (typeof sliceDimensions)[number];

export const periodUnits = ['day', 'week', 'month'] as const;
export type PeriodUnit = (typeof periodUnits)[number];

export interface MetricsQuery {
  environment: string | null;
  component: string | null;
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
  by: SliceDimension | null;
  period: PeriodUnit;
}

/** Durations in ms; percentiles by nearest rank; null when there are no samples (never NaN). */
export interface DurationStats {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface MetricSet {
  /** Deployments that reached implementation in the range (runs, and CRs implemented by hand). */
  deployments: number;
  failedDeployments: number;
  deploymentFrequency: { perDay: number | null; perWeek: number | null };
  /** failedDeployments ÷ deployments; null with no deployments. */
  changeFailureRate: number | null;
  /** First commit (build) of what was deployed → successful production deployment. */
  leadTime: DurationStats;
  /** Failed deployment → next successful deployment of the same environment and component. */
  recovery: DurationStats & { unrecovered: number };
  /** Incidents started in the range. */
  incidents: number;
  /** Incidents with a confirmed causing change. */
  changeRelatedIncidents: number;
  /** Incident started → resolved, for resolved incidents; `open` counts the unresolved ones. */
  timeToRestore: DurationStats & { open: number };
  /** Range length ÷ change-related incidents; null when there were none. */
  mtbfChangeRelatedMs: number | null;
  /** Change requests created in the range. */
  changes: number;
  /** Of those, concluded (a close category other than cancelled). */
  concludedChanges: number;
  successfulChanges: number;
  /** successfulChanges ÷ concludedChanges. */
  changeSuccessRate: number | null;
  emergencyChanges: number;
  /** Approval round requested → decided. */
  timeToApprove: DurationStats;
  /** 0–100, weighted (docs/metrics.md); null when none of its parts can be computed. */
  successScore: number | null;
}

export interface MetricSlice {
  /** The environment, component, team, type or period (a '(none)' key collects records without one). */
  key: string;
  metrics: MetricSet;
}

export interface ApprovalGroupQueue {
  group: string;
  /** Steps decided in the range. */
  decided: number;
  /** Step activated → decided. */
  queue: DurationStats;
  /** Steps waiting for this group now. */
  pending: number;
}

export interface ApproverLoad {
  approver: string;
  decisions: number;
  approved: number;
  rejected: number;
}

export interface EmergencyTrendPoint {
  period: string;
  changes: number;
  emergencyChanges: number;
}

export interface SuccessScoreWeights {
  changeSuccess: number;
  stability: number;
  planned: number;
  recovery: number;
}

export interface MetricsReport {
  definitionsVersion: number;
  query: MetricsQuery;
  rangeDays: number;
  overall: MetricSet;
  /** One per key of `query.by`, sorted by key; empty without `by`. */
  slices: MetricSlice[];
  approvalBottlenecks: { groups: ApprovalGroupQueue[]; approvers: ApproverLoad[] };
  emergencyTrend: {
    period: PeriodUnit;
    points: EmergencyTrendPoint[];
    /** Least-squares slope of emergency changes per period; null with fewer than two periods. */
    slopePerPeriod: number | null;
  };
  successScoreWeights: SuccessScoreWeights;
  /** Plain-language remarks on the edges, e.g. "no deployments in the range". */
  notes: string[];
}
