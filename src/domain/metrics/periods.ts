import type { PeriodUnit } from './report.js';

/**
 * Calendar periods as integer buckets, the same arithmetic the SQL does (docs/metrics.md): UTC days
 * since the epoch; weeks starting Monday (the epoch was a Thursday, so day + 3); months as year*12+month-1.
 */

const dayMs = 86_400_000;

/** The bucket an instant falls in. */
export function periodBucket(unit: PeriodUnit, at: number): number {
  const day = Math.floor(at / dayMs);
  switch (unit) {
    case 'day':
      return day;
    case 'week':
      return Math.floor((day + 3) / 7);
    case 'month': {
      const d = new Date(at);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
    default: {
      const never: never = unit;
      return never;
    }
  }
}

/** Where a bucket starts and ends (epoch ms, end exclusive). */
export function bucketSpan(unit: PeriodUnit, bucket: number): { start: number; end: number } {
  switch (unit) {
    case 'day':
      return { start: bucket * dayMs, end: (bucket + 1) * dayMs };
    case 'week':
      return { start: (bucket * 7 - 3) * dayMs, end: (bucket * 7 + 4) * dayMs };
    case 'month': {
      const year = Math.floor(bucket / 12);
      const month = bucket - year * 12;
      return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
    }
    default: {
      const never: never = unit;
      return never;
    }
  }
}

/** A bucket's label: the day (2026-03-02), the Monday a week starts on, or the month (2026-03). */
export function periodLabel(unit: PeriodUnit, bucket: number): string {
  const iso = new Date(bucketSpan(unit, bucket).start).toISOString();
  return unit === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/** Every bucket the range [since, until) touches, in order. */
export function bucketsInRange(unit: PeriodUnit, since: number, until: number): number[] {
  const first = periodBucket(unit, since);
  const last = periodBucket(unit, until - 1);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** Days of a bucket inside the range (a partial first or last period counts its part only). */
export function bucketDaysInRange(unit: PeriodUnit, bucket: number, since: number, until: number): number {
  const span = bucketSpan(unit, bucket);
  return Math.max(0, Math.min(span.end, until) - Math.max(span.start, since)) / dayMs;
}
