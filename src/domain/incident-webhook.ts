import { createHmac, timingSafeEqual } from 'node:crypto';
import { absent, childPath, describe, mapping, onlyKeys, sequence } from './config-shape.js';
import { AppError, invalidField } from './errors.js';
import { type IncidentSeverity, incidentSeverities } from './incident.js';
import { text } from './validate.js';

/**
 * The generic inbound incident webhook (docs/incidents.md#inbound-webhook), as pure functions: the
 * HMAC-SHA256 signature check with its replay window, and the dotted-path mapping from any JSON an
 * alerting tool sends to changegate's incident fields. No eval: a path is parsed into segments and
 * walked over plain objects and arrays.
 */

/** Fields a mapping may fill; externalId and title are required in every payload. */
export const webhookFields = [
  'externalId',
  'title',
  'severity',
  'components',
  'environment',
  'startedAt',
  'detectedAt',
  'major',
  'commander',
  'status',
] as const;
export type WebhookField = (typeof webhookFields)[number];

export interface IncidentWebhookConfig {
  /** Where each field is read in the payload: a dotted path such as `$.alert.labels.service`. */
  fields: Record<WebhookField, PathSegment[]>;
  /** The sender's severity values → changegate's (P1 → sev1); empty: the payload uses sev1…sev4. */
  severityMap: Record<string, IncidentSeverity>;
  /** Values of the `status` field that mean the incident is resolved. */
  resolvedValues: string[];
}

export type PathSegment = string | number;

export const incidentWebhookKeys = ['fields', 'severityMap', 'resolvedValues'] as const;

/** The fixed changegate schema: each field at the top level under its own name. */
export const defaultIncidentWebhookConfig: IncidentWebhookConfig = Object.freeze({
  fields: Object.fromEntries(webhookFields.map((f) => [f, [f]])) as Record<WebhookField, PathSegment[]>,
  severityMap: {},
  resolvedValues: ['resolved'],
});

const segmentPattern = /^(?:\.?([A-Za-z_][\w-]*)|\[(\d{1,6})\])/;

/** Parses `$.alert.labels[0].name` (the leading `$.` is optional) into ['alert', 'labels', 0, 'name']. */
export function parsePath(field: string, value: unknown): PathSegment[] {
  const raw = text(field, value, { min: 1, max: 300 });
  let rest = raw.startsWith('$') ? raw.slice(1) : raw;
  const segments: PathSegment[] = [];
  while (rest !== '') {
    const m = segmentPattern.exec(rest);
    if (!m) {
      throw invalidField(
        field,
        `'${raw}' is not a dotted path; write it like $.alert.title or $.alerts[0].labels.service (letters, digits, _ and - in names; [n] for list items)`,
      );
    }
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  if (segments.length === 0)
    throw invalidField(field, `'${raw}' names no field; write it like $.alert.title`);
  return segments;
}

/** The value at a path, or undefined when any step is missing. Own properties only. */
export function readPath(payload: unknown, path: readonly PathSegment[]): unknown {
  let here: unknown = payload;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(here)) return undefined;
      here = here[segment];
    } else {
      if (typeof here !== 'object' || here === null || Array.isArray(here)) return undefined;
      if (!Object.hasOwn(here, segment)) return undefined;
      here = (here as Record<string, unknown>)[segment];
    }
  }
  return here;
}

/** Parses `incidentWebhook:` of changegate.yaml; errors name the path of the bad key. */
export function parseIncidentWebhookConfig(value: unknown): IncidentWebhookConfig | null {
  if (absent(value)) return null;
  const root = mapping('incidentWebhook', value);
  onlyKeys('incidentWebhook', root, incidentWebhookKeys);
  const fields = { ...defaultIncidentWebhookConfig.fields };
  if (!absent(root.fields)) {
    const given = mapping('incidentWebhook.fields', root.fields);
    onlyKeys('incidentWebhook.fields', given, webhookFields);
    for (const [key, path] of Object.entries(given)) {
      fields[key as WebhookField] = parsePath(childPath('incidentWebhook.fields', key), path);
    }
  }
  const severityMap: Record<string, IncidentSeverity> = {};
  if (!absent(root.severityMap)) {
    const given = mapping('incidentWebhook.severityMap', root.severityMap);
    for (const [from, to] of Object.entries(given)) {
      const path = childPath('incidentWebhook.severityMap', from);
      if (typeof to !== 'string' || !(incidentSeverities as readonly string[]).includes(to)) {
        throw invalidField(path, `must be one of ${incidentSeverities.join(', ')}, not ${describe(to)}`);
      }
      severityMap[from] = to as IncidentSeverity;
    }
  }
  const resolvedValues = absent(root.resolvedValues)
    ? [...defaultIncidentWebhookConfig.resolvedValues]
    : sequence('incidentWebhook.resolvedValues', root.resolvedValues, 'a list of status values').map((v, i) =>
        text(`incidentWebhook.resolvedValues[${i}]`, scalarText(v), { min: 1, max: 100 }),
      );
  return { fields, severityMap, resolvedValues };
}

