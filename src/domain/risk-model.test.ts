import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AppError } from './errors.js';
import { defaultRiskModel, parseRiskModel } from './risk-model.js';

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('risk model parser', () => {
  it('takes the defaults for an empty model', () => {
    expect(parseRiskModel({})).toEqual(defaultRiskModel);
  });

  it('has the defaults docs/risk.md writes out', async () => {
    const doc = await readFile(new URL('../../docs/risk.md', import.meta.url), 'utf8');
    const yaml = /^```yaml\n([\s\S]*?)^```$/m.exec(doc)?.[1] ?? '';
    expect(parseRiskModel(parse(yaml).risk)).toEqual(defaultRiskModel);
  });

  it('keeps defaults for values left out of a factor and reads the rest', () => {
    const model = parseRiskModel({
      impact: { customerImpact: { low: 2 } },
      likelihood: {
        components: [
          { atLeast: 2, points: 2 },
          { atLeast: 5, points: 4 },
        ],
      },
      history: { window: '30d', minChanges: 5, raiseBy: [{ failureRate: 0.1, points: 1 }] },
    });
    expect(model.impact.customerImpact).toEqual({ critical: 4, high: 3, moderate: 2, low: 2, no_impact: 1 });
    expect(model.likelihood.components).toEqual([
      { atLeast: 5, points: 4 },
      { atLeast: 2, points: 2 },
    ]);
    expect(model.history).toEqual({
      window: '30d',
      windowMs: 30 * 86_400_000,
      minChanges: 5,
      raiseBy: [{ failureRate: 0.1, points: 1 }],
    });
    expect(parseRiskModel({ history: false }).history).toBeNull();
  });

  it.each([
    [
      {
        matrix: [
          ['low', 'low'],
          ['low', 'severe'],
        ],
      },
      'risk.matrix[1][1]',
      "'severe' is not valid",
    ],
    [{ matrix: [['low', 'low'], ['low']] }, 'risk.matrix[1]', 'every row must have 2'],
    [{ matrix: [['low', 'low']] }, 'risk.matrix', 'must have 2 to 6 rows'],
    [{ impact: { customerImpact: { high: 5 } } }, 'risk.impact.customerImpact.high', 'from 1 to 4'],
    [
      {
        matrix: [
          ['low', 'high'],
          ['high', 'critical'],
        ],
        impact: { criticality: { tier1: 3 } },
      },
      'risk.impact.criticality.tier1',
      'from 1 to 2 (the matrix has 2 rows (impact))',
    ],
    [{ impact: { criticalty: {} } }, 'risk.impact.criticalty', "did you mean 'criticality'"],
    [{ likelihood: { outage: { some: 2 } } }, 'risk.likelihood.outage.some', 'unknown key'],
    [
      { likelihood: { components: [{ atLeast: 0, points: 2 }] } },
      'risk.likelihood.components[0].atLeast',
      'at least 1',
    ],
    [{ history: { window: 'forever' } }, 'risk.history.window', 'such as 90d'],
    [{ history: { minChanges: 0 } }, 'risk.history.minChanges', 'at least 1'],
    [
      { history: { raiseBy: [{ failureRate: 1.5, points: 1 }] } },
      'risk.history.raiseBy[0].failureRate',
      'at most 1',
    ],
    [
      { history: { raiseBy: [{ failureRate: 0.5, points: 4 }] } },
      'risk.history.raiseBy[0].points',
      'from 1 to 3',
    ],
    [{ weights: {} }, 'risk.weights', 'unknown key'],
  ])('refuses a bad model with the path of the error (%#)', (model, field, message) => {
    const error = refusal(() => parseRiskModel(model));
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(message);
  });
});
