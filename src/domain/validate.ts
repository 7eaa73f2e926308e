import { AppError, invalidEnum, invalidField } from './errors.js';

/** Small pure validators shared by every input shape; each error names the field and how to fix it. */

export function oneOf<T extends string>(field: string, value: unknown, valid: readonly T[]): T {
  if (typeof value !== 'string' || !(valid as readonly string[]).includes(value)) {
    throw invalidEnum(field, value, valid);
  }
  return value as T;
}

// NUL and the other C0/DEL controls except tab, LF and CR: PostgreSQL refuses NUL in text, and none belong in a form field.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function text(field: string, value: unknown, { max = 10_000, min = 0 } = {}): string {
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  if (controlCharacters.test(value))
    throw invalidField(field, 'contains control characters; only tab and line breaks are allowed');
  const trimmed = value.trim();
  if (trimmed.length < min)
    throw invalidField(field, min === 1 ? 'must not be empty' : `needs at least ${min} characters`);
  if (trimmed.length > max)
    throw invalidField(field, `is ${trimmed.length} characters long; the limit is ${max}`);
  return trimmed;
}

// Pragmatic address check (local@domain.tld); full RFC 5322 is not what users mean by "an email".
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function email(field: string, value: unknown): string {
  const s = text(field, value, { min: 1, max: 320 });
  if (!emailPattern.test(s))
    throw invalidField(field, `'${s}' is not an email address (expected name@example.com)`);
  return s.toLowerCase();
}

export function nonNegativeInt(field: string, value: unknown, max = 1_000_000): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    throw invalidField(field, `'${String(value)}' must be a whole number between 0 and ${max}`);
  }
  return n;
}

const isoInstant =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Accepts ISO-8601 text (what users and the API send) or epoch milliseconds; returns epoch ms UTC.
 * A date alone is midnight UTC; a time needs its zone, so the same text means the same instant
 * everywhere. Impossible dates (February 30th) are refused rather than rolled over.
 */
export function instant(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  const m = typeof value === 'string' ? isoInstant.exec(value.trim()) : null;
  if (m) {
    const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
      (v) =>
        // Absent parts stay undefined so the defaults (midnight, :00) apply.
        v === undefined ? undefined : Number(v),
    );
    const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
    const valid =
      (month ?? 0) >= 1 &&
      (month ?? 0) <= 12 &&
      (day ?? 0) >= 1 &&
      (day ?? 0) <= daysInMonth &&
      hour < 24 &&
      minute < 60 &&
      second < 60;
    const ms = Date.parse(String(value).trim());
    if (valid && !Number.isNaN(ms)) return ms;
  }
  throw invalidField(
    field,
    `'${String(value)}' is not a date-time; use ISO-8601 with a zone, such as 2026-01-31T22:00:00Z (or a date alone, read as midnight UTC)`,
  );
}

export function slug(field: string, value: unknown): string {
  const s = text(field, value, { min: 1, max: 63 });
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(s)) {
    throw invalidField(
      field,
      `'${s}' must be lowercase letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  return s;
}

export function nullable<T>(value: unknown, parse: (v: unknown) => T): T | null {
  return value === null ? null : parse(value);
}

export function requireFields(input: Record<string, unknown>, fields: readonly string[]): void {
  const missing = fields.filter((f) => input[f] === undefined || input[f] === null || input[f] === '');
  if (missing.length > 0) {
    throw new AppError(
      'invalid_input',
      `missing required field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      {
        field: missing[0],
        missing,
      },
    );
  }
}

export function rejectUnknown(input: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new AppError(
      'invalid_input',
      `unknown field ${unknown.join(', ')}; known fields: ${known.join(', ')}`,
      {
        field: unknown[0],
        validValues: known,
      },
    );
  }
}