/** One line for `changegate config show`. */
export function describeIncidentWebhookConfig(config: IncidentWebhookConfig | null): string {
  if (config === null) return 'incident webhook: changegate schema (no incidentWebhook mapping)';
  const mapped = webhookFields
    .filter((f) => config.fields[f].join('.') !== f)
    .map((f) => `${f} ← $.${config.fields[f].join('.')}`);
  return `incident webhook: ${mapped.length} mapped field${mapped.length === 1 ? '' : 's'}${mapped.length ? ` (${mapped.join(', ')})` : ''}; resolved when status is ${config.resolvedValues.join(' or ')}`;
}

function scalarText(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** What one webhook delivery asks for: which incident (by the sender's id), its fields, resolved or not. */
export interface MappedIncident {
  externalId: string;
  /** Input for validateIncidentCreate / validateIncidentUpdate; absent fields are left out. */
  fields: Record<string, unknown>;
  resolved: boolean;
}

/** Applies the mapping to a parsed payload. Errors name the field and the path it was read from. */
export function mapIncidentPayload(payload: unknown, config: IncidentWebhookConfig): MappedIncident {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError('invalid_input', 'the webhook body must be a JSON object', { field: '$' });
  }
  const read = (f: WebhookField) => readPath(payload, config.fields[f]);
  const where = (f: WebhookField) => `${f} (read from $.${config.fields[f].join('.')})`;
  const externalId = scalarText(read('externalId'));
  if (absent(externalId) || externalId === '') {
    throw invalidField(where('externalId'), "is missing: every delivery needs the sender's incident id");
  }
  const fields: Record<string, unknown> = {};
  for (const f of ['title', 'environment', 'startedAt', 'detectedAt', 'major', 'commander'] as const) {
    const value = read(f);
    if (!absent(value)) fields[f] = f === 'major' ? value : scalarText(value);
  }
  if (fields.title === undefined) throw invalidField(where('title'), 'is missing');
  const components = read('components');
  if (!absent(components)) fields.components = typeof components === 'string' ? [components] : components;
  const severity = scalarText(read('severity'));
  if (!absent(severity)) fields.severity = mapSeverity(where('severity'), severity, config.severityMap);
  const status = scalarText(read('status'));
  return {
    externalId: text(where('externalId'), externalId, { min: 1, max: 200 }),
    fields,
    resolved: typeof status === 'string' && config.resolvedValues.includes(status),
  };
}

function mapSeverity(field: string, value: unknown, map: Record<string, IncidentSeverity>): unknown {
  if (Object.keys(map).length === 0) return value;
  if (typeof value === 'string' && Object.hasOwn(map, value)) return map[value];
  throw invalidField(
    field,
    `'${String(value)}' is not in incidentWebhook.severityMap; map it to one of ${incidentSeverities.join(', ')} (known: ${Object.keys(map).join(', ')})`,
  );
}

/** Deliveries older or newer than this are refused, so a captured request cannot be replayed later. */
export const webhookToleranceMs = 5 * 60 * 1000;

export type SignatureVerdict = 'valid' | 'invalid' | 'stale';

/** The hex HMAC-SHA256 a sender puts in `X-Changegate-Signature: sha256=<hex>`: of `<timestamp>.<raw body>`. */
export function webhookSignature(secret: string, timestamp: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * Checks a delivery against the tenant's secrets (several during a rotation; none for an unknown
 * tenant, which is checked the same way so the answer and its cost do not tell tenants apart).
 * The timestamp (unix seconds) is inside the signed text, so it cannot be swapped for a fresh one.
 */
export function verifyWebhookSignature(input: {
  secrets: readonly string[];
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  now: number;
}): SignatureVerdict {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'invalid';
  const given = /^sha256=([0-9a-f]{64})$/i.exec(signature ?? '')?.[1];
  // With no secret, compare against a throwaway one anyway: the same work as for a real tenant.
  const secrets = input.secrets.length > 0 ? input.secrets : ['no tenant secret: never matches'];
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(webhookSignature(secret, timestamp, input.rawBody), 'hex');
    const actual = Buffer.from(given ?? '0'.repeat(64), 'hex');
    if (timingSafeEqual(expected, actual) && given !== undefined && input.secrets.length > 0) matched = true;
  }
  if (!matched) return 'invalid';
  return Math.abs(input.now - Number(timestamp) * 1000) > webhookToleranceMs ? 'stale' : 'valid';
}
