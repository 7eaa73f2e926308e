import { DateTime } from 'luxon';
import rrule from 'rrule';

/**
 * Freeze (blackout) and maintenance windows: one-off spans or recurring rules (RFC 5545 RRULE) read
 * on a local clock in an IANA time zone, scoped to environments and components. Freezes block
 * deployments and scheduling; maintenance windows only inform. Input validation: window-input.ts.
 */

const { RRule } = rrule;
type Rule = InstanceType<typeof RRule>;

export const windowKinds = ['freeze', 'maintenance'] as const;
export type WindowKind = (typeof windowKinds)[number];

export interface OneOffSchedule {
  type: 'once';
  start: number;
  end: number;
}

export interface RecurringSchedule {
  type: 'recurring';
  /** The rule's parts without the `RRULE:` prefix, e.g. `FREQ=MONTHLY;BYMONTHDAY=-1`. */
  rrule: string;
  /** Local start time of each occurrence, `HH:MM`. */
  startTime: string;
  /** Minutes on the local clock: 18:00 plus 720 ends at 06:00 local, whatever DST does overnight. */
  duration: number;
  timeZone: string;
  /** The local date the series starts on (its DTSTART), `YYYY-MM-DD`. */
  from: string;
  /** No occurrence starts after this instant. */
  until: number | null;
}

export type WindowSchedule = OneOffSchedule | RecurringSchedule;

export interface WindowDefinition {
  name: string;
  kind: WindowKind;
  schedule: WindowSchedule;
  /** Environment names; empty = every environment. */
  environments: string[];
  /** Component (inventory entry) names; empty = every component. */
  components: string[];
  reason: string;
}

export interface ChangeWindow extends WindowDefinition {
  id: string;
  createdBy: string;
  createdAt: number;
}

export interface Occurrence {
  start: number;
  end: number;
}

export interface WindowHit {
  window: ChangeWindow;
  occurrence: Occurrence;
}

/** What a change touches. `null` means not known, so every window scoped to some environment or component applies. */
export interface WindowScope {
  environment: string | null;
  components: readonly string[] | null;
}

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

// Recurrence runs on the window's local clock, written as if that clock were UTC (a "floating" time,
// RFC 5545 §3.3.5): rrule then never sees a DST change, and luxon turns each local reading into an
// instant in the zone, so 18:00 stays 18:00 local on both sides of a change.

function wallClock(at: number, timeZone: string): number {
  const d = DateTime.fromMillis(at, { zone: timeZone });
  return Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second, d.millisecond);
}

function fromWallClock(wall: number, timeZone: string): number {
  const d = new Date(wall);
  return DateTime.fromObject(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
    },
    { zone: timeZone },
  ).toMillis();
}

const rules = new WeakMap<RecurringSchedule, Rule>();

function ruleOf(s: RecurringSchedule): Rule {
  let rule = rules.get(s);
  if (!rule) {
    const [year, month, day] = s.from.split('-').map(Number) as [number, number, number];
    const [hour, minute] = s.startTime.split(':').map(Number) as [number, number];
    rule = new RRule({
      ...RRule.parseString(s.rrule),
      dtstart: new Date(Date.UTC(year, month - 1, day, hour, minute)),
      until: s.until === null ? null : new Date(wallClock(s.until, s.timeZone)),
    });
    rules.set(s, rule);
  }
  return rule;
}

function occurrenceAt(wallStart: Date, s: RecurringSchedule): Occurrence {
  return {
    start: fromWallClock(wallStart.getTime(), s.timeZone),
    end: fromWallClock(wallStart.getTime() + s.duration * minuteMs, s.timeZone),
  };
}

/** Whether an occurrence meets [from, to); from === to asks about that one instant. */
function meets(o: Occurrence, from: number, to: number): boolean {
  return to > from ? o.start < to && from < o.end : o.start <= from && from < o.end;
}

// More than any occurrence list a person reads or a check needs; bounds a daily rule over centuries.
const maxOccurrences = 10_000;

