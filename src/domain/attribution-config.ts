import parseDuration from 'parse-duration';
import { absent, describe, mapping, onlyKeys } from './config-shape.js';
import { invalidField } from './errors.js';

/**
 * `attribution:` in changegate.yaml (docs/attribution.md): how far before an incident's start a change
 * is still a candidate cause, and how long a post-incident review may take.
 */
export interface AttributionConfig {
  /** As written (24h), for `config show`. */
  window: string;
  windowMs: number;
  reviewDue: string;
  reviewDueMs: number;
}

export const attributionConfigKeys = ['window', 'reviewDue'] as const;

const hour = 3_600_000;
const day = 24 * hour;

/** Defaults: candidates deployed up to a day before the incident; reviews due within five days. */
export const defaultAttributionConfig: AttributionConfig = Object.freeze({
  window: '24h',
  windowMs: day,
  reviewDue: '5d',
  reviewDueMs: 5 * day,
});

/** Parses `attribution:`; absent keys take the defaults, and each error names its path. */
export function parseAttributionConfig(value: unknown, path = 'attribution'): AttributionConfig {
  if (absent(value)) return defaultAttributionConfig;
  const section = mapping(path, value);
  onlyKeys(path, section, attributionConfigKeys);
  const window = span(`${path}.window`, section.window, defaultAttributionConfig.window, {
    min: 60_000,
    max: 90 * day,
    range: '1m to 90d',
  });
  const reviewDue = span(`${path}.reviewDue`, section.reviewDue, defaultAttributionConfig.reviewDue, {
    min: hour,
    max: 365 * day,
    range: '1h to 365d',
  });
  return { window: window.text, windowMs: window.ms, reviewDue: reviewDue.text, reviewDueMs: reviewDue.ms };
}

function span(
  path: string,
  value: unknown,
  fallback: string,
  limits: { min: number; max: number; range: string },
): { text: string; ms: number } {
  if (absent(value)) return { text: fallback, ms: parseDuration(fallback) as number };
  const given = typeof value === 'string' ? value.trim() : '';
  // A bare number has no unit: 24 could mean hours or milliseconds, so it is refused.
  const ms = given !== '' && !/^\d+(\.\d+)?$/.test(given) ? parseDuration(given) : null;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < limits.min || ms > limits.max)
    throw invalidField(
      path,
      `must be a duration from ${limits.range} such as 24h or 5d, not ${describe(value)}`,
    );
  return { text: given, ms: Math.round(ms) };
}

/** "changes up to 24h before an incident are candidate causes; post-incident reviews are due within 5d". */
export function describeAttributionConfig(config: AttributionConfig): string {
  return `attribution: changes up to ${config.window} before an incident are candidate causes; post-incident reviews are due within ${config.reviewDue}`;
}
