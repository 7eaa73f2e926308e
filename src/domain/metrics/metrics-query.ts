import { invalidField } from '../errors.js';
import { instant, oneOf, rejectUnknown, text } from '../validate.js';
import {
  type MetricsQuery,
  type PeriodUnit,
  periodUnits,
  type SliceDimension,
  sliceDimensions,
} from './report.js';

const dayMs = 86_400_000;
/** Without --since: the 30 days before --until (or now). */
export const defaultRangeDays = 30;
/** A report spans at most ten years: enough for any trend, and period slices stay bounded. */
const maxRangeDays = 3_660;

const queryKeys = ['environment', 'component', 'since', 'until', 'by', 'period'] as const;
/** `--by env` is accepted for `environment`. */
const byAliases: Record<string, SliceDimension> = { env: 'environment' };

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Validates a metrics query (CLI options or API query string); `now` closes an open range. */
export function parseMetricsQuery(input: Record<string, unknown>, now: number): MetricsQuery {
  rejectUnknown(input, queryKeys);
  const until = present(input.until) ? instant('until', input.until) : now;
  const since = present(input.since) ? instant('since', input.since) : until - defaultRangeDays * dayMs;
  if (since >= until) {
    throw invalidField('since', 'must be before until; give --since earlier than --until (or now)');
  }
  if (until - since > maxRangeDays * dayMs) {
    throw invalidField('since', `the range is longer than ${maxRangeDays} days; narrow --since/--until`);
  }
  const rawBy = present(input.by) ? String(input.by) : null;
  const by =
    rawBy === null ? null : oneOf<SliceDimension>('by', byAliases[rawBy] ?? rawBy, [...sliceDimensions]);
  const period: PeriodUnit = present(input.period) ? oneOf('period', input.period, periodUnits) : 'week';
  return {
    environment: present(input.environment)
      ? text('environment', input.environment, { min: 1, max: 200 })
      : null,
    component: present(input.component) ? text('component', input.component, { min: 1, max: 200 }) : null,
    since,
    until,
    by,
    period,
  };
}
