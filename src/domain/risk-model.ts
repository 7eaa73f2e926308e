import parseDuration from 'parse-duration';
import {
  type CustomerImpact,
  customerImpacts,
  type DeploymentImpact,
  deploymentImpacts,
  type EnvironmentPurpose,
  environmentPurposes,
  type RiskLevel,
  riskLevels,
} from './change-request.js';
import { type Criticality, criticalityTiers } from './component.js';
import { absent, describe, mapping, onlyKeys, sequence } from './config-shape.js';
import { invalidField } from './errors.js';
import { oneOf } from './validate.js';

/**
 * The tenant's risk model (`risk:` in changegate.yaml, docs/risk.md): points per factor value on two
 * axes, impact and likelihood; each axis takes its highest factor; the history of similar changes
 * raises likelihood; a matrix maps (impact, likelihood) to a level. Here it is parsed and checked;
 * assess-risk.ts applies it to a change.
 */
export interface RiskModel {
  impact: {
    customerImpact: Record<CustomerImpact, number>;
    criticality: Record<Criticality, number>;
    environmentPurpose: Record<EnvironmentPurpose, number>;
  };
  likelihood: {
    deploymentImpact: Record<DeploymentImpact, number>;
    outage: Record<'none' | 'any', number>;
    /** Highest `atLeast` first. */
    components: ComponentsStep[];
  };
  /** Rows: impact 1..n; columns: likelihood 1..m. */
  matrix: RiskLevel[][];
  /** null: `history: false`, the history is not consulted. */
  history: HistoryRule | null;
}

export interface ComponentsStep {
  atLeast: number;
  points: number;
}

export interface HistoryRule {
  /** As written (90d), and in ms. */
  window: string;
  windowMs: number;
  /** Below this many similar concluded changes, the history says nothing. */
  minChanges: number;
  /** Highest failureRate first; the first the rate reaches applies. */
  raiseBy: { failureRate: number; points: number }[];
}

export const defaultRiskModel: RiskModel = {
  impact: {
    customerImpact: { critical: 4, high: 3, moderate: 2, low: 1, no_impact: 1 },
    criticality: { tier1: 4, tier2: 3, tier3: 2, tier4: 1 },
    environmentPurpose: { production: 3, pre_prod: 1 },
  },
  likelihood: {
    deploymentImpact: { large: 3, small: 1 },
    outage: { none: 1, any: 2 },
    components: [
      { atLeast: 10, points: 3 },
      { atLeast: 3, points: 2 },
    ],
  },
  matrix: [
    ['low', 'low', 'moderate', 'moderate'],
    ['low', 'moderate', 'moderate', 'high'],
    ['moderate', 'moderate', 'high', 'critical'],
    ['moderate', 'high', 'critical', 'critical'],
  ],
  history: {
    window: '90d',
    windowMs: 90 * 86_400_000,
    minChanges: 3,
    raiseBy: [
      { failureRate: 0.5, points: 2 },
      { failureRate: 0.2, points: 1 },
    ],
  },
};

const riskKeys = ['impact', 'likelihood', 'matrix', 'history'] as const;
const impactKeys = ['customerImpact', 'criticality', 'environmentPurpose'] as const;
const likelihoodKeys = ['deploymentImpact', 'outage', 'components'] as const;
const historyKeys = ['window', 'minChanges', 'raiseBy'] as const;

/** Parses `risk:`; absent parts take the defaults, and every error names its path (risk.matrix[2][3]). */
export function parseRiskModel(value: unknown, path = 'risk'): RiskModel {
  const root = mapping(path, value);
  onlyKeys(path, root, riskKeys);
  const matrix = absent(root.matrix) ? defaultRiskModel.matrix : parseMatrix(`${path}.matrix`, root.matrix);
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  const d = defaultRiskModel;

  const impact = absent(root.impact) ? {} : mapping(`${path}.impact`, root.impact);
  onlyKeys(`${path}.impact`, impact, impactKeys);
  const ip = (
    key: (typeof impactKeys)[number],
    values: readonly string[],
    fallback: Record<string, number>,
  ) => pointsMap(`${path}.impact.${key}`, impact[key], values, fallback, rows, 'rows (impact)');

  const likelihood = absent(root.likelihood) ? {} : mapping(`${path}.likelihood`, root.likelihood);
  onlyKeys(`${path}.likelihood`, likelihood, likelihoodKeys);
  const lp = (
    key: (typeof likelihoodKeys)[number],
    values: readonly string[],
    fallback: Record<string, number>,
  ) =>
    pointsMap(`${path}.likelihood.${key}`, likelihood[key], values, fallback, cols, 'columns (likelihood)');

  return {
    impact: {
      customerImpact: ip('customerImpact', customerImpacts, d.impact.customerImpact),
      criticality: ip('criticality', criticalityTiers, d.impact.criticality),
      environmentPurpose: ip('environmentPurpose', environmentPurposes, d.impact.environmentPurpose),
    } as RiskModel['impact'],
    likelihood: {
      deploymentImpact: lp('deploymentImpact', deploymentImpacts, d.likelihood.deploymentImpact),
      outage: lp('outage', ['none', 'any'], d.likelihood.outage),
      components: absent(likelihood.components)
        ? d.likelihood.components.filter((s) => s.points <= cols)
        : parseComponentSteps(`${path}.likelihood.components`, likelihood.components, cols),
    } as RiskModel['likelihood'],
    matrix,
    history: parseHistory(`${path}.history`, root.history, cols),
  };
}

