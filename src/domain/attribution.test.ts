import { describe, expect, it } from 'vitest';
import { type ChangeEvent, explainCause, rankCauses } from './attribution.js';
import { parseAttributionConfig } from './attribution-config.js';

const hour = 3_600_000;
const start = Date.parse('2026-03-01T12:00:00Z');
const day = 24 * hour;

let n = 0;
function change(fields: Partial<ChangeEvent> & { hoursBefore: number }): ChangeEvent {
  const { hoursBefore, ...rest } = fields;
  n++;
  return {
    changeRequestId: `cr${n}`,
    changeRequestNumber: `CHG${String(n).padStart(7, '0')}`,
    deploymentRunId: `run${n}`,
    kind: 'deployment',
    at: start - hoursBefore * hour,
    environment: 'prod',
    components: ['payments'],
    failed: false,
    rolledBack: false,
    emergency: false,
    risk: 'low',
    ...rest,
  };
}

const incident = { startedAt: start, components: ['payments'], environment: 'prod' };

describe('rankCauses', () => {
  it('ranks the change deployed closer to the incident higher', () => {
    const early = change({ hoursBefore: 20, components: ['payments'] });
    const late = change({ hoursBefore: 1, components: ['payments', 'web'] });
    const ranked = rankCauses(incident, [early, late], day);
    expect(ranked.map((r) => r.change.changeRequestNumber)).toEqual([
      late.changeRequestNumber,
      early.changeRequestNumber,
    ]);
    expect(ranked[0]?.confidence).toBeGreaterThan(ranked[1]?.confidence ?? 1);
    expect(ranked[0]?.factors.map((f) => f.factor)).toEqual(['time', 'component', 'environment']);
    expect(ranked[0]?.factors[1]?.detail).toBe('exact match on payments');
  });

  it('leaves out changes in another environment, outside the window, after the start or on other components', () => {
    const inScope = change({ hoursBefore: 2 });
    const otherEnv = change({ hoursBefore: 2, environment: 'staging' });
    const tooEarly = change({ hoursBefore: 25 });
    const after = change({ hoursBefore: -1 });
    const otherComponent = change({ hoursBefore: 2, components: ['web'] });
    const ranked = rankCauses(incident, [inScope, otherEnv, tooEarly, after, otherComponent], day);
    expect(ranked.map((r) => r.change.changeRequestNumber)).toEqual([inScope.changeRequestNumber]);
    // A wider window takes the earlier change in.
    expect(rankCauses(incident, [tooEarly], 2 * day)).toHaveLength(1);
  });

  it('takes every component and environment for a tenant-wide incident, at a lower confidence than an exact match', () => {
    const a = change({ hoursBefore: 3, components: ['web'], environment: 'staging' });
    const b = change({ hoursBefore: 3, components: ['payments'] });
    const tenantWide = rankCauses({ startedAt: start, components: [], environment: null }, [a, b], day);
    expect(tenantWide).toHaveLength(2);
    expect(tenantWide[0]?.factors.find((f) => f.factor === 'component')?.detail).toBe(
      'the incident is tenant-wide (names no component)',
    );
    const exact = rankCauses(incident, [b], day)[0]?.confidence ?? 0;
    expect(tenantWide.every((r) => r.confidence < exact)).toBe(true);
  });

  it('raises the confidence of a rolled-back, emergency, high-risk change and explains each factor', () => {
    const plain = change({ hoursBefore: 5 });
    const risky = change({ hoursBefore: 5, rolledBack: true, failed: true, emergency: true, risk: 'high' });
    const [first, second] = rankCauses(incident, [plain, risky], day);
    expect(first?.change.changeRequestNumber).toBe(risky.changeRequestNumber);
    expect(first?.factors.map((f) => f.factor)).toEqual([
      'time',
      'component',
      'environment',
      'failed',
      'emergency',
      'risk',
    ]);
    expect(round((first?.confidence ?? 0) - (second?.confidence ?? 0))).toBe(round(0.1 + 0.05 + 0.035));
    expect(explainCause(first?.factors ?? [])).toContain(
      'failed (+0.100): the deployment failed and was rolled back',
    );
  });

  it('counts what was running at the start: a change whose components were all redeployed since ranks lower', () => {
    const replaced = change({ hoursBefore: 3 });
    const replacing = change({ hoursBefore: 2, components: ['payments'] });
    const ranked = rankCauses(incident, [replaced, replacing], day);
    const old = ranked.find((r) => r.change === replaced);
    expect(old?.factors.at(-1)).toMatchObject({
      factor: 'running',
      detail: `no longer running when the incident started: replaced by ${replacing.changeRequestNumber}`,
    });
    expect(ranked[0]?.change).toBe(replacing);
  });

  it('keeps one entry per CR, its most likely change, with confidence within 0..1', () => {
    const first = change({ hoursBefore: 10 });
    const again = { ...change({ hoursBefore: 1, risk: 'critical', failed: true, emergency: true }) };
    again.changeRequestId = first.changeRequestId;
    again.changeRequestNumber = first.changeRequestNumber;
    const ranked = rankCauses(incident, [first, again], day);
    expect(ranked).toHaveLength(1);
    expect(ranked[0]?.change.deploymentRunId).toBe(again.deploymentRunId);
    expect(ranked[0]?.confidence).toBeLessThanOrEqual(1);
    expect(ranked[0]?.confidence).toBeGreaterThan(0.9);
  });
});

describe('parseAttributionConfig', () => {
  it('defaults to a 24h window and reviews due in 5 days', () => {
    expect(parseAttributionConfig(undefined)).toMatchObject({ windowMs: day, reviewDueMs: 5 * day });
    expect(parseAttributionConfig({ window: '6h', reviewDue: '2d' })).toMatchObject({
      window: '6h',
      windowMs: 6 * hour,
      reviewDueMs: 2 * day,
    });
  });

  it('refuses durations without a unit, out of range, and unknown keys, naming the path', () => {
    expect(() => parseAttributionConfig({ window: 24 })).toThrow(/attribution\.window: must be a duration/);
    expect(() => parseAttributionConfig({ window: '200d' })).toThrow(/from 1m to 90d/);
    expect(() => parseAttributionConfig({ reviewDue: '10m' })).toThrow(/attribution\.reviewDue/);
    expect(() => parseAttributionConfig({ windows: '1h' })).toThrow(/did you mean 'window'/);
  });
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
