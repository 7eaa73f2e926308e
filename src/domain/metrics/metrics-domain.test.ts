import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { emptyAggregates, metricSet, nearestRank, successScore } from './formulas.js';
import { parseMetricsConfig } from './metrics-config.js';
import { metricsCsv } from './metrics-csv.js';
import { parseMetricsQuery } from './metrics-query.js';
import { bucketDaysInRange, bucketsInRange, periodBucket, periodLabel } from './periods.js';

const at = (iso: string) => Date.parse(iso);
const weights = { changeSuccess: 0.4, stability: 0.3, planned: 0.2, recovery: 0.1 };

describe('metric formulas', () => {
  it('give zeros and nulls without data, never NaN', () => {
    const m = metricSet(emptyAggregates(), 30, weights);
    expect(m.changeFailureRate).toBeNull();
    expect(m.leadTime).toEqual({ count: 0, meanMs: null, p50Ms: null, p90Ms: null });
    expect(m.deploymentFrequency).toEqual({ perDay: 0, perWeek: 0 });
    expect(m.successScore).toBeNull();
    expect(JSON.stringify(m)).not.toMatch(/NaN|Infinity/);
  });

  it('takes the nearest-rank percentile (no interpolation)', () => {
    expect(nearestRank([10, 20, 30, 40], 0.5)).toBe(20);
    expect(nearestRank([10, 20, 30, 40], 0.9)).toBe(40);
    expect(nearestRank([7], 0.9)).toBe(7);
    expect(nearestRank([], 0.5)).toBeNull();
  });

  it('drops a score part without data together with its weight', () => {
    // 4 deployments, 1 failed: stability 0.75; 2 changes, none emergency: planned 1; no concluded change.
    const a = { ...emptyAggregates(), deployments: 4, failedDeployments: 1, changes: 2 };
    expect(successScore(a, weights)).toBe(Math.round(((0.75 * 0.3 + 1 * 0.2) / 0.5) * 1000) / 10);
  });
});

describe('periods', () => {
  it('start weeks on Monday and months on the 1st, in UTC', () => {
    const sunday = at('2026-03-08T23:59:59Z');
    expect(periodLabel('week', periodBucket('week', sunday))).toBe('2026-03-02');
    expect(periodLabel('week', periodBucket('week', at('2026-03-09T00:00:00Z')))).toBe('2026-03-09');
    expect(periodLabel('month', periodBucket('month', at('2026-12-31T23:00:00Z')))).toBe('2026-12');
    expect(periodLabel('day', periodBucket('day', at('2026-02-28T12:00:00Z')))).toBe('2026-02-28');
  });

  it('count only the part of a period inside the range', () => {
    const since = at('2026-03-04T12:00:00Z');
    const until = at('2026-03-20T00:00:00Z');
    const weeks = bucketsInRange('week', since, until);
    expect(weeks.map((b) => periodLabel('week', b))).toEqual(['2026-03-02', '2026-03-09', '2026-03-16']);
    expect(weeks.map((b) => bucketDaysInRange('week', b, since, until))).toEqual([4.5, 7, 4]);
  });
});

describe('metrics query and configuration', () => {
  const now = at('2026-04-01T00:00:00Z');

  it('defaults to the 30 days before now, weekly, unsliced; accepts --by env', () => {
    expect(parseMetricsQuery({}, now)).toEqual({
      environment: null,
      component: null,
      since: now - 30 * 86_400_000,
      until: now,
      by: null,
      period: 'week',
    });
    expect(parseMetricsQuery({ by: 'env' }, now).by).toBe('environment');
  });

  it('refuses a reversed range, an unknown slice and unknown parameters, naming the field', () => {
    const field = (input: Record<string, unknown>) => {
      try {
        parseMetricsQuery(input, now);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        return (e as AppError).details.field;
      }
      throw new Error('expected an error');
    };
    expect(field({ since: '2026-05-01', until: '2026-04-01' })).toBe('since');
    expect(field({ by: 'colour' })).toBe('by');
    expect(field({ period: 'year' })).toBe('period');
    expect(field({ env: 'prod' })).toBe('env');
  });

  it('parses success score weights, keeps defaults for omitted ones, refuses negatives and all zeros', () => {
    expect(parseMetricsConfig({ successScore: { weights: { planned: 0 } } }).successScore.weights).toEqual({
      ...weights,
      planned: 0,
    });
    expect(() => parseMetricsConfig({ successScore: { weights: { stability: -1 } } })).toThrow(
      /metrics.successScore.weights.stability/,
    );
    expect(() =>
      parseMetricsConfig({
        successScore: { weights: { changeSuccess: 0, stability: 0, planned: 0, recovery: 0 } },
      }),
    ).toThrow(/at least one weight/);
    expect(() => parseMetricsConfig({ successScore: { weight: {} } })).toThrow(/did you mean 'weights'/);
  });
});

describe('metrics CSV', () => {
  it('quotes keys with commas or quotes (RFC 4180) and leaves nulls empty', () => {
    const metrics = metricSet({ ...emptyAggregates(), deployments: 2, failedDeployments: 1 }, 1, weights);
    const csv = metricsCsv({
      query: { by: 'component' },
      overall: metrics,
      slices: [{ key: 'pay, "core"', metrics }],
    });
    const [header, row, end] = csv.split('\r\n');
    expect(header?.startsWith('component,deployments,failed_deployments,')).toBe(true);
    expect(row?.startsWith('"pay, ""core""",2,1,2,0.5,,')).toBe(true);
    expect(end).toBe('');
  });
});
