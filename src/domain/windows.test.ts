import { describe, expect, it } from 'vitest';
import { validateWindow } from './window-input.js';
import {
  activeWindowAt,
  type ChangeWindow,
  describeHit,
  nextOccurrences,
  occurrencesBetween,
  windowApplies,
  windowsOverlapping,
} from './windows.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const created = at('2026-01-05T09:00:00Z');

function window(input: Record<string, unknown>): ChangeWindow {
  return {
    id: `id-${String(input.name)}`,
    createdBy: 'alice@example.com',
    createdAt: created,
    ...validateWindow({ kind: 'freeze', reason: 'testing', ...input }, created),
  };
}

const spans = (list: { start: number; end: number }[]) => list.map((o) => [iso(o.start), iso(o.end)]);

/** Every Friday 18:00 to Monday 06:00 in Berlin: 60 hours on the local clock. */
const weekend = window({
  name: 'weekend',
  rrule: 'FREQ=WEEKLY;BYDAY=FR',
  startTime: '18:00',
  duration: 60 * 60,
  timeZone: 'Europe/Berlin',
  from: '2026-01-01',
});

describe('recurring windows across daylight saving time', () => {
  it('keep 18:00 Berlin time when summer time starts (last Sunday of March): the UTC start moves an hour earlier', () => {
    const list = occurrencesBetween(weekend, at('2026-03-16T12:00:00Z'), at('2026-04-06T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-03-20T17:00:00.000Z', '2026-03-23T05:00:00.000Z'],
      // Friday 18:00 CET to Monday 06:00 CEST: 59 hours, as the clocks went forward on Sunday.
      ['2026-03-27T17:00:00.000Z', '2026-03-30T04:00:00.000Z'],
      ['2026-04-03T16:00:00.000Z', '2026-04-06T04:00:00.000Z'],
    ]);
  });

  it('keep 18:00 Berlin time when summer time ends (last Sunday of October): the UTC start moves an hour later', () => {
    const list = occurrencesBetween(weekend, at('2026-10-19T12:00:00Z'), at('2026-11-02T00:00:00Z'));
    expect(spans(list)).toEqual([
      ['2026-10-23T16:00:00.000Z', '2026-10-26T05:00:00.000Z'],
      ['2026-10-30T17:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    ]);
  });

  it('cover Monday until 06:00 local and not a minute after, on the weekend the clocks change', () => {
    const scope = { environment: 'prod', components: ['svc-api'] };
    expect(activeWindowAt([weekend], at('2026-03-30T03:59:00Z'), scope)).toHaveLength(1);
    expect(activeWindowAt([weekend], at('2026-03-30T04:00:00Z'), scope)).toEqual([]);
    expect(activeWindowAt([weekend], at('2026-10-26T04:59:00Z'), scope)).toHaveLength(1);
    expect(activeWindowAt([weekend], at('2026-10-26T05:00:00Z'), scope)).toEqual([]);
    const [hit] = activeWindowAt([weekend], at('2026-03-28T12:00:00Z'), scope);
    expect(hit && describeHit(hit)).toBe(
      "freeze 'weekend' (2026-03-27 18:00 – 2026-03-30 06:00 Europe/Berlin): testing",
    );
  });

  it('in New York, where the clocks change on other Sundays, follow that zone', () => {
    const nightly = window({
      name: 'nightly',
      rrule: 'FREQ=DAILY',
      startTime: '23:00',
      duration: 120,
      timeZone: 'America/New_York',
      from: '2026-03-06',
    });
    const list = occurrencesBetween(nightly, at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z'));
    expect(list.map((o) => iso(o.start))).toEqual([
      '2026-03-07T04:00:00.000Z',
      '2026-03-08T04:00:00.000Z',
      // 8 March 2026: EDT from 02:00, so 23:00 local is 03:00 UTC.
      '2026-03-09T03:00:00.000Z',
    ]);
  });
});

describe('recurrence rules', () => {
  it('runs a month-end rule on the last day of each month, whatever its length', () => {
    const monthEnd = window({
      name: 'month-end',
      rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1',
      startTime: '22:00',
      duration: 120,
      timeZone: 'Europe/Berlin',
      from: '2026-01-01',
    });
    const list = occurrencesBetween(monthEnd, at('2026-01-01T00:00:00Z'), at('2026-05-01T00:00:00Z'));
    expect(list.map((o) => iso(o.start))).toEqual([
      '2026-01-31T21:00:00.000Z',
      '2026-02-28T21:00:00.000Z',
      '2026-03-31T20:00:00.000Z',
      '2026-04-30T20:00:00.000Z',
    ]);
  });

  it('finds the last business day of the month with BYSETPOS', () => {
    const closing = window({
      name: 'closing',
      rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      startTime: '18:00',
      duration: 300,
      timeZone: 'Europe/Berlin',
      from: '2026-01-01',
    });
    expect(nextOccurrences(closing.schedule, at('2026-01-01T00:00:00Z'), 5).map((o) => iso(o.start))).toEqual(
      [
        '2026-01-30T17:00:00.000Z',
        '2026-02-27T17:00:00.000Z',
        '2026-03-31T16:00:00.000Z',
        '2026-04-30T16:00:00.000Z',
        // 31 May 2026 is a Sunday.
        '2026-05-29T16:00:00.000Z',
      ],
    );
  });

  it('starts no occurrence after until, but lets the last one run to its end', () => {
    const limited = window({
      name: 'limited',
      rrule: 'FREQ=WEEKLY;BYDAY=FR',
      startTime: '18:00',
      duration: 60 * 60,
      timeZone: 'Europe/Berlin',
      from: '2026-03-01',
      until: '2026-03-20T17:00:00Z',
    });
    const list = occurrencesBetween(limited, at('2026-03-01T00:00:00Z'), at('2026-04-30T00:00:00Z'));
    expect(list.map((o) => iso(o.start))).toEqual([
      '2026-03-06T17:00:00.000Z',
      '2026-03-13T17:00:00.000Z',
      '2026-03-20T17:00:00.000Z',
    ]);
    expect(
      activeWindowAt([limited], at('2026-03-22T12:00:00Z'), { environment: null, components: null }),
    ).toHaveLength(1);
    expect(nextOccurrences(limited.schedule, at('2026-03-24T00:00:00Z'), 3)).toEqual([]);
  });

  it('counts COUNT from the first day', () => {
    const twice = window({
      name: 'twice',
      rrule: 'RRULE:FREQ=DAILY;COUNT=2',
      startTime: '09:00',
      duration: 60,
      timeZone: 'UTC',
      from: '2026-02-01',
    });
    expect(twice.schedule).toMatchObject({ rrule: 'FREQ=DAILY;COUNT=2' });
    expect(nextOccurrences(twice.schedule, 0, 5).map((o) => iso(o.start))).toEqual([
      '2026-02-01T09:00:00.000Z',
      '2026-02-02T09:00:00.000Z',
    ]);
  });

  it('starts a series on the day it is created, in its own time zone, unless told otherwise', () => {
    const late = validateWindow(
      {
        name: 'x',
        kind: 'maintenance',
        reason: 'r',
        rrule: 'FREQ=DAILY',
        startTime: '01:00',
        duration: 30,
        timeZone: 'europe/berlin',
      },
      at('2026-03-27T23:30:00Z'),
    );
    expect(late.schedule).toMatchObject({ from: '2026-03-28', timeZone: 'Europe/Berlin' });
  });
});

describe('one-off windows and scope', () => {
  const yearEnd = window({
    name: 'year-end',
    start: '2026-12-20T00:00:00Z',
    end: '2027-01-04T00:00:00Z',
    environments: ['prod'],
  });
  const apiOnly = window({
    name: 'api-only',
    start: '2026-12-20T00:00:00Z',
    end: '2027-01-04T00:00:00Z',
    components: ['svc-api'],
  });
  const everywhere = window({
    name: 'everywhere',
    start: '2026-12-24T00:00:00Z',
    end: '2026-12-27T00:00:00Z',
  });
  const all = [yearEnd, apiOnly, everywhere];
  const names = (hits: { window: ChangeWindow }[]) => hits.map((h) => h.window.name);

  it('covers its start but not its end', () => {
    const scope = { environment: 'prod', components: ['svc-api'] };
    expect(names(activeWindowAt(all, at('2026-12-20T00:00:00Z'), scope))).toEqual(['year-end', 'api-only']);
    expect(names(activeWindowAt(all, at('2027-01-04T00:00:00Z'), scope))).toEqual([]);
  });

  it('applies to the environments and components it names, and tenant-wide when it names none', () => {
    const christmas = at('2026-12-25T12:00:00Z');
    expect(
      names(activeWindowAt(all, christmas, { environment: 'staging', components: ['svc-worker'] })),
    ).toEqual(['everywhere']);
    expect(
      names(activeWindowAt(all, christmas, { environment: 'staging', components: ['svc-api', 'db'] })),
    ).toEqual(['api-only', 'everywhere']);
    expect(
      names(activeWindowAt(all, christmas, { environment: 'prod', components: ['svc-worker'] })),
    ).toEqual(['year-end', 'everywhere']);
    // A change that does not say what it touches is touched by every scoped window.
    expect(names(activeWindowAt(all, christmas, { environment: 'staging', components: null }))).toEqual([
      'api-only',
      'everywhere',
    ]);
    expect(windowApplies(yearEnd, { environment: null, components: null })).toBe(true);
  });

  it('finds the windows a planned window overlaps, and none for a plan that ends as a freeze starts', () => {
    const scope = { environment: 'prod', components: null };
    const overlapping = windowsOverlapping(
      all,
      at('2026-12-19T22:00:00Z'),
      at('2026-12-20T01:00:00Z'),
      scope,
    );
    expect(overlapping.map((h) => [h.window.name, iso(h.occurrence.start)])).toEqual([
      ['year-end', '2026-12-20T00:00:00.000Z'],
      ['api-only', '2026-12-20T00:00:00.000Z'],
    ]);
    expect(windowsOverlapping(all, at('2026-12-19T22:00:00Z'), at('2026-12-20T00:00:00Z'), scope)).toEqual(
      [],
    );
  });

  it('reports the occurrence of a recurring window a plan overlaps', () => {
    const [hit] = windowsOverlapping([weekend], at('2026-03-30T03:00:00Z'), at('2026-03-30T08:00:00Z'), {
      environment: 'prod',
      components: null,
    });
    expect(hit && spans([hit.occurrence])).toEqual([
      ['2026-03-27T17:00:00.000Z', '2026-03-30T04:00:00.000Z'],
    ]);
  });
});

describe('validation', () => {
  const base = { name: 'w', kind: 'freeze', reason: 'r' };
  const recurring = {
    ...base,
    rrule: 'FREQ=WEEKLY;BYDAY=FR',
    startTime: '18:00',
    duration: 60,
    timeZone: 'UTC',
  };
  const check = (input: Record<string, unknown>) => () => validateWindow(input, created);

  it('names the field and keeps the library’s message for a bad RRULE', () => {
    expect(check({ ...recurring, rrule: 'FREQ=WEEKLY;BYDAY=FR;FOO=1' })).toThrow(
      /^rrule: 'FREQ=WEEKLY;BYDAY=FR;FOO=1' is not a usable RRULE: Unknown RRULE property 'FOO'$/,
    );
    expect(check({ ...recurring, rrule: 'FREQ=FOO' })).toThrow(
      /^rrule: .*FREQ must be one of YEARLY, MONTHLY/,
    );
    expect(check({ ...recurring, rrule: 'FREQ=HOURLY' })).toThrow(/^rrule: .*FREQ must be one of/);
    expect(check({ ...recurring, rrule: 'FREQ=WEEKLY;BYDAY=XX' })).toThrow(/^rrule: .*BYDAY takes MO, TU/);
    expect(check({ ...recurring, rrule: 'FREQ=DAILY;COUNT=abc' })).toThrow(
      /^rrule: .*COUNT=abc must be a whole/,
    );
    expect(check({ ...recurring, rrule: 'FREQ=DAILY;BYHOUR=5' })).toThrow(/^rrule: .*startTime, not BYHOUR/);
    expect(check({ ...recurring, rrule: 'FREQ=DAILY;UNTIL=20270101T000000Z' })).toThrow(
      /^rrule: .*not UNTIL/,
    );
    expect(check({ ...recurring, rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' })).toThrow(
      /^rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' never occurs/,
    );
  });

  it('refuses an unknown time zone, a fixed offset and a bad start time', () => {
    expect(check({ ...recurring, timeZone: 'Europe/Berln' })).toThrow(
      /^timeZone: 'Europe\/Berln' is not an IANA time zone/,
    );
    expect(check({ ...recurring, timeZone: '+01:00' })).toThrow(/^timeZone: /);
    expect(check({ ...recurring, startTime: '24:00' })).toThrow(/^startTime: '24:00' is not a time of day/);
    expect(check({ ...recurring, from: '2026-02-30' })).toThrow(/^from: '2026-02-30' is not a date/);
  });

  it('refuses an end before the start, and a duration of zero or less', () => {
    expect(check({ ...base, start: '2026-12-20T00:00:00Z', end: '2026-12-19T00:00:00Z' })).toThrow(
      /^end: 2026-12-19T00:00:00.000Z must be after start 2026-12-20T00:00:00.000Z$/,
    );
    expect(check({ ...base, start: '2026-12-20T00:00:00Z', end: '2026-12-20T00:00:00Z' })).toThrow(/^end: /);
    expect(check({ ...recurring, duration: 0 })).toThrow(/^duration: '0' must be a whole number of minutes/);
    expect(check({ ...recurring, duration: -5 })).toThrow(/^duration: '-5'/);
    expect(check({ ...recurring, duration: '1.5' })).toThrow(/^duration: '1.5'/);
  });

  it('wants exactly one kind of schedule, and no until before the first occurrence', () => {
    expect(check(base)).toThrow(/^missing schedule: give start and end/);
    expect(check({ ...recurring, start: '2026-12-20T00:00:00Z' })).toThrow(
      /cannot have both start and rrule/,
    );
    expect(check({ ...base, start: '2026-12-20T00:00:00Z' })).toThrow(/^missing required field: end$/);
    expect(check({ ...recurring, from: '2026-03-01', until: '2026-02-01T00:00:00Z' })).toThrow(
      /^until: no occurrence/,
    );
    expect(check({ ...recurring, kind: 'blackout' })).toThrow(
      /^kind: 'blackout' is not valid; use one of: freeze, maintenance$/,
    );
    expect(check({ ...recurring, components: ['bad name'] })).toThrow(
      /^components\[0\]: 'bad name' is not a component name/,
    );
    expect(check({ ...recurring, colour: 'red' })).toThrow(/^unknown field colour/);
  });
});
