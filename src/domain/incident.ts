import { componentNames } from './component.js';
import { AppError, notFound } from './errors.js';
import { memberName } from './group.js';
import { instant, oneOf, rejectUnknown, requireFields, slug, text } from './validate.js';

/**
 * Minimal incidents (docs/incidents.md): what the major-incident block reads — the components and
 * environment it is on, whether it is major, open or resolved, and who commands it. The incident
 * issue extends them; everything here stays valid then.
 */

export const incidentSeverities = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];

export const incidentStatuses = ['open', 'resolved'] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];

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
}

export interface Incident extends IncidentFields {
  id: string;
  number: string;
  status: IncidentStatus;
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
  const startedAt = absent(input.startedAt) ? now : instant('startedAt', input.startedAt);
  if (startedAt > now) {
    throw new AppError(
      'invalid_input',
      `startedAt: ${new Date(startedAt).toISOString()} is in the future; give when the incident began`,
      { field: 'startedAt' },
    );
  }
  return {
    title: text('title', input.title, { min: 1, max: 500 }),
    severity: absent(input.severity) ? null : oneOf('severity', input.severity, incidentSeverities),
    components: absent(input.components) ? [] : componentNames('components', input.components),
    environment: absent(input.environment) ? null : slug('environment', input.environment),
    major,
    commander,
    startedAt,
  };
}

/** "payments, ledger in prod", "every component in every environment". */
export function describeIncidentScope(i: Pick<IncidentFields, 'components' | 'environment'>): string {
  const where = i.components.length > 0 ? i.components.join(', ') : 'every component';
  return `${where} in ${i.environment ?? 'every environment'}`;
}