function parseMatrix(path: string, value: unknown): RiskLevel[][] {
  const rows = sequence(path, value, 'a list of rows (impact 1 first), each a list of risk levels');
  if (rows.length < 2 || rows.length > 6)
    throw invalidField(path, `must have 2 to 6 rows (one per impact point), not ${rows.length}`);
  const matrix = rows.map((row, i) =>
    sequence(`${path}[${i}]`, row, 'a list of risk levels (likelihood 1 first)').map((cell, j) =>
      oneOf(`${path}[${i}][${j}]`, cell, riskLevels),
    ),
  );
  const cols = matrix[0]?.length ?? 0;
  if (cols < 2 || cols > 6)
    throw invalidField(`${path}[0]`, `must have 2 to 6 columns (one per likelihood point), not ${cols}`);
  matrix.forEach((row, i) => {
    if (row.length !== cols)
      throw invalidField(
        `${path}[${i}]`,
        `has ${row.length} columns; every row must have ${cols} like the first`,
      );
  });
  return matrix;
}

function points(path: string, value: unknown, max: number, axis: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max) return value;
  throw invalidField(
    path,
    `must be a whole number from 1 to ${max} (the matrix has ${max} ${axis}), not ${describe(value)}`,
  );
}

/** Points per value; values left out keep their default (capped at the matrix size). */
function pointsMap(
  path: string,
  value: unknown,
  values: readonly string[],
  fallback: Record<string, number>,
  max: number,
  axis: string,
): Record<string, number> {
  const given = absent(value) ? {} : mapping(path, value);
  onlyKeys(path, given, values);
  return Object.fromEntries(
    values.map((v) => [
      v,
      given[v] === undefined ? Math.min(fallback[v] ?? 1, max) : points(`${path}.${v}`, given[v], max, axis),
    ]),
  );
}

function parseComponentSteps(path: string, value: unknown, cols: number): ComponentsStep[] {
  const steps = sequence(path, value, 'a list of steps ({atLeast: 10, points: 3})').map((item, i) => {
    const at = `${path}[${i}]`;
    const step = mapping(at, item);
    onlyKeys(at, step, ['atLeast', 'points']);
    const atLeast = step.atLeast;
    if (typeof atLeast !== 'number' || !Number.isInteger(atLeast) || atLeast < 1)
      throw invalidField(
        `${at}.atLeast`,
        `must be a whole number of components, at least 1, not ${describe(atLeast)}`,
      );
    return { atLeast, points: points(`${at}.points`, step.points, cols, 'columns (likelihood)') };
  });
  steps.forEach((s, i) => {
    if (steps.findIndex((o) => o.atLeast === s.atLeast) !== i)
      throw invalidField(`${path}[${i}].atLeast`, `${s.atLeast} is listed twice`);
  });
  return steps.sort((a, b) => b.atLeast - a.atLeast);
}

function parseHistory(path: string, value: unknown, cols: number): HistoryRule | null {
  const d = defaultRiskModel.history as HistoryRule;
  if (value === false) return null;
  if (absent(value))
    return { ...d, raiseBy: d.raiseBy.map((r) => ({ ...r, points: Math.min(r.points, cols - 1) })) };
  const h = mapping(path, value);
  onlyKeys(path, h, historyKeys);
  let window = d.window;
  let windowMs = d.windowMs;
  if (!absent(h.window)) {
    const ms = typeof h.window === 'string' ? parseDuration(h.window) : null;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 86_400_000 || ms > 3_660 * 86_400_000)
      throw invalidField(
        `${path}.window`,
        `must be a duration from 1d to 10y such as 90d or 26w, not ${describe(h.window)}`,
      );
    window = h.window as string;
    windowMs = ms;
  }
  let minChanges = d.minChanges;
  if (!absent(h.minChanges)) {
    if (typeof h.minChanges !== 'number' || !Number.isInteger(h.minChanges) || h.minChanges < 1)
      throw invalidField(
        `${path}.minChanges`,
        `must be a whole number, at least 1, not ${describe(h.minChanges)}`,
      );
    minChanges = h.minChanges;
  }
  const raiseBy = absent(h.raiseBy)
    ? d.raiseBy.map((r) => ({ ...r, points: Math.min(r.points, cols - 1) }))
    : sequence(`${path}.raiseBy`, h.raiseBy, 'a list of steps ({failureRate: 0.5, points: 2})').map(
        (item, i) => {
          const at = `${path}.raiseBy[${i}]`;
          const step = mapping(at, item);
          onlyKeys(at, step, ['failureRate', 'points']);
          const rate = step.failureRate;
          if (typeof rate !== 'number' || !(rate > 0 && rate <= 1))
            throw invalidField(
              `${at}.failureRate`,
              `must be a fraction above 0 and at most 1 (0.2 = 20%), not ${describe(rate)}`,
            );
          return {
            failureRate: rate,
            points: points(
              `${at}.points`,
              step.points,
              cols - 1,
              'columns (likelihood), so it raises by less',
            ),
          };
        },
      );
  return { window, windowMs, minChanges, raiseBy: raiseBy.sort((a, b) => b.failureRate - a.failureRate) };
}

/** One line for `changegate config show`. */
export function describeRiskModel(model: RiskModel): string {
  const size = `${model.matrix.length}×${model.matrix[0]?.length ?? 0}`;
  const history = model.history
    ? `history of the last ${model.history.window} (at least ${model.history.minChanges} similar changes)`
    : 'no history';
  return `risk assessment: ${size} matrix of impact × likelihood, ${history}`;
}
