import { describe, expect, it } from 'vitest';
import { assessRisk, type RiskFacts, riskScore } from './assess-risk.js';
import { defaultRiskModel, parseRiskModel } from './risk-model.js';

/** The quietest change: every factor at its lowest. */
const quiet: RiskFacts = {
  customerImpact: 'no_impact',
  deploymentImpact: 'small',
  environmentPurpose: 'pre_prod',
  outageMinutes: 0,
  components: [{ name: 'web', criticality: 'tier4' }],
  history: { similar: 0, failed: 0, failures: [] },
};
const at = Date.parse('2026-02-01T00:00:00Z');
const assess = (facts: Partial<RiskFacts>, model = defaultRiskModel) =>
  assessRisk(model, { ...quiet, ...facts }, at);
const factor = (a: ReturnType<typeof assess>, name: string) => a.factors.find((f) => f.factor === name);

describe('assessRisk', () => {
  it('scores the quietest change low, with every factor explained', () => {
    const a = assess({});
    expect(a).toMatchObject({ level: 'low', impact: 1, likelihood: 1, score: 0, assessedAt: at });
    expect(a.factors.map((f) => [f.factor, f.axis, f.points])).toEqual([
      ['customerImpact', 'impact', 1],
      ['criticality', 'impact', 1],
      ['environmentPurpose', 'impact', 1],
      ['deploymentImpact', 'likelihood', 1],
      ['outage', 'likelihood', 1],
      ['components', 'likelihood', 1],
      ['history', 'likelihood', 0],
    ]);
  });

  it.each([
    [{ customerImpact: 'critical' as const }, 'customerImpact', 4, 1],
    [{ components: [{ name: 'pay', criticality: 'tier1' as const }] }, 'criticality', 4, 1],
    [{ environmentPurpose: 'production' as const }, 'environmentPurpose', 3, 1],
    [{ deploymentImpact: 'large' as const }, 'deploymentImpact', 1, 3],
    [{ outageMinutes: 30 }, 'outage', 1, 2],
  ])('takes each factor into its axis (%#)', (facts, name, impact, likelihood) => {
    const a = assess(facts);
    expect([a.impact, a.likelihood]).toEqual([impact, likelihood]);
    expect(factor(a, name)?.points).toBe(Math.max(impact, likelihood));
  });

  it('counts components by the steps and takes the most critical registered one', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ name: `c${i}`, criticality: null }));
    const a = assess({
      components: [...many, { name: 'pay', criticality: 'tier2' }, { name: 'db', criticality: 'tier3' }],
    });
    expect(factor(a, 'components')).toMatchObject({ value: '12', points: 3 });
    expect(factor(a, 'criticality')).toMatchObject({ value: 'tier2 (pay)', points: 3 });
    expect(factor(assess({ components: many.slice(0, 3) }), 'components')?.points).toBe(2);
    expect(factor(assess({ components: many.slice(0, 3) }), 'criticality')).toMatchObject({
      points: 0,
      explanation: 'none of its components is registered: criticality not counted',
    });
  });

  it('reads the level from the matrix cell of the highest impact and likelihood', () => {
    const a = assess({
      environmentPurpose: 'production',
      customerImpact: 'moderate',
      deploymentImpact: 'large',
    });
    expect([a.impact, a.likelihood, a.level, a.score]).toEqual([3, 3, 'high', 66]);
    const custom = parseRiskModel({
      matrix: [
        ['low', 'critical'],
        ['critical', 'critical'],
      ],
    });
    expect(assess({ deploymentImpact: 'large' }, custom)).toMatchObject({
      impact: 1,
      likelihood: 2,
      level: 'critical',
    });
  });

  it('gives each level its own band of scores', () => {
    expect(riskScore('low', 1, 1, 4, 4)).toBe(0);
    expect(riskScore('low', 2, 2, 4, 4)).toBe(8);
    expect(riskScore('moderate', 1, 3, 4, 4)).toBe(33);
    expect(riskScore('high', 4, 2, 4, 4)).toBe(66);
    expect(riskScore('critical', 4, 4, 4, 4)).toBe(100);
  });

  it('raises likelihood by the failure rate of similar changes', () => {
    const facts = {
      environmentPurpose: 'production' as const,
      customerImpact: 'moderate' as const,
      deploymentImpact: 'large' as const,
    };
    const raised = assess({
      ...facts,
      history: {
        similar: 5,
        failed: 2,
        failures: ['CHG0000002 closed unsuccessful', 'CHG0000004 incident INC0000001'],
      },
    });
    expect(raised).toMatchObject({ impact: 3, likelihood: 4, level: 'critical', score: 96 });
    expect(factor(raised, 'history')).toMatchObject({
      value: '2 of 5 failed',
      points: 1,
      explanation:
        '2 of 5 failed similar changes (same component and environment) in the last 90d, 40% ≥ 20%: likelihood +1 (CHG0000002 closed unsuccessful; CHG0000004 incident INC0000001)',
    });
    expect(assess({ history: { similar: 4, failed: 2, failures: [] } })).toMatchObject({ likelihood: 3 });
    expect(assess({ history: { similar: 10, failed: 1, failures: [] } })).toMatchObject({ likelihood: 1 });
  });

  it('lets the history say nothing below minChanges', () => {
    const a = assess({ history: { similar: 2, failed: 2, failures: ['CHG0000001 closed unsuccessful'] } });
    expect(a.likelihood).toBe(1);
    expect(factor(a, 'history')?.explanation).toContain('fewer than 3, so the history says nothing');
  });

  it('caps likelihood at the matrix and leaves the history out when it is off', () => {
    const a = assess({ deploymentImpact: 'large', history: { similar: 3, failed: 3, failures: [] } });
    expect(a.likelihood).toBe(4);
    const off = parseRiskModel({ history: false });
    const b = assess({ history: { similar: 3, failed: 3, failures: [] } }, off);
    expect(b.likelihood).toBe(1);
    expect(factor(b, 'history')).toBeUndefined();
  });
});
