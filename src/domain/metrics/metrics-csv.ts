import { csvRow } from '../compliance/compliance-csv.js';
import type { MetricSet, MetricSlice } from './report.js';

/**
 * The report as CSV (RFC 4180, CRLF): a header, then one row per slice (or one `overall` row without
 * --by). Empty cells are nulls; durations in milliseconds, rates 0..1.
 */

const columns: [header: string, value: (m: MetricSet) => number | null][] = [
  ['deployments', (m) => m.deployments],
  ['failed_deployments', (m) => m.failedDeployments],
  ['deployments_per_day', (m) => m.deploymentFrequency.perDay],
  ['change_failure_rate', (m) => m.changeFailureRate],
  ['lead_time_p50_ms', (m) => m.leadTime.p50Ms],
  ['lead_time_mean_ms', (m) => m.leadTime.meanMs],
  ['recovery_p50_ms', (m) => m.recovery.p50Ms],
  ['recovery_mean_ms', (m) => m.recovery.meanMs],
  ['unrecovered', (m) => m.recovery.unrecovered],
  ['incidents', (m) => m.incidents],
  ['change_related_incidents', (m) => m.changeRelatedIncidents],
  ['time_to_restore_p50_ms', (m) => m.timeToRestore.p50Ms],
  ['time_to_restore_mean_ms', (m) => m.timeToRestore.meanMs],
  ['open_incidents', (m) => m.timeToRestore.open],
  ['mtbf_change_related_ms', (m) => m.mtbfChangeRelatedMs],
  ['changes', (m) => m.changes],
  ['change_success_rate', (m) => m.changeSuccessRate],
  ['emergency_changes', (m) => m.emergencyChanges],
  ['time_to_approve_p50_ms', (m) => m.timeToApprove.p50Ms],
  ['time_to_approve_p90_ms', (m) => m.timeToApprove.p90Ms],
  ['success_score', (m) => m.successScore],
];

export function metricsCsv(report: {
  query: { by: string | null };
  overall: MetricSet;
  slices: readonly MetricSlice[];
}): string {
  const slices = report.query.by === null ? [{ key: 'overall', metrics: report.overall }] : report.slices;
  const header = [report.query.by ?? 'slice', ...columns.map(([h]) => h)];
  const rows = slices.map((s) => csvRow([s.key, ...columns.map(([, value]) => value(s.metrics))]));
  return `${[csvRow(header), ...rows].join('\r\n')}\r\n`;
}
