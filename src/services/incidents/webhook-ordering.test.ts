import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { webhookSignature } from '../../domain/incident-webhook.js';
import { readAuditLog } from '../audit/audit-queries.js';
import { getIncident } from './incident-service.js';
import { receiveIncidentWebhook, webhookSecretPath } from './receive-incident-webhook.js';

const secret = 'ordering-webhook-secret-0123456789';

describe.each(dialects)('inbound webhook deliveries out of order on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp(dialect, 'webhook-order');
  });
  afterAll(() => t?.close());

  /** A delivery signed with the tenant's secret at `signedAt` (unix seconds, inside the 5-minute window). */
  function deliver(slug: string, payload: unknown, signedAt: number) {
    const body = Buffer.from(JSON.stringify(payload));
    const timestamp = String(signedAt);
    return receiveIncidentWebhook(t.app.deps, t.app.config.dataDir, {
      tenantSlug: slug,
      timestamp,
      signature: `sha256=${webhookSignature(secret, timestamp, body)}`,
      rawBody: body,
    });
  }

  it('ignores a delivery signed before the one applied, and answers that it was stale', async () => {
    const admin = await actorIn(t.app, `order-${dialect}`, 'admin@example.com');
    const path = webhookSecretPath(t.app.config.dataDir, admin.tenantSlug);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${secret}\n`);
    const base = Math.floor(t.app.deps.now() / 1000);
    const investigating = { externalId: 'pd-77', title: 'Checkout slow', severity: 'sev3', status: 'open' };
    const resolved = { externalId: 'pd-77', title: 'Checkout down', severity: 'sev1', status: 'resolved' };

    expect((await deliver(admin.tenantSlug, investigating, base - 120)).outcome).toBe('created');
    const done = await deliver(admin.tenantSlug, resolved, base - 30);
    expect(done).toMatchObject({ outcome: 'updated', incident: { status: 'resolved', severity: 'sev1' } });

    // The sender retries an earlier "investigating" update after the resolution reached us.
    const late = await deliver(admin.tenantSlug, { ...investigating, title: 'Checkout slower' }, base - 60);
    expect(late).toMatchObject({
      outcome: 'stale',
      incident: {
        number: done.incident.number,
        title: 'Checkout down',
        severity: 'sev1',
        status: 'resolved',
      },
    });
    const stored = (await getIncident(t.app.deps, admin, done.incident.number)).incident;
    expect(stored).toMatchObject({ title: 'Checkout down', severity: 'sev1', status: 'resolved' });

    // The same delivery again (same timestamp, same content) stays idempotent, not stale.
    expect((await deliver(admin.tenantSlug, resolved, base - 30)).outcome).toBe('unchanged');
    // A resend signed later moves the order on: what was signed before it is stale even though it differs.
    expect((await deliver(admin.tenantSlug, resolved, base - 10)).outcome).toBe('unchanged');
    expect((await deliver(admin.tenantSlug, { ...resolved, severity: 'sev2' }, base - 20)).outcome).toBe(
      'stale',
    );
    // A newer delivery is applied.
    const newer = await deliver(admin.tenantSlug, { ...resolved, severity: 'sev2' }, base - 5);
    expect(newer).toMatchObject({ outcome: 'updated', incident: { severity: 'sev2' } });

    const actions = (await readAuditLog(t.app.deps, admin, {}))
      .filter((e) => e.entityId === done.incident.id && e.action !== 'incident.causes_ranked')
      .map((e) => [e.action, e.after?.severity ?? null]);
    expect(actions).toEqual([
      ['incident.created', 'sev3'],
      ['incident.updated', 'sev1'],
      ['incident.resolved', null],
      ['incident.updated', 'sev2'],
    ]);
  });
});
