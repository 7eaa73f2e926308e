import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { seedMetricsHistory } from '../../../test/support/metrics-history.js';
import { type OracleQuery, oracleMetrics } from '../../../test/support/metrics-oracle.js';
import type { App } from '../../app.js';
import type { MetricsReport } from '../../domain/metrics/report.js';
import { insertTenantConfig } from '../../store/tenant-configs.js';
import type { Actor } from '../context.js';
import { computeMetrics } from './compute-metrics.js';

const start = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

/** Numbers to 10 significant digits, so float sums in SQL and JS compare equal. */
function rounded<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)),
  ) as T;
}

function comparable(report: MetricsReport) {
  return rounded({
    overall: report.overall,
    slices: report.slices,
    approvalBottlenecks: report.approvalBottlenecks,
    emergencyTrend: report.emergencyTrend.points,
  });
}

describe.each(dialects)('metrics on %s', (dialect) => {
  let env: Awaited<ReturnType<typeof testApp>>;
  let app: App;
  let actor: Actor;
  let other: Actor;

  beforeAll(async () => {
    env = await testApp(dialect, 'metrics');
    app = env.app;
    actor = await actorIn(app, 'metrics', 'viewer@example.com', 'viewer');
    other = await actorIn(app, 'metrics-other', 'admin@example.com');
    const common = { start, days: 120 };
    await seedMetricsHistory(app.deps.db, {
      ...common,
      tenantId: actor.tenantId,
      seed: 7,
      changes: 160,
      incidents: 50,
    });
    // Another tenant's history: none of it may leak into the first tenant's figures.
    await seedMetricsHistory(app.deps.db, {
      ...common,
      tenantId: other.tenantId,
      seed: 99,
      changes: 60,
      incidents: 20,
    });
  }, 120_000);
  afterAll(async () => env?.close());

  const since = start + 10 * DAY;
  const until = start + 100 * DAY;
  const queries: [string, Partial<OracleQuery>][] = [
    ['overall', {}],
    ['by environment', { by: 'environment' }],
    ['by component', { by: 'component' }],
    ['by team', { by: 'team' }],
    ['by type', { by: 'type' }],
    ['by week', { by: 'period', period: 'week' }],
    ['by month', { by: 'period', period: 'month' }],
    [
      'by day in a short range',
      { by: 'period', period: 'day', since: start + 30 * DAY, until: start + 44 * DAY + 5 * 3_600_000 },
    ],
    ['prod only, by component', { environment: 'prod', by: 'component' }],
    ['api only, by environment', { component: 'api', by: 'environment' }],
    ['api in prod, by team', { environment: 'prod', component: 'api', by: 'team' }],
  ];

  it.each(queries)('the report agrees with the naive oracle: %s', async (_name, partial) => {
    const q: OracleQuery = {
      environment: null,
      component: null,
      since,
      until,
      by: null,
      period: 'week',
      ...partial,
    };
    const report = await computeMetrics(app.deps, actor, {
      environment: q.environment ?? undefined,
      component: q.component ?? undefined,
      since: iso(q.since),
      until: iso(q.until),
      by: q.by ?? undefined,
      period: q.period,
    });
    const expected = await oracleMetrics(app.deps.db, actor.tenantId, q);
    expect(report.definitionsVersion).toBe(1);
    // The history must exercise what it is meant to, or the comparison proves little.
    if (partial.by === undefined) {
      expect(expected.overall.failedDeployments).toBeGreaterThan(3);
      expect(expected.overall.recovery.count).toBeGreaterThan(0);
      expect(expected.overall.recovery.unrecovered).toBeGreaterThanOrEqual(0);
      expect(expected.overall.changeRelatedIncidents).toBeGreaterThan(0);
      expect(expected.overall.leadTime.count).toBeGreaterThan(3);
      expect(expected.overall.timeToApprove.count).toBeGreaterThan(3);
    }
    expect(comparable(report)).toEqual(rounded(expected));
  });

  it('agrees with the oracle when deployments finish at the same instant: a tie is not the next deployment', async () => {
    const tied = await actorIn(app, 'metrics-ties', 'viewer@example.com', 'viewer');
    await seedMetricsHistory(app.deps.db, {
      start,
      days: 20,
      tenantId: tied.tenantId,
      seed: 11,
      changes: 400,
      incidents: 10,
      coarse: true,
    });
    // The history must hold a failed and a successful deployment of one environment at one instant.
    const ties = await app.deps.db
      .selectFrom('deployment_runs')
      .where('tenant_id', '=', tied.tenantId)
      .where('finished_at', 'is not', null)
      .select(['environment', 'finished_at'])
      .groupBy(['environment', 'finished_at'])
      .having((eb) =>
        eb.and([
          eb(eb.fn.count('id'), '>', 1),
          eb(eb.fn.max('status'), '=', 'successful_deployment'),
          eb(eb.fn.min('status'), 'like', 'failed_deployment%'),
        ]),
      )
      .execute();
    expect(ties.length).toBeGreaterThan(0);
    for (const by of [undefined, 'component'] as const) {
      const q: OracleQuery = {
        environment: null,
        component: null,
        since: start,
        until: start + 30 * DAY,
        by: by ?? null,
        period: 'week',
      };
      const report = await computeMetrics(app.deps, tied, { since: iso(q.since), until: iso(q.until), by });
      const expected = await oracleMetrics(app.deps.db, tied.tenantId, q);
      expect(expected.overall.recovery.count).toBeGreaterThan(0);
      expect(comparable(report)).toEqual(rounded(expected));
    }
  });

  it('a tenant with no records gets zeros and nulls, never NaN, and says there were no deployments', async () => {
    const empty = await actorIn(app, 'metrics-empty', 'v@example.com', 'viewer');
    const report = await computeMetrics(app.deps, empty, { by: 'environment' });
    expect(report.overall).toMatchObject({
      deployments: 0,
      changeFailureRate: null,
      deploymentFrequency: { perDay: 0, perWeek: 0 },
      leadTime: { count: 0, meanMs: null, p50Ms: null, p90Ms: null },
      mtbfChangeRelatedMs: null,
      changeSuccessRate: null,
      successScore: null,
    });
    expect(report.slices).toEqual([]);
    expect(report.notes[0]).toMatch(/no deployments/);
    expect(JSON.stringify(report)).not.toMatch(/NaN|Infinity/);
  });

  it('refuses an unknown environment, a backwards range and an unknown slice, naming the field', async () => {
    expect(await failure(computeMetrics(app.deps, actor, { environment: 'nowhere' }))).toMatchObject({
      code: 'invalid_input',
    });
    expect(
      await failure(computeMetrics(app.deps, actor, { since: '2026-05-01', until: '2026-04-01' })),
    ).toMatchObject({ code: 'invalid_input', details: { field: 'since' } });
    expect(await failure(computeMetrics(app.deps, actor, { by: 'colour' }))).toMatchObject({
      code: 'invalid_input',
      details: { field: 'by' },
    });
  });

  it('`--by env` is the environment slice, and the score follows the tenant weights', async () => {
    const byEnv = await computeMetrics(app.deps, actor, { since: iso(since), until: iso(until), by: 'env' });
    expect(byEnv.query.by).toBe('environment');
    await insertTenantConfig(app.deps.db, other.tenantId, {
      version: 1,
      document: {
        metrics: { successScore: { weights: { changeSuccess: 0, stability: 1, planned: 0, recovery: 0 } } },
      },
      source: null,
      appliedBy: 'test',
      appliedAt: start,
    });
    const report = await computeMetrics(app.deps, other, { since: iso(since), until: iso(until) });
    const stability = 1 - (report.overall.changeFailureRate ?? 0);
    expect(report.successScoreWeights.stability).toBe(1);
    expect(report.overall.successScore).toBe(Math.round(stability * 1000) / 10);
    const expected = await oracleMetrics(app.deps.db, other.tenantId, {
      environment: null,
      component: null,
      since,
      until,
      by: null,
      period: 'week',
    });
    expect(rounded(report.overall)).toEqual(rounded(expected.overall));
  });
});
