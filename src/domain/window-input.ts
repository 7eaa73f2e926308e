import { DateTime, IANAZone } from 'luxon';
import rrule from 'rrule';
import { AppError, invalidField } from './errors.js';
import { instant, oneOf, rejectUnknown, requireFields, slug, text } from './validate.js';
import {
  nextOccurrences,
  type OneOffSchedule,
  type RecurringSchedule,
  type WindowDefinition,
  windowKinds,
} from './windows.js';

/** Validation of a window as the API and CLI send it; every error names the field. */

const { RRule } = rrule;

export const windowFields = [
  'name',
  'kind',
  'start',
  'end',
  'rrule',
  'startTime',
  'duration',
  'timeZone',
  'from',
  'until',
  'environments',
  'components',
  'reason',
] as const;

const oneOffFields = ['start', 'end'] as const;
const recurringFields = ['rrule', 'startTime', 'duration', 'timeZone', 'from', 'until'] as const;
const maxDuration = 366 * 24 * 60;
const componentPattern = /^[A-Za-z0-9][A-Za-z0-9._/@-]*$/;

const given = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Validates a window as the API and CLI send it; `createdAt` supplies a recurring series' default start date. */
export function validateWindow(input: Record<string, unknown>, createdAt: number): WindowDefinition {
  rejectUnknown(input, windowFields);
  requireFields(input, ['name', 'kind', 'reason']);
  const name = slug('name', input.name);
  const kind = oneOf('kind', input.kind, windowKinds);
  const oneOff = oneOffFields.filter((f) => given(input[f]));
  const recurring = recurringFields.filter((f) => given(input[f]));
  if (oneOff.length > 0 && recurring.length > 0) {
    throw new AppError(
      'invalid_input',
      `${recurring[0]}: a window is either one-off (start and end) or recurring (rrule, startTime, duration, timeZone); it cannot have both ${oneOff[0]} and ${recurring[0]}`,
      { field: recurring[0] },
    );
  }
  if (oneOff.length === 0 && recurring.length === 0) {
    throw new AppError(
      'invalid_input',
      'missing schedule: give start and end (a one-off window), or rrule, startTime, duration and timeZone (a recurring one)',
      { field: 'start', missing: ['start', 'end'] },
    );
  }
  const schedule = oneOff.length > 0 ? validateOneOff(input) : validateRecurring(input, createdAt);
  return {
    name,
    kind,
    schedule,
    environments: names('environments', input.environments, (f, v) => slug(f, v)),
    components: names('components', input.components, component),
    reason: text('reason', input.reason, { min: 1, max: 2000 }),
  };
}

function validateOneOff(input: Record<string, unknown>): OneOffSchedule {
  requireFields(input, ['start', 'end']);
  const start = instant('start', input.start);
  const end = instant('end', input.end);
  if (end <= start)
    throw invalidField(
      'end',
      `${new Date(end).toISOString()} must be after start ${new Date(start).toISOString()}`,
    );
  return { type: 'once', start, end };
}

function validateRecurring(input: Record<string, unknown>, createdAt: number): RecurringSchedule {
  requireFields(input, ['rrule', 'startTime', 'duration', 'timeZone']);
  const timeZone = zone(input.timeZone);
  const startTime = text('startTime', input.startTime, { min: 1, max: 5 });
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(startTime))
    throw invalidField('startTime', `'${startTime}' is not a time of day; use HH:MM, such as 18:00`);
  const duration = minutes(input.duration);
  const from = given(input.from)
    ? localDate('from', input.from, timeZone)
    : (DateTime.fromMillis(createdAt, { zone: timeZone }).toISODate() as string);
  const until = given(input.until) ? instant('until', input.until) : null;
  const schedule: RecurringSchedule = {
    type: 'recurring',
    rrule: ruleText(input.rrule, until !== null),
    startTime,
    duration,
    timeZone,
    from,
    until,
  };
  const [first] = nextOccurrences(schedule, Number.MIN_SAFE_INTEGER, 1);
  if (!first) {
    throw until !== null
      ? invalidField('until', `no occurrence of '${schedule.rrule}' from ${from} starts before until`)
      : invalidField('rrule', `'${schedule.rrule}' never occurs from ${from} on`);
  }
  return schedule;
}

