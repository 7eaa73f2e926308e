import { invalidField, notFound } from './errors.js';
import { type InventoryEntry, latestLabel } from './inventory.js';
import { instant, rejectUnknown, requireFields, text } from './validate.js';

/**
 * Unauthorized-change detection (docs/compliance.md): a drift monitor reports what actually runs in an
 * environment; what no implemented, approved change deployed becomes an unauthorized-change record.
 */

export interface Observation {
  environment: string;
  component: string;
  version: string | null;
  /** `sha256:<64 hex>`, lower case. */
  digest: string | null;
  observedAt: number;
  source: string;
}

export const unauthorizedStatuses = ['open', 'acknowledged', 'resolved'] as const;
export type UnauthorizedStatus = (typeof unauthorizedStatuses)[number];

export interface UnauthorizedChange {
  id: string;
  number: string;
  environment: string;
  component: string;
  version: string | null;
  digest: string | null;
  /** When it was first seen; lastObservedAt and timesObserved count the reports of the same drift since. */
  observedAt: number;
  lastObservedAt: number;
  timesObserved: number;
  source: string;
  status: UnauthorizedStatus;
  /** Why nothing matched: what changegate expected there. */
  explanation: string;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  note: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

const observationFields = ['environment', 'component', 'version', 'digest', 'observedAt', 'source'];

const blank = (v: unknown) => v === undefined || v === null || v === '';

/** Validates one observation; `observedAt` defaults to now, `source` to the given default. */
export function validateObservation(
  input: Record<string, unknown>,
  now: number,
  defaultSource: string,
  field = '',
): Observation {
  rejectUnknown(input, observationFields);
  requireFields(input, ['environment', 'component']);
  const name = (f: string) => `${field}${f}`;
  const version = blank(input.version) ? null : text(name('version'), input.version, { min: 1, max: 200 });
  const digest = blank(input.digest) ? null : parseDigest(name('digest'), input.digest);
  if (version === null && digest === null) {
    throw invalidField(
      name('version'),
      'give the version or the digest (sha256:…) of what is running, or both',
    );
  }
  return {
    environment: text(name('environment'), input.environment, { min: 1, max: 63 }),
    component: text(name('component'), input.component, { min: 1, max: 200 }),
    version,
    digest,
    observedAt: blank(input.observedAt) ? now : instant(name('observedAt'), input.observedAt),
    source: blank(input.source) ? defaultSource : text(name('source'), input.source, { min: 1, max: 100 }),
  };
}

function parseDigest(field: string, value: unknown): string {
  const raw = text(field, value, { min: 1, max: 200 }).toLowerCase();
  const hex = raw.startsWith('sha256:') ? raw.slice(7) : raw;
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw invalidField(field, `must be sha256:<64 hex digits>, e.g. sha256:${'ab'.repeat(32)}`);
  }
  return `sha256:${hex}`;
}

/** The digest an inventory entry pins: its sha256, or the `@sha256:` of its artifact reference. */
export function entryDigest(entry: Pick<InventoryEntry, 'sha256' | 'artifact'>): string | null {
  const fromSha = entry.sha256?.toLowerCase().replace(/^sha256:/, '');
  if (fromSha && /^[0-9a-f]{64}$/.test(fromSha)) return `sha256:${fromSha}`;
  const match = /@sha256:([0-9a-fA-F]{64})$/.exec(entry.artifact);
  return match?.[1] ? `sha256:${match[1].toLowerCase()}` : null;
}

/** Whether an entry is what was observed: same name, and the same version and/or digest as reported. */
export function entryMatches(
  entry: Pick<InventoryEntry, 'name' | 'version' | 'sha256' | 'artifact'>,
  o: Pick<Observation, 'component' | 'version' | 'digest'>,
): boolean {
  if (entry.name !== o.component) return false;
  if (o.version !== null && entry.version !== o.version) return false;
  return o.digest === null || entryDigest(entry) === o.digest;
}

/** One authorized deployment of a component: an entry a qualifying change request deployed. */
export interface AuthorizedDeployment {
  changeRequestNumber: string;
  runId: string;
  entry: Pick<InventoryEntry, 'name' | 'version' | 'sha256' | 'artifact'>;
}

export type ObservationVerdict =
  | {
      authorized: true;
      matchedBy: { changeRequest: string | null; runId: string | null; label: string | null };
    }
  | { authorized: false; explanation: string };

/**
 * Decides an observation: authorized when `<env>_latest` (what changegate deployed last) holds the
 * component at that version/digest, or when an implemented, approved change request deployed it.
 * Otherwise the explanation says what changegate expected there.
 */
export function judgeObservation(
  o: Observation,
  facts: {
    latest: Pick<InventoryEntry, 'name' | 'version' | 'sha256' | 'artifact'> | null;
    /** The CR whose deployment moved `<env>_latest` there, when known. */
    latestChangeRequest: string | null;
    deployments: AuthorizedDeployment[];
  },
): ObservationVerdict {
  const label = latestLabel(o.environment);
  if (facts.latest && entryMatches(facts.latest, o)) {
    return { authorized: true, matchedBy: { changeRequest: facts.latestChangeRequest, runId: null, label } };
  }
  const deployed = facts.deployments.find((d) => entryMatches(d.entry, o));
  if (deployed) {
    return {
      authorized: true,
      matchedBy: { changeRequest: deployed.changeRequestNumber, runId: deployed.runId, label: null },
    };
  }
  const seen = describe(o);
  const expected = facts.latest
    ? `${label} has ${o.component} ${describe({ version: facts.latest.version, digest: entryDigest(facts.latest) })}`
    : `${label} has no ${o.component}`;
  const others = facts.deployments.length;
  return {
    authorized: false,
    explanation: `${o.component} ${seen} is running in ${o.environment}, but ${expected}, and none of the ${others} approved deployment${others === 1 ? '' : 's'} of ${o.component} to ${o.environment} installed ${seen}`,
  };
}

function describe(v: { version: string | null; digest: string | null }): string {
  return (
    [v.version, v.digest && `(${v.digest.slice(0, 19)}…)`].filter(Boolean).join(' ') || 'unknown version'
  );
}

/** The key that makes a re-report of the same drift find the open record instead of adding one. */
export function driftKey(o: Pick<Observation, 'environment' | 'component' | 'version' | 'digest'>): string {
  return JSON.stringify([o.environment, o.component, o.version, o.digest]);
}

/** Per-tenant numbers: UAC0000001. */
export function formatUnauthorizedNumber(n: number): string {
  return `UAC${String(n).padStart(7, '0')}`;
}

/** By number (UAC0000001) or id; anything else is simply not found. */
export function unauthorizedRef(ref: string): { by: 'number' | 'id'; value: string } {
  if (/^UAC\d{7,}$/.test(ref)) return { by: 'number', value: ref };
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(ref)) throw notFound('unauthorized change', ref.slice(0, 80));
  return { by: 'id', value: ref };
}

/** The status a lifecycle action leads to, or why it cannot. */
export function nextUnauthorizedStatus(
  current: UnauthorizedStatus,
  action: 'acknowledge' | 'resolve',
): UnauthorizedStatus | string {
  if (current === 'resolved') return 'it is already resolved';
  if (action === 'acknowledge') return current === 'open' ? 'acknowledged' : 'it is already acknowledged';
  return 'resolved';
}
