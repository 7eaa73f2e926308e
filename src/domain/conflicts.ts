import type { ChangeState } from './change-request.js';

/**
 * Conflict detection (docs/windows.md#conflicts): two change requests conflict when they are both
 * live (not closed or canceled), target the same environment (and region, when both name one), share at least one component, and
 * their planned windows [plannedStart, plannedEnd) overlap. Half-open windows: one ending at 23:00
 * and another starting at 23:00 do not overlap. Symmetric by construction.
 */

export interface PlannedChange {
  number: string;
  state: ChangeState;
  environment: string | null;
  /** Null: the whole environment (every region). */
  region?: string | null;
  components: readonly string[];
  plannedStart: number | null;
  plannedEnd: number | null;
}

export interface Span {
  start: number;
  end: number;
}

export interface Conflict {
  number: string;
  environment: string;
  /** Components both change, sorted. */
  components: string[];
  /** The other CR's planned window. */
  window: Span;
  /** Where the two windows overlap. */
  overlap: Span;
  explanation: string;
}

const finished: readonly ChangeState[] = ['closed', 'canceled'];

/** A CR's planned window, when it has a whole one (start and end, end after start). */
export function plannedSpan(c: Pick<PlannedChange, 'plannedStart' | 'plannedEnd'>): Span | null {
  if (c.plannedStart === null || c.plannedEnd === null || c.plannedEnd <= c.plannedStart) return null;
  return { start: c.plannedStart, end: c.plannedEnd };
}

/** Whether two half-open spans share an instant. */
export function spansOverlap(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * Why a CR can conflict with nothing, or null when it can: it is finished, or it lacks an
 * environment, components or a whole planned window.
 */
export function whyNoConflictPossible(c: PlannedChange): string | null {
  if (finished.includes(c.state)) return `${c.number} is ${c.state}; finished changes conflict with nothing`;
  if (c.environment === null) return `${c.number} names no environment, so it conflicts with nothing`;
  if (c.components.length === 0)
    return `${c.number} names no components, so it conflicts with nothing; set them with changegate cr update ${c.number} --component NAME`;
  if (plannedSpan(c) === null)
    return `${c.number} has no planned window (planned start and end), so it conflicts with nothing; set one with changegate cr update ${c.number} --planned-start … --planned-end …`;
  return null;
}

/** The conflict of `other` with `subject`, or null when they do not conflict. */
export function conflictBetween(subject: PlannedChange, other: PlannedChange): Conflict | null {
  if (other.number === subject.number) return null;
  if (whyNoConflictPossible(subject) !== null || whyNoConflictPossible(other) !== null) return null;
  if (other.environment !== subject.environment) return null;
  // Two regions of one environment are deployed separately; a CR naming no region covers them all.
  if (subject.region && other.region && subject.region !== other.region) return null;
  const a = plannedSpan(subject) as Span;
  const b = plannedSpan(other) as Span;
  if (!spansOverlap(a, b)) return null;
  const components = [...new Set(other.components.filter((c) => subject.components.includes(c)))].sort();
  if (components.length === 0) return null;
  const environment = other.environment as string;
  return {
    number: other.number,
    environment,
    components,
    window: b,
    overlap: { start: Math.max(a.start, b.start), end: Math.min(a.end, b.end) },
    explanation: `${other.number} also changes ${components.join(', ')} in ${environment}, ${formatSpan(b)} overlaps ${formatSpan(a)}`,
  };
}

/** The CRs among `others` that conflict with `subject`, in order of their planned start. */
export function findConflicts(subject: PlannedChange, others: readonly PlannedChange[]): Conflict[] {
  return others
    .flatMap((o) => {
      const c = conflictBetween(subject, o);
      return c ? [c] : [];
    })
    .sort((x, y) => x.window.start - y.window.start || x.number.localeCompare(y.number));
}

const pad = (n: number) => String(n).padStart(2, '0');
const day = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const clock = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;

/** "2026-03-01 22:00–23:00 UTC", or with both dates when it crosses midnight. */
export function formatSpan(s: Span): string {
  const start = new Date(s.start);
  const end = new Date(s.end);
  const endText = day(start) === day(end) ? clock(end) : `${day(end)} ${clock(end)}`;
  return `${day(start)} ${clock(start)}–${endText} UTC`;
}