/** Occurrences of the window that overlap [from, to) (or cover the instant, when from === to), in order. */
export function occurrencesBetween(window: Pick<WindowDefinition, 'schedule'>, from: number, to: number) {
  const s = window.schedule;
  if (s.type === 'once') return meets(s, from, to) ? [{ start: s.start, end: s.end }] : [];
  // A day of slack each side covers any difference between UTC offsets.
  const after = new Date(wallClock(from, s.timeZone) - s.duration * minuteMs - dayMs);
  const before = new Date(wallClock(Math.max(from, to), s.timeZone) + dayMs);
  return ruleOf(s)
    .between(after, before, true, (_, i) => i < maxOccurrences)
    .map((d) => occurrenceAt(d, s))
    .filter((o) => meets(o, from, to));
}

/** The next `count` occurrences that have not ended at `after` (one in progress comes first). */
export function nextOccurrences(schedule: WindowSchedule, after: number, count: number): Occurrence[] {
  if (schedule.type === 'once')
    return schedule.end > after ? [{ start: schedule.start, end: schedule.end }] : [];
  const rule = ruleOf(schedule);
  const found: Occurrence[] = [];
  const from =
    after === Number.MIN_SAFE_INTEGER
      ? (rule.options.dtstart as Date)
      : new Date(wallClock(after, schedule.timeZone) - schedule.duration * minuteMs - dayMs);
  let d: Date | null = rule.after(from, true);
  while (d && found.length < count) {
    const o = occurrenceAt(d, schedule);
    if (o.end > after) found.push(o);
    d = rule.after(d, false);
  }
  return found;
}

/** Whether the window covers a change of this scope: its environments and components, empty meaning all. */
export function windowApplies(
  window: Pick<WindowDefinition, 'environments' | 'components'>,
  scope: WindowScope,
) {
  const environment =
    window.environments.length === 0 ||
    scope.environment === null ||
    window.environments.includes(scope.environment);
  const components =
    window.components.length === 0 ||
    scope.components === null ||
    scope.components.some((c) => window.components.includes(c));
  return environment && components;
}

/** The windows in force at an instant for a scope, each with the occurrence that covers it. */
export function activeWindowAt(
  windows: readonly ChangeWindow[],
  at: number,
  scope: WindowScope,
): WindowHit[] {
  return windowsOverlapping(windows, at, at, scope);
}

/** The windows with an occurrence overlapping [start, end) for a scope (a CR's planned window), each with its first such occurrence. */
export function windowsOverlapping(
  windows: readonly ChangeWindow[],
  start: number,
  end: number,
  scope: WindowScope,
): WindowHit[] {
  return windows.flatMap((window) => {
    if (!windowApplies(window, scope)) return [];
    const [occurrence] = occurrencesBetween(window, start, end);
    return occurrence ? [{ window, occurrence }] : [];
  });
}

/** An occurrence as people read it: UTC for one-off windows, the local clock for recurring ones. */
export function describeOccurrence(window: Pick<WindowDefinition, 'schedule'>, o: Occurrence): string {
  const s = window.schedule;
  if (s.type === 'once') return `${new Date(o.start).toISOString()} – ${new Date(o.end).toISOString()}`;
  const local = (at: number) => DateTime.fromMillis(at, { zone: s.timeZone }).toFormat('yyyy-MM-dd HH:mm');
  return `${local(o.start)} – ${local(o.end)} ${s.timeZone}`;
}

/** "freeze 'year-end' (2026-12-20T00:00:00.000Z – 2027-01-04T00:00:00.000Z): year-end trading" */
export function describeHit(hit: WindowHit): string {
  return `${hit.window.kind} '${hit.window.name}' (${describeOccurrence(hit.window, hit.occurrence)}): ${hit.window.reason}`;
}

/** Permission for one change to go ahead during a freeze, granted by a change manager with a reason. */
export interface WindowOverride {
  id: string;
  windowId: string;
  windowName: string;
  changeRequestId: string;
  changeRequestNumber: string;
  reason: string;
  grantedBy: string;
  grantedAt: number;
}
