import { componentNames } from './component.js';
import { AppError, notFound } from './errors.js';
import { memberName } from './group.js';
import { instant, oneOf, rejectUnknown, requireFields, slug, text } from './validate.js';

/**
 * Incidents (docs/incidents.md): what went wrong, where (components, environment), how bad, when it
 * started, was detected and resolved, whether it is major and who commands it. A major open incident
 * feeds the major-incident block (incident-block.ts).
 */

export const incidentSeverities = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];

export const incidentStatuses = ['open', 'resolved'] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

/** Where an incident came from: the CLI (local mode), the API (a bearer credential), or the inbound webhook. */
export const incidentSources = ['cli', 'api', 'webhook'] as const;
export type IncidentSource = (typeof incidentSources)[number];

export interface IncidentFields {
  title: string;
  severity: IncidentSeverity | null;
  /** Component names; empty = tenant-wide (every component). */
  components: string[];
  /** null = every environment. */
  environment: string | null;
  major: boolean;
  /** The incident commander: the only person who may authorize a change during a major incident. */
  commander: string | null;
  startedAt: number;
  /** When it was noticed; null: at startedAt. Never before startedAt. */
  detectedAt: number | null;
}

export interface Incident extends IncidentFields {
  id: string;
  number: string;
  status: IncidentStatus;
  source: IncidentSource | null;
  /** The sender's id of a webhook incident, unique per tenant: a resend updates the same incident. */
  externalId: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** A commander's permission for one change request to go ahead while the incident is open. */
export interface IncidentAuthorization {
  id: string;
  incidentId: string;
  incidentNumber: string;
  changeRequestId: string;
  changeRequestNumber: string;
  authorizedBy: string;
  reason: string;
  createdAt: number;
}

/** Human numbers are per tenant: INC0000007. */
export function formatIncidentNumber(n: number): string {
  return `INC${String(n).padStart(7, '0')}`;
}

/** How a user names an incident: its number (INC0000007) or its id; anything else is simply not found. */
export function incidentRef(ref: string): { by: 'number' | 'id'; value: string } {
  if (/^INC\d{7,}$/.test(ref)) return { by: 'number', value: ref };
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(ref))
    throw notFound('incident', JSON.stringify(ref).slice(1, -1).slice(0, 80));
  return { by: 'id', value: ref };
}

export const incidentCreateFields = [
  'title',
  'severity',
  'components',
  'environment',
  'major',
  'commander',
  'startedAt',
  'detectedAt',
] as const;

/** What `incident update` may change; status changes through resolve, links through link/unlink. */
export const incidentUpdateFields = [
  'title',
  'severity',
  'components',
  'environment',
  'major',
  'commander',
  'detectedAt',
] as const;

const absent = (v: unknown) => v === undefined || v === null || v === '';

function flag(field: string, value: unknown): boolean {
  if (absent(value)) return false;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new AppError('invalid_input', `${field}: '${String(value)}' must be true or false`, { field });
}

/** Validates an incident as the API and CLI send it; `now` is when it started unless startedAt says otherwise. */
export function validateIncidentCreate(input: Record<string, unknown>, now: number): IncidentFields {
  rejectUnknown(input, incidentCreateFields);
  requireFields(input, ['title']);
  const major = flag('major', input.major);
  const commander = absent(input.commander) ? null : memberName('commander', input.commander);
  if (major && commander === null) {
    throw new AppError(
      'invalid_input',
      'commander: a major incident needs a commander (--commander NAME): only the commander may let high-risk changes through while it is open',
      { field: 'commander' },
    );
  }
  const givenStart = absent(input.startedAt) ? now : pastInstant('startedAt', input.startedAt, now);
  const givenDetection = absent(input.detectedAt) ? null : pastInstant('detectedAt', input.detectedAt, now);
  assertDetectedAfterStart(givenDetection, givenStart);
  // Checked as given, then clamped: the order of the two stays, and no time lies ahead of the server's.
  const startedAt = Math.min(givenStart, now);
  const detectedAt = givenDetection === null ? null : Math.min(givenDetection, now);
  return {
    title: text('title', input.title, { min: 1, max: 500 }),
    severity: absent(input.severity) ? null : oneOf('severity', input.severity, incidentSeverities),
    components: absent(input.components) ? [] : componentNames('components', input.components),
    environment: absent(input.environment) ? null : slug('environment', input.environment),
    major,
    commander,
    startedAt,
    detectedAt,
  };
}

/**
 * How far ahead of the server clock a start or detection time may be: a sender whose clock runs a
 * little fast (an alerting tool, a laptop) is not refused over seconds (docs/incidents.md#times).
 */
export const incidentClockSkewMs = 5 * 60 * 1000;

/** A time that is not in the future, give or take the clock skew tolerated; returned as given. */
function pastInstant(field: string, value: unknown, now: number): number {
  const at = instant(field, value);
  if (at > now + incidentClockSkewMs) {
    throw new AppError(
      'invalid_input',
      `${field}: ${new Date(at).toISOString()} is in the future (more than ${incidentClockSkewMs / 60_000} minutes ahead of the server clock, ${new Date(now).toISOString()}); give when it ${field === 'startedAt' ? 'began' : 'was noticed'}`,
      { field },
    );
  }
  return at;
}

function assertDetectedAfterStart(detectedAt: number | null, startedAt: number): void {
  if (detectedAt !== null && detectedAt < startedAt) {
    throw new AppError(
      'invalid_input',
      `detectedAt: ${new Date(detectedAt).toISOString()} is before the incident started (${new Date(startedAt).toISOString()}); an incident is noticed after it begins`,
      { field: 'detectedAt' },
    );
  }
}

/**
 * Validates `incident update`: only the fields given change, and the result must still be a valid
 * incident (a major one keeps a commander). Returns the changed fields only; empty input is an error.
 */
export function validateIncidentUpdate(
  input: Record<string, unknown>,
  current: IncidentFields,
  now: number,
): Partial<IncidentFields> {
  rejectUnknown(input, incidentUpdateFields);
  const given = incidentUpdateFields.filter((f) => input[f] !== undefined);
  if (given.length === 0) {
    throw new AppError(
      'invalid_input',
      `nothing to update; give at least one of: ${incidentUpdateFields.join(', ')}`,
      { field: 'input', validValues: incidentUpdateFields },
    );
  }
  const merged: Record<string, unknown> = {
    title: current.title,
    severity: current.severity,
    components: current.components,
    environment: current.environment,
    major: current.major,
    commander: current.commander,
    startedAt: current.startedAt,
    detectedAt: current.detectedAt,
  };
  for (const f of given) merged[f] = input[f];
  const next = validateIncidentCreate(merged, Math.max(now, current.startedAt));
  const changed: Partial<IncidentFields> = {};
  for (const f of given) {
    if (JSON.stringify(next[f]) !== JSON.stringify(current[f])) Object.assign(changed, { [f]: next[f] });
  }
  return changed;
}

/** "payments, ledger in prod", "every component in every environment". */
export function describeIncidentScope(i: Pick<IncidentFields, 'components' | 'environment'>): string {
  const where = i.components.length > 0 ? i.components.join(', ') : 'every component';
  return `${where} in ${i.environment ?? 'every environment'}`;
}