function zone(value: unknown): string {
  const name = text('timeZone', value, { min: 1, max: 64 });
  // Fixed offsets are not time zones: they know nothing of daylight saving time.
  if (/^[+-]/.test(name) || !IANAZone.isValidZone(name)) {
    throw invalidField(
      'timeZone',
      `'${name}' is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC`,
    );
  }
  // The canonical spelling (europe/berlin → Europe/Berlin), as Intl knows it.
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

function minutes(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > maxDuration) {
    throw invalidField(
      'duration',
      `'${String(value)}' must be a whole number of minutes from 1 to ${maxDuration} (366 days)`,
    );
  }
  return n;
}

function localDate(field: string, value: unknown, timeZone: string): string {
  const s = text(field, value, { min: 1, max: 10 });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || !DateTime.fromISO(s, { zone: timeZone }).isValid)
    throw invalidField(field, `'${s}' is not a date; use YYYY-MM-DD (a day in the window's time zone)`);
  return s;
}

function component(field: string, value: unknown): string {
  const name = text(field, value, { min: 1, max: 200 });
  if (!componentPattern.test(name))
    throw invalidField(
      field,
      `'${name}' is not a component name: letters, digits, '.', '_', '-', '/' and '@', starting with a letter or digit`,
    );
  return name;
}

function names(field: string, value: unknown, parse: (field: string, v: unknown) => string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField(field, 'must be a list of names');
  return [...new Set(value.map((v, i) => parse(`${field}[${i}]`, v)))].sort();
}

const frequencies = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY'];
const integerParts = ['count', 'interval', 'bysetpos', 'bymonth', 'bymonthday', 'byyearday', 'byweekno'];
const ranges: Record<string, [number, number]> = {
  count: [1, 100_000],
  interval: [1, 1000],
  bysetpos: [-366, 366],
  bymonth: [1, 12],
  bymonthday: [-31, 31],
  byyearday: [-366, 366],
  byweekno: [-53, 53],
};

/**
 * The RRULE text, checked: rrule parses leniently (`FREQ=FOO` or `COUNT=abc` pass its parser), so
 * what the windows rely on is checked here, and the library's own message is kept where it has one.
 */
function ruleText(value: unknown, hasUntil: boolean): string {
  const raw = text('rrule', value, { min: 1, max: 500 })
    .replace(/^RRULE:/i, '')
    .trim();
  const bad = (why: string) => invalidField('rrule', `'${raw}' is not a usable RRULE: ${why}`);
  const parts = raw.split(';').map((p) => p.split('=')[0]?.trim().toUpperCase());
  if (parts.includes('DTSTART')) throw bad('give the first day as from (YYYY-MM-DD), not DTSTART');
  if (parts.includes('UNTIL')) throw bad('give the end as until (an ISO-8601 instant), not UNTIL');
  if (parts.includes('TZID')) throw bad('give the time zone as timeZone, not TZID');
  for (const p of ['BYHOUR', 'BYMINUTE', 'BYSECOND'])
    if (parts.includes(p)) throw bad(`set the time of day with startTime, not ${p}`);
  if (parts.includes('COUNT') && hasUntil) throw bad('COUNT and until cannot be used together');
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(raw);
  } catch (error) {
    throw bad((error as Error).message);
  }
  if (options.freq === undefined || !frequencies.includes(RRule.FREQUENCIES[options.freq] as string))
    throw bad(`FREQ must be one of ${frequencies.join(', ')}`);
  if (
    options.byweekday !== undefined &&
    [options.byweekday].flat().some((d) => d === null || d === undefined)
  )
    throw bad('BYDAY takes MO, TU, WE, TH, FR, SA, SU, optionally with a position such as -1FR');
  for (const key of integerParts) {
    const values = [(options as Record<string, unknown>)[key]].flat().filter((v) => v !== undefined);
    const [min, max] = ranges[key] as [number, number];
    for (const v of values)
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max || v === 0)
        throw bad(`${key.toUpperCase()}=${String(v)} must be a whole number from ${min} to ${max}, not 0`);
  }
  try {
    new RRule({ ...options, dtstart: new Date(0) });
  } catch (error) {
    throw bad((error as Error).message);
  }
  return raw;
}
