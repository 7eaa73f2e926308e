import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, tokenFor } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';
import { readAuditLog } from '../services/audit/audit-queries.js';
import { applyTenantConfig } from '../services/config/config-service.js';

/** Signed the way docs/incidents.md tells a sender to: HMAC-SHA256 of "<timestamp>.<raw body>". */
function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

describe.each(dialects)('the inbound incident webhook over real HTTP on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let base = '';
  const secrets = {
    acme: 'acme-webhook-secret-0123456789abcdef',
    beta: 'beta-webhook-secret-0123456789abcdef',
  };

  beforeAll(async () => {
    s = await testServer(dialect, 'webhook');
    for (const [slug, secret] of Object.entries(secrets)) {
      await actorIn(s.app, slug, 'admin@example.com');
      mkdirSync(join(s.app.config.dataDir, 'webhook-secrets'), { recursive: true });
      // Two lines: the current secret and a retired one still accepted during a rotation.
      writeFileSync(
        join(s.app.config.dataDir, 'webhook-secrets', `${slug}.key`),
        `${secret}\nold-${secret}\n`,
      );
    }
    const beta = await actorIn(s.app, 'beta', 'admin@example.com');
    await applyTenantConfig(s.app.deps, beta, {
      document: {
        environments: [{ name: 'prod', purpose: 'production' }],
        incidentWebhook: {
          fields: {
            externalId: '$.incident.key',
            title: '$.incident.summary',
            severity: '$.incident.priority',
            environment: '$.incident.labels.env',
            status: '$.incident.state',
          },
          severityMap: { P1: 'sev1', P2: 'sev2', P3: 'sev3' },
          resolvedValues: ['closed'],
        },
      },
    });
    base = await s.fastify.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => s?.close());

  /** Posts over the loopback socket with a timestamp from the app's clock (the test clock). */
  async function deliver(
    tenant: string,
    payload: unknown,
    options: { secret?: string; ageSeconds?: number; raw?: string } = {},
  ) {
    const body = options.raw ?? JSON.stringify(payload);
    const timestamp = String(Math.floor(s.app.deps.now() / 1000) - (options.ageSeconds ?? 0));
    const res = await fetch(`${base}/api/v1/hooks/incidents/${tenant}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-changegate-timestamp': timestamp,
        'x-changegate-signature': signature(
          options.secret ?? (secrets as Record<string, string>)[tenant] ?? 'x',
          timestamp,
          body,
        ),
      },
      body,
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
    };
  }

  it('creates an incident from a correctly signed delivery, and a resend updates the same one', async () => {
    const first = await deliver('acme', { externalId: 'pd-1', title: 'Checkout errors', severity: 'sev2' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      number: 'INC0000001',
      outcome: 'created',
      source: 'webhook',
      externalId: 'pd-1',
      severity: 'sev2',
      createdBy: 'webhook:incidents',
    });
    const again = await deliver('acme', { externalId: 'pd-1', title: 'Checkout errors', severity: 'sev2' });
    expect(again).toMatchObject({ status: 200, body: { number: 'INC0000001', outcome: 'unchanged' } });
    const worse = await deliver('acme', { externalId: 'pd-1', title: 'Checkout down', severity: 'sev1' });
    expect(worse.body).toMatchObject({
      number: 'INC0000001',
      outcome: 'updated',
      title: 'Checkout down',
      severity: 'sev1',
    });
    const resolved = await deliver('acme', {
      externalId: 'pd-1',
      title: 'Checkout down',
      status: 'resolved',
    });
    expect(resolved.body).toMatchObject({
      number: 'INC0000001',
      outcome: 'updated',
      status: 'resolved',
      resolvedBy: 'webhook:incidents',
    });
    // The retired secret still works during a rotation.
    const rotated = await deliver(
      'acme',
      { externalId: 'pd-2', title: 'Other' },
      { secret: `old-${secrets.acme}` },
    );
    expect(rotated.body).toMatchObject({ number: 'INC0000002', outcome: 'created' });

    const admin = await actorIn(s.app, 'acme', 'admin@example.com');
    const actions = (await readAuditLog(s.app.deps, admin, {}))
      .filter((e) => e.entityType === 'incident' && e.actor === 'webhook:incidents')
      .map((e) => e.action);
    expect(actions.filter((a) => a !== 'incident.causes_ranked')).toEqual([
      'incident.created',
      'incident.updated',
      'incident.resolved',
      'incident.created',
    ]);
  });

  it('answers a bad signature and an unknown tenant with the same 401, and writes nothing', async () => {
    const bad = await deliver(
      'acme',
      { externalId: 'pd-9', title: 'x' },
      { secret: 'guessed-secret-0123456789' },
    );
    const unknown = await deliver(
      'nosuchtenant',
      { externalId: 'pd-9', title: 'x' },
      { secret: secrets.acme },
    );
    const wrongTenant = await deliver('beta', { externalId: 'pd-9', title: 'x' }, { secret: secrets.acme });
    expect(bad.status).toBe(401);
    expect(unknown).toEqual(bad);
    expect(wrongTenant).toEqual(bad);
    expect(bad.body.error?.code).toBe('unauthenticated');
    const unsigned = await fetch(`${base}/api/v1/hooks/incidents/acme`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"externalId":"pd-9","title":"x"}',
    });
    expect(unsigned.status).toBe(401);
    const token = await tokenFor(s.app, 'acme', 'reader', 'viewer');
    const list = await s.call(token, { method: 'GET', url: '/api/v1/incidents' });
    expect(list.json().map((i: { externalId: string }) => i.externalId)).not.toContain('pd-9');
  });

  it('refuses a replay: a correctly signed delivery older than 5 minutes', async () => {
    const old = await deliver('acme', { externalId: 'pd-old', title: 'x' }, { ageSeconds: 6 * 60 });
    expect(old.status).toBe(401);
    expect(old.body.error?.message).toContain('more than 5 minutes');
    const token = await tokenFor(s.app, 'acme', 'reader2', 'viewer');
    const list = await s.call(token, { method: 'GET', url: '/api/v1/incidents' });
    expect(list.json().map((i: { externalId: string }) => i.externalId)).not.toContain('pd-old');
  });

  it('answers 200 with outcome stale to a delivery signed before one already applied, and keeps the newer fields', async () => {
    const opened = await deliver(
      'acme',
      { externalId: 'pd-late', title: 'Slow', severity: 'sev3' },
      { ageSeconds: 200 },
    );
    expect(opened.status).toBe(201);
    const worse = await deliver(
      'acme',
      { externalId: 'pd-late', title: 'Down', severity: 'sev1' },
      { ageSeconds: 20 },
    );
    expect(worse.body).toMatchObject({ outcome: 'updated', title: 'Down' });
    const late = await deliver(
      'acme',
      { externalId: 'pd-late', title: 'Slower', severity: 'sev2' },
      { ageSeconds: 100 },
    );
    expect(late).toMatchObject({
      status: 200,
      body: { number: opened.body.number, outcome: 'stale', title: 'Down', severity: 'sev1' },
    });
  });

  it("maps a tool's own payload through the tenant's incidentWebhook mapping", async () => {
    const alert = (state: string) => ({
      incident: { key: 'OPS-7', summary: 'DB failover', priority: 'P1', labels: { env: 'prod' }, state },
    });
    const opened = await deliver('beta', alert('triggered'));
    expect(opened.body).toMatchObject({
      number: 'INC0000001',
      externalId: 'OPS-7',
      title: 'DB failover',
      severity: 'sev1',
      environment: 'prod',
      status: 'open',
    });
    const closed = await deliver('beta', alert('closed'));
    expect(closed.body).toMatchObject({ number: 'INC0000001', status: 'resolved', outcome: 'updated' });
    const bad = await deliver('beta', { incident: { key: 'OPS-8', summary: 'x', priority: 'P7' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("'P7' is not in incidentWebhook.severityMap");
    const notJson = await deliver('beta', null, { raw: '{not json' });
    expect(notJson.status).toBe(400);
  });
});
