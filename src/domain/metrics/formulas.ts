import type { DurationStats, EmergencyTrendPoint, MetricSet, SuccessScoreWeights } from './report.js';

/**
 * The metric formulas of docs/metrics.md over pre-aggregated figures (counts, sums, nearest-rank
 * percentiles the database computed per slice). Pure: no rows are loaded to compute a report.
 */

/** Samples of a duration as the database aggregates them. */
export interface DurationAggregate {
  count: number;
  totalMs: number;
  p50Ms: number | null;
  p90Ms: number | null;
}

/** Everything one slice needs; a store query fills its part, the rest stays zero. */
export interface SliceAggregates {
  deployments: number;
  failedDeployments: number;
  leadTime: DurationAggregate;
  recovery: DurationAggregate;
  unrecovered: number;
  incidents: number;
  changeRelatedIncidents: number;
  restore: DurationAggregate;
  openIncidents: number;
  changes: number;
  concludedChanges: number;
  successfulChanges: number;
  emergencyChanges: number;
  approve: DurationAggregate;
}

export const noDurations: DurationAggregate = Object.freeze({
  count: 0,
  totalMs: 0,
  p50Ms: null,
  p90Ms: null,
});

export function emptyAggregates(): SliceAggregates {
  return {
    deployments: 0,
    failedDeployments: 0,
    leadTime: noDurations,
    recovery: noDurations,
    unrecovered: 0,
    incidents: 0,
    changeRelatedIncidents: 0,
    restore: noDurations,
    openIncidents: 0,
    changes: 0,
    concludedChanges: 0,
    successfulChanges: 0,
    emergencyChanges: 0,
    approve: noDurations,
  };
}

/** part ÷ whole, or null when there is no whole (never NaN). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function durationStats(a: DurationAggregate): DurationStats {
  return {
    count: a.count,
    meanMs: a.count > 0 ? a.totalMs / a.count : null,
    p50Ms: a.count > 0 ? a.p50Ms : null,
    p90Ms: a.count > 0 ? a.p90Ms : null,
  };
}

/** The nearest-rank percentile (the rank the SQL picks): the value at rank ceil(p·n) of the sorted samples. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] ?? null;
}

export const defaultSuccessScoreWeights: SuccessScoreWeights = Object.freeze({
  changeSuccess: 0.4,
  stability: 0.3,
  planned: 0.2,
  recovery: 0.1,
});

/**
 * The change success score, 0–100: the weighted mean of the parts that can be computed
 * (change success rate, 1 − change failure rate, 1 − emergency share, share of failed deployments
 * recovered); parts without data drop out with their weight; null when none is left.
 */
export function successScore(a: SliceAggregates, weights: SuccessScoreWeights): number | null {
  const failureRate = ratio(a.failedDeployments, a.deployments);
  const emergencyShare = ratio(a.emergencyChanges, a.changes);
  const parts: [number | null, number][] = [
    [ratio(a.successfulChanges, a.concludedChanges), weights.changeSuccess],
    [failureRate === null ? null : 1 - failureRate, weights.stability],
    [emergencyShare === null ? null : 1 - emergencyShare, weights.planned],
    [ratio(a.recovery.count, a.recovery.count + a.unrecovered), weights.recovery],
  ];
  let sum = 0;
  let weight = 0;
  for (const [value, w] of parts) {
    if (value === null || w === 0) continue;
    sum += value * w;
    weight += w;
  }
  return weight > 0 ? Math.round((sum / weight) * 1000) / 10 : null;
}

/** One slice's metrics from its aggregates; `days` is how long the slice's range is. */
export function metricSet(a: SliceAggregates, days: number, weights: SuccessScoreWeights): MetricSet {
  const perDay = days > 0 ? a.deployments / days : null;
  return {
    deployments: a.deployments,
    failedDeployments: a.failedDeployments,
    deploymentFrequency: { perDay, perWeek: perDay === null ? null : perDay * 7 },
    changeFailureRate: ratio(a.failedDeployments, a.deployments),
    leadTime: durationStats(a.leadTime),
    recovery: { ...durationStats(a.recovery), unrecovered: a.unrecovered },
    incidents: a.incidents,
    changeRelatedIncidents: a.changeRelatedIncidents,
    timeToRestore: { ...durationStats(a.restore), open: a.openIncidents },
    mtbfChangeRelatedMs: a.changeRelatedIncidents > 0 ? (days * 86_400_000) / a.changeRelatedIncidents : null,
    changes: a.changes,
    concludedChanges: a.concludedChanges,
    successfulChanges: a.successfulChanges,
    changeSuccessRate: ratio(a.successfulChanges, a.concludedChanges),
    emergencyChanges: a.emergencyChanges,
    timeToApprove: durationStats(a.approve),
    successScore: successScore(a, weights),
  };
}

/** Least-squares slope of emergency changes per period; null with fewer than two periods. */
export function emergencySlope(points: readonly EmergencyTrendPoint[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  const meanX = (n - 1) / 2;
  const meanY = points.reduce((s, p) => s + p.emergencyChanges, 0) / n;
  let num = 0;
  let den = 0;
  points.forEach((p, x) => {
    num += (x - meanX) * (p.emergencyChanges - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}

/** Plain-language remarks on a report's edges. */
export function edgeNotes(overall: MetricSet): string[] {
  const notes: string[] = [];
  if (overall.deployments === 0) notes.push('no deployments in the range: rates and frequencies are null');
  else if (overall.deployments === 1)
    notes.push('one deployment in the range: rates rest on a single sample');
  if (overall.leadTime.count === 0 && overall.deployments > 0)
    notes.push('no successful production deployment with a recorded build time: lead time is null');
  if (overall.incidents === 0) notes.push('no incidents in the range');
  if (overall.changes === 0) notes.push('no change requests created in the range');
  return notes;
}
