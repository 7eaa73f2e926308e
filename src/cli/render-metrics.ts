import type { MetricsReportDto } from '../api/metrics-schemas.js';
import { table } from './output.js';

type MetricSet = MetricsReportDto['overall'];

/** A duration for people: 42s, 17m, 5.2h, 3.1d; '–' for none. */
export function humanDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}

const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)}%`);
const num = (n: number | null, digits = 2) => (n === null ? '–' : n.toFixed(digits));

const rows: [label: string, value: (m: MetricSet) => string][] = [
  ['deployments', (m) => `${m.deployments} (${m.failedDeployments} failed)`],
  ['deployments per day', (m) => num(m.deploymentFrequency.perDay)],
  ['change failure rate', (m) => pct(m.changeFailureRate)],
  ['lead time p50 / mean', (m) => `${humanDuration(m.leadTime.p50Ms)} / ${humanDuration(m.leadTime.meanMs)}`],
  [
    'recovery p50 / mean',
    (m) =>
      `${humanDuration(m.recovery.p50Ms)} / ${humanDuration(m.recovery.meanMs)}${m.recovery.unrecovered ? ` (${m.recovery.unrecovered} unrecovered)` : ''}`,
  ],
  ['incidents (change-related)', (m) => `${m.incidents} (${m.changeRelatedIncidents})`],
  [
    'time to restore p50 / mean',
    (m) =>
      `${humanDuration(m.timeToRestore.p50Ms)} / ${humanDuration(m.timeToRestore.meanMs)}${m.timeToRestore.open ? ` (${m.timeToRestore.open} open)` : ''}`,
  ],
  ['MTBF change-related', (m) => humanDuration(m.mtbfChangeRelatedMs)],
  ['changes (emergency)', (m) => `${m.changes} (${m.emergencyChanges})`],
  ['change success rate', (m) => pct(m.changeSuccessRate)],
  [
    'time to approve p50 / p90',
    (m) => `${humanDuration(m.timeToApprove.p50Ms)} / ${humanDuration(m.timeToApprove.p90Ms)}`,
  ],
  ['success score', (m) => num(m.successScore, 1)],
];

/** The report as tables: metrics down, overall and each slice across; then approvals and the emergency trend. */
export function renderMetrics(r: MetricsReportDto): string[] {
  const scope = [
    r.query.environment && `env ${r.query.environment}`,
    r.query.component && `component ${r.query.component}`,
  ]
    .filter(Boolean)
    .join(', ');
  const out = [
    `metrics ${r.query.since} → ${r.query.until}${scope ? ` (${scope})` : ''}, definitions v${r.definitionsVersion}`,
    '',
  ];
  const sets = [{ key: 'overall', metrics: r.overall }, ...r.slices];
  out.push(
    ...table(
      ['metric', ...sets.map((s) => s.key)],
      rows.map(([label, v]) => [label, ...sets.map((s) => v(s.metrics))]),
    ),
  );
  if (r.approvalBottlenecks.groups.length > 0) {
    out.push('', 'approval queues');
    out.push(
      ...table(
        ['group', 'decided', 'p50', 'p90', 'waiting now'],
        r.approvalBottlenecks.groups.map((g) => [
          g.group,
          String(g.decided),
          humanDuration(g.queue.p50Ms),
          humanDuration(g.queue.p90Ms),
          String(g.pending),
        ]),
      ),
    );
  }
  if (r.approvalBottlenecks.approvers.length > 0) {
    out.push('', 'approvers');
    out.push(
      ...table(
        ['approver', 'decisions', 'approved', 'rejected'],
        r.approvalBottlenecks.approvers.map((a) => [
          a.approver,
          String(a.decisions),
          String(a.approved),
          String(a.rejected),
        ]),
      ),
    );
  }
  const trend = r.emergencyTrend;
  out.push(
    '',
    `emergency changes per ${trend.period}: ${trend.points.map((p) => p.emergencyChanges).join(' ')}${
      trend.slopePerPeriod === null
        ? ''
        : ` (trend ${trend.slopePerPeriod >= 0 ? '+' : ''}${trend.slopePerPeriod.toFixed(2)}/${trend.period})`
    }`,
  );
  if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `note: ${n}`));
  return out;
}
