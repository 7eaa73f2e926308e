import { notFound } from './errors.js';
import { rejectUnknown, requireFields, text } from './validate.js';

/**
 * Problems (docs/incidents.md#problems): the underlying cause of one or more incidents. A problem
 * collects its incidents, the root-cause findings of the post-incident review, and the change
 * request that fixes it.
 *
 * open → known_error (a root cause is recorded) → resolved (by `problem resolve`).
 */

export const problemStatuses = ['open', 'known_error', 'resolved'] as const;
export type ProblemStatus = (typeof problemStatuses)[number];

export interface Problem {
  id: string;
  number: string;
  title: string;
  status: ProblemStatus;
  rootCause: string | null;
  fixChangeRequestId: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
}

/** Human numbers are per tenant: PRB0000007. */
export function formatProblemNumber(n: number): string {
  return `PRB${String(n).padStart(7, '0')}`;
}

/** How a user names a problem: its number (PRB0000007) or its id; anything else is simply not found. */
export function problemRef(ref: string): { by: 'number' | 'id'; value: string } {
  if (/^PRB\d{7,}$/.test(ref)) return { by: 'number', value: ref };
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(ref))
    throw notFound('problem', JSON.stringify(ref).slice(1, -1).slice(0, 80));
  return { by: 'id', value: ref };
}

/** `problem create`: a title, and optionally the incident it starts from. */
export function validateProblemCreate(input: Record<string, unknown>): {
  title: string;
  incident: string | null;
} {
  rejectUnknown(input, ['title', 'incident']);
  requireFields(input, ['title']);
  const incident =
    input.incident === undefined || input.incident === null || input.incident === ''
      ? null
      : text('incident', input.incident, { min: 1, max: 64 });
  return { title: text('title', input.title, { min: 1, max: 500 }), incident };
}

/** The root-cause findings: free text, replacing earlier findings (the audit trail keeps each version). */
export function validateRootCause(input: Record<string, unknown>): string {
  rejectUnknown(input, ['text']);
  requireFields(input, ['text']);
  return text('text', input.text, { min: 1, max: 20_000 });
}

/** Recording a root cause makes an open problem a known error; a resolved problem stays resolved. */
export function statusAfterRootCause(status: ProblemStatus): ProblemStatus {
  return status === 'open' ? 'known_error' : status;
}
