import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import {
  type Incident,
  incidentUpdateFields,
  validateIncidentCreate,
  validateIncidentUpdate,
} from '../../domain/incident.js';
import {
  defaultIncidentWebhookConfig,
  mapIncidentPayload,
  verifyWebhookSignature,
} from '../../domain/incident-webhook.js';
import { inTransaction, isUniqueViolation } from '../../store/database.js';
import { findIncidentByExternalId, noteWebhookDelivery } from '../../store/incidents.js';
import { findTenantBySlug } from '../../store/tenants.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { applyIncidentUpdate, markResolved, recordNewIncident } from './incident-service.js';

/** The name the audit trail shows for changes the inbound webhook makes. */
export const webhookActorName = 'webhook:incidents';

/** Where the per-tenant secrets live: `<CHANGEGATE_HOME>/webhook-secrets/<tenant>.key` (docs/incidents.md). */
export function webhookSecretPath(dataDir: string, tenantSlug: string): string {
  return join(dataDir, 'webhook-secrets', `${tenantSlug}.key`);
}

/** One secret per non-empty line: during a rotation the file holds the new and the old one. */
async function readSecrets(dataDir: string, tenantSlug: string): Promise<string[]> {
  try {
    const content = await readFile(webhookSecretPath(dataDir, tenantSlug), 'utf8');
    return content
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 16);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The same answer for an unknown tenant, a tenant without a secret and a bad signature. */
const rejected = () =>
  new AppError(
    'unauthenticated',
    'the webhook signature is missing or does not match; sign "<X-Changegate-Timestamp>.<raw body>" with HMAC-SHA256 and the tenant\'s webhook secret (docs/incidents.md#inbound-webhook)',
  );

export interface WebhookDelivery {
  tenantSlug: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

export interface WebhookOutcome {
  incident: Incident;
  /**
   * created: a new incident; updated: fields changed or it was resolved; unchanged: a resend;
   * stale: signed earlier than a delivery already applied, so ignored (the incident as it stands).
   */
  outcome: 'created' | 'updated' | 'unchanged' | 'stale';
}

/**
 * An alerting tool's delivery: verify the signature, map the payload, then create the incident or
 * update the one with the same external id (resolving it when the payload says so). Idempotent: a
 * resend of the same payload changes nothing and writes no audit event. Deliveries may arrive out of
 * order (a sender's retries): one signed earlier than the last applied is ignored, not applied over it.
 */
export async function receiveIncidentWebhook(
  deps: ServiceDeps,
  dataDir: string,
  delivery: WebhookDelivery,
): Promise<WebhookOutcome> {
  const tenantSlug = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(delivery.tenantSlug) ? delivery.tenantSlug : '';
  const tenant = tenantSlug ? await findTenantBySlug(deps.db, tenantSlug) : undefined;
  const secrets = tenant ? await readSecrets(dataDir, tenant.slug) : [];
  const verdict = verifyWebhookSignature({ ...delivery, secrets, now: deps.now() });
  if (verdict === 'invalid' || !tenant) throw rejected();
  if (verdict === 'stale') {
    throw new AppError(
      'unauthenticated',
      'X-Changegate-Timestamp is more than 5 minutes away from the server clock: a replayed or delayed delivery is refused; send it again with the current time, signed anew',
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.rawBody.toString('utf8'));
  } catch {
    throw new AppError('invalid_input', 'the webhook body is not valid JSON', { field: '$' });
  }
  const actor: Actor = {
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    name: webhookActorName,
    role: 'requester',
  };
  const { config } = await loadTenantConfig(deps.db, tenant.id);
  const mapped = mapIncidentPayload(payload, config.incidentWebhook ?? defaultIncidentWebhookConfig);
  // The signed timestamp (whole seconds), not the arrival time, orders the deliveries of one incident.
  const signedAt = Number(delivery.timestamp) * 1000;
  try {
    return await upsert(deps, actor, mapped, signedAt);
  } catch (error) {
    // Two first deliveries at once: the unique external id lets one in; the other becomes an update.
    if (isUniqueViolation(error)) return upsert(deps, actor, mapped, signedAt);
    throw error;
  }
}

function upsert(
  deps: ServiceDeps,
  actor: Actor,
  mapped: ReturnType<typeof mapIncidentPayload>,
  signedAt: number,
): Promise<WebhookOutcome> {
  return inTransaction(deps.db, async (tx) => {
    const found = await findIncidentByExternalId(tx, actor.tenantId, mapped.externalId, {
      lockFor: deps.dialect,
    });
    if (!found) {
      const fields = validateIncidentCreate(mapped.fields, deps.now());
      const created = await recordNewIncident(tx, deps, actor, fields, {
        source: 'webhook',
        externalId: mapped.externalId,
      });
      await noteWebhookDelivery(tx, actor.tenantId, created.id, signedAt);
      const incident = mapped.resolved ? await markResolved(tx, deps, actor, created) : created;
      return { incident, outcome: 'created' };
    }
    const known = found.incident;
    // Older than what is applied: a late retry of an earlier state must not undo a newer one. The same
    // second is not older (timestamps are whole seconds): it is applied, a resend then changes nothing.
    if (found.lastDeliveryAt !== null && signedAt < found.lastDeliveryAt)
      return { incident: known, outcome: 'stale' };
    // The sender is the incident's source of truth: its fields win, except when it started.
    const input = Object.fromEntries(
      Object.entries(mapped.fields).filter(([k]) => (incidentUpdateFields as readonly string[]).includes(k)),
    );
    const changed = Object.keys(input).length ? validateIncidentUpdate(input, known, deps.now()) : {};
    let incident = await applyIncidentUpdate(tx, deps, actor, known, changed);
    if (mapped.resolved && incident.status === 'open')
      incident = await markResolved(tx, deps, actor, incident);
    // Not an audited fact, only where the order stands: a resend signed later still moves it on.
    if (found.lastDeliveryAt !== signedAt) await noteWebhookDelivery(tx, actor.tenantId, known.id, signedAt);
    return { incident, outcome: incident === known ? 'unchanged' : 'updated' };
  });
}
