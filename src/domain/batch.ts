import type { ChangeRequest } from './change-request.js';
import { invalidField, notFound } from './errors.js';
import { instant, rejectUnknown, requireFields, slug, text } from './validate.js';

/** A change batch: CRs across systems grouped for one coordinated maintenance window (docs/batches.md). */
export interface ChangeBatch {
  id: string;
  tenantId: string;
  /** Per-tenant human number: BAT0000001. */
  number: string;
  /** A slug, unique in the tenant. */
  name: string;
  title: string;
  description: string | null;
  /** The batch's window; `batch schedule` sets every member's planned window to it. */
  plannedStart: number | null;
  plannedEnd: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** A CR in a batch, with who added it. */
export interface BatchMember {
  changeRequest: ChangeRequest;
  addedBy: string;
  addedAt: number;
  /** The approval step the CR waits on, when an approval chain routes it. */
  activeStep: { name: string; group: string } | null;
}

export function formatBatchNumber(n: number): string {
  return `BAT${String(n).padStart(7, '0')}`;
}

/** How a user names a batch: its number (BAT0000001), its name, or its id. */
export type BatchRef = { by: 'number' | 'name' | 'id'; value: string };

/** Anything that cannot be a number, a name or an id is simply not found, before it reaches a query. */
export function batchRef(ref: string): BatchRef {
  if (/^BAT\d{7,}$/.test(ref)) return { by: 'number', value: ref };
  if (/^[a-z0-9][a-z0-9_-]{0,62}$/.test(ref)) return { by: 'name', value: ref };
  if (/^[0-9A-Z]{26}$/.test(ref)) return { by: 'id', value: ref };
  throw notFound('batch', JSON.stringify(ref).slice(1, -1).slice(0, 80));
}

export interface BatchWindow {
  start: number;
  end: number;
}

export interface BatchCreateFields {
  name: string;
  title: string;
  description: string | null;
  window: BatchWindow | null;
  /** CR references (numbers or ids) to add at once. */
  changes: string[];
}

export const batchCreateFields = ['name', 'title', 'description', 'start', 'end', 'changes'] as const;

/** Validates a new batch; whether the CRs exist and may join is the service's to check. */
export function validateBatchCreate(input: Record<string, unknown>): BatchCreateFields {
  rejectUnknown(input, batchCreateFields);
  requireFields(input, ['name', 'title']);
  const description =
    input.description === undefined || input.description === null || input.description === ''
      ? null
      : text('description', input.description, { max: 4000 });
  return {
    name: slug('name', input.name),
    title: text('title', input.title, { min: 1, max: 200 }),
    description,
    window: optionalWindow(input.start, input.end),
    changes: input.changes === undefined || input.changes === null ? [] : changeRefs(input.changes),
  };
}

/** A window given as start and end together (ISO-8601), end after start; neither means none. */
export function optionalWindow(start: unknown, end: unknown): BatchWindow | null {
  const given = (v: unknown) => v !== undefined && v !== null && v !== '';
  if (!given(start) && !given(end)) return null;
  if (!given(start) || !given(end))
    throw invalidField(
      given(start) ? 'end' : 'start',
      'a batch window needs both start and end (--start and --end, ISO-8601 such as 2026-03-01T22:00:00Z)',
    );
  const window = { start: instant('start', start), end: instant('end', end) };
  if (window.end <= window.start) throw invalidField('end', 'must be after start');
  return window;
}

/** A non-empty list of CR references (numbers or ids). */
export function changeRefs(value: unknown, field = 'changes'): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalidField(field, 'name at least one change request (CHG0000042 or its id)');
  if (value.length > 500)
    throw invalidField(field, `names ${value.length} change requests; at most 500 at a time`);
  return [...new Set(value.map((v, i) => text(`${field}[${i}]`, v, { min: 1, max: 64 })))];
}
