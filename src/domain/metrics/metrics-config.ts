import { absent, mapping, onlyKeys } from '../config-shape.js';
import { invalidField } from '../errors.js';
import { defaultSuccessScoreWeights } from './formulas.js';
import type { SuccessScoreWeights } from './report.js';

/** The tenant's `metrics:` section of changegate.yaml (docs/metrics.md). */
export interface MetricsConfig {
  successScore: { weights: SuccessScoreWeights };
}

const metricsKeys = ['successScore'] as const;
const successScoreKeys = ['weights'] as const;
const weightKeys = ['changeSuccess', 'stability', 'planned', 'recovery'] as const;

export const defaultMetricsConfig: MetricsConfig = Object.freeze({
  successScore: Object.freeze({ weights: defaultSuccessScoreWeights }),
});

/** Parses `metrics:`; weights are non-negative numbers, omitted ones keep their default, at least one above 0. */
export function parseMetricsConfig(value: unknown, path = 'metrics'): MetricsConfig {
  if (absent(value)) return defaultMetricsConfig;
  const root = mapping(path, value);
  onlyKeys(path, root, metricsKeys);
  if (absent(root.successScore)) return defaultMetricsConfig;
  const score = mapping(`${path}.successScore`, root.successScore);
  onlyKeys(`${path}.successScore`, score, successScoreKeys);
  if (absent(score.weights)) return defaultMetricsConfig;
  const raw = mapping(`${path}.successScore.weights`, score.weights);
  onlyKeys(`${path}.successScore.weights`, raw, weightKeys);
  const weights = { ...defaultSuccessScoreWeights };
  for (const key of weightKeys) {
    const w = raw[key];
    if (absent(w)) continue;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw invalidField(
        `${path}.successScore.weights.${key}`,
        'must be a number of 0 or more (a relative weight)',
      );
    }
    weights[key] = w;
  }
  if (weightKeys.every((k) => weights[k] === 0)) {
    throw invalidField(`${path}.successScore.weights`, 'at least one weight must be above 0');
  }
  return { successScore: { weights } };
}
