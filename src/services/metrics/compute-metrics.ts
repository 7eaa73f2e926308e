import {
  edgeNotes,
  emergencySlope,
  emptyAggregates,
  metricSet,
  type SliceAggregates,
} from '../../domain/metrics/formulas.js';
import { parseMetricsQuery } from '../../domain/metrics/metrics-query.js';
import { bucketDaysInRange, bucketsInRange, periodLabel } from '../../domain/metrics/periods.js';
import {
  type MetricSlice,
  type MetricsQuery,
  type MetricsReport,
  metricsDefinitionsVersion,
  type SuccessScoreWeights,
} from '../../domain/metrics/report.js';
import { readOnly } from '../../store/database.js';
import {
  type AggregatesByKey,
  approvalGroupQueues,
  approverLoads,
  changeAggregates,
  type MetricsFilter,
  reportSession,
  sliceAggregates,
} from '../../store/metrics.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';

const dayMs = 86_400_000;

/** What the metrics report needs: the database and the clock (an open range ends now). */
export type MetricsDeps = Pick<ServiceDeps, 'db' | 'dialect' | 'now'>;

const filled = (part: Partial<SliceAggregates> | undefined): SliceAggregates => ({
  ...emptyAggregates(),
  ...part,
});

/**
 * The change metrics report (docs/metrics.md): DORA figures and change-management KPIs over a range,
 * overall and per slice. `input` takes the CLI/API parameters (environment, component, since, until,
 * by, period) as strings or an already parsed query. Read-only: one read transaction, no audit event.
 */
export async function computeMetrics(
  deps: MetricsDeps,
  actor: Pick<Actor, 'tenantId'>,
  input: Record<string, unknown> | MetricsQuery = {},
): Promise<MetricsReport> {
  const query = parseMetricsQuery(isParsed(input) ? asInput(input) : input, deps.now());
  // Reads only: without holding SQLite's write lock for the length of the report.
  return readOnly(deps.db, deps.dialect, async (tx) => {
    await reportSession(tx, deps.dialect);
    if (query.environment !== null) {
      const known = await environmentNames(tx, actor);
      if (!known.includes(query.environment)) throw unknownEnvironment(query.environment, known);
    }
    const weights = (await loadTenantConfig(tx, actor.tenantId)).config.metrics.successScore.weights;
    const filter: MetricsFilter = { tenantId: actor.tenantId, ...query };
    const spec = { tenantId: actor.tenantId, period: query.period };
    const rangeDays = (query.until - query.since) / dayMs;

    // Change counts per period, once: the emergency trend, the overall counts (their sum) and a
    // `--by period` report all read them.
    const changesByPeriod = await changeAggregates(tx, deps.dialect, filter, { ...spec, by: 'period' });
    const overallChanges: AggregatesByKey = new Map([['', sumChangeCounts(changesByPeriod)]]);
    const overallAggregates = filled(
      (await sliceAggregates(tx, deps.dialect, filter, { ...spec, by: null }, overallChanges)).get(''),
    );
    const overall = metricSet(overallAggregates, rangeDays, weights);
    const slices =
      query.by === null
        ? []
        : toSlices(
            await sliceAggregates(
              tx,
              deps.dialect,
              filter,
              { ...spec, by: query.by },
              query.by === 'period' ? changesByPeriod : undefined,
            ),
            query,
            weights,
          );
    return {
      definitionsVersion: metricsDefinitionsVersion,
      query,
      rangeDays,
      overall,
      slices,
      approvalBottlenecks: {
        groups: await approvalGroupQueues(tx, deps.dialect, filter),
        approvers: await approverLoads(tx, deps.dialect, filter),
      },
      emergencyTrend: emergencyTrend(changesByPeriod, query),
      successScoreWeights: weights,
      notes: edgeNotes(overall),
    };
  });
}

function toSlices(byKey: AggregatesByKey, query: MetricsQuery, weights: SuccessScoreWeights): MetricSlice[] {
  if (query.by === 'period') {
    // Every period of the range, empty ones too: a trend needs its zeros.
    return bucketsInRange(query.period, query.since, query.until).map((bucket) => ({
      key: periodLabel(query.period, bucket),
      metrics: metricSet(
        filled(byKey.get(String(bucket))),
        bucketDaysInRange(query.period, bucket, query.since, query.until),
        weights,
      ),
    }));
  }
  const days = (query.until - query.since) / dayMs;
  return [...byKey.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => ({ key, metrics: metricSet(filled(byKey.get(key)), days, weights) }));
}

/** The change counts of every key added up (each change falls in exactly one period). */
function sumChangeCounts(byKey: AggregatesByKey): Partial<SliceAggregates> {
  const sum = { changes: 0, concludedChanges: 0, successfulChanges: 0, emergencyChanges: 0 };
  for (const part of byKey.values())
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += part[key] ?? 0;
  return sum;
}

function emergencyTrend(byPeriod: AggregatesByKey, query: MetricsQuery): MetricsReport['emergencyTrend'] {
  const points = bucketsInRange(query.period, query.since, query.until).map((bucket) => {
    const a = filled(byPeriod.get(String(bucket)));
    return {
      period: periodLabel(query.period, bucket),
      changes: a.changes,
      emergencyChanges: a.emergencyChanges,
    };
  });
  return { period: query.period, points, slopePerPeriod: emergencySlope(points) };
}

function isParsed(input: Record<string, unknown> | MetricsQuery): input is MetricsQuery {
  return typeof input.since === 'number' && typeof input.until === 'number' && 'by' in input;
}

/** A parsed query back into input form, so it is validated like any other. */
function asInput(q: MetricsQuery): Record<string, unknown> {
  return {
    environment: q.environment,
    component: q.component,
    since: q.since,
    until: q.until,
    by: q.by,
    period: q.period,
  };
}
