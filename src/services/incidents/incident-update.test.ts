import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog } from '../audit/audit-queries.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { createIncident, getIncident, updateIncident } from './incident-service.js';

describe.each(dialects)('incident fields and update on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;
  beforeAll(async () => {
    t = await testApp(dialect, 'incident-update');
  });
  afterAll(() => t?.close());
  const deps = () => t.app.deps;

  async function world() {
    const sre = await actorIn(t.app, `u${++tenants}-${dialect}`, 'sre@example.com', 'requester');
    const as = (name: string, role: Actor['role']): Actor => ({ ...sre, name, role });
    const manager = as('manager@example.com', 'change_manager');
    await applyTenantConfig(deps(), manager, {
      document: { environments: [{ name: 'prod', purpose: 'production' }] },
    });
    return { sre, manager, commander: as('carol@example.com', 'approver'), as };
  }

  it('records detection time and source, and updates fields with an audited before/after', async () => {
    const w = await world();
    const incident = await createIncident(deps(), w.sre, {
      title: 'Errors',
      startedAt: '2026-01-01T10:00:00Z',
      detectedAt: '2026-01-01T10:07:00Z',
    });
    expect(incident).toMatchObject({
      detectedAt: Date.parse('2026-01-01T10:07:00Z'),
      source: 'cli',
      externalId: null,
    });
    const viaApi = await createIncident(deps(), { ...w.sre, credentialId: 'tok' }, { title: 'Other' });
    expect(viaApi.source).toBe('api');
    const early = await failure(
      createIncident(deps(), w.sre, {
        title: 'x',
        startedAt: '2026-01-01T10:00:00Z',
        detectedAt: '2026-01-01T09:00:00Z',
      }),
    );
    expect(early.details.field).toBe('detectedAt');

    const updated = await updateIncident(deps(), w.sre, incident.number, {
      title: 'Checkout errors',
      severity: 'sev2',
      environment: 'prod',
    });
    expect(updated).toMatchObject({ title: 'Checkout errors', severity: 'sev2', environment: 'prod' });
    expect((await getIncident(deps(), w.sre, incident.number)).incident).toMatchObject({
      title: 'Checkout errors',
      severity: 'sev2',
      environment: 'prod',
      detectedAt: Date.parse('2026-01-01T10:07:00Z'),
    });
    // The same values again change nothing and write no event.
    await updateIncident(deps(), w.sre, incident.number, { title: 'Checkout errors' });
    const events = (await readAuditLog(deps(), w.manager, {})).filter(
      (e) => e.entityId === incident.id && e.action === 'incident.updated',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      before: { title: 'Errors', severity: null, environment: null },
      after: { number: incident.number, title: 'Checkout errors', severity: 'sev2', environment: 'prod' },
    });

    for (const [input, field] of [
      [{}, 'input'],
      [{ environment: 'moon' }, 'environment'],
      [{ severity: 'sev9' }, 'severity'],
      [{ status: 'resolved' }, 'status'],
      [{ detectedAt: '2025-12-31T00:00:00Z' }, 'detectedAt'],
      [{ major: true }, 'commander'],
    ] as const) {
      const refused = await failure(updateIncident(deps(), w.sre, incident.number, input));
      expect(refused.details.field, JSON.stringify(input)).toBe(field);
    }
    expect((await getIncident(deps(), w.sre, incident.number)).incident.major).toBe(false);
  });

  it("changes a major incident's commander or major flag only by its commander, a change manager or an admin", async () => {
    const w = await world();
    const major = await createIncident(deps(), w.sre, {
      title: 'Payments down',
      major: true,
      commander: 'carol@example.com',
    });
    const refused = await failure(
      updateIncident(deps(), w.sre, major.number, { commander: 'sre@example.com' }),
    );
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toContain('only its commander (carol@example.com)');
    expect((await failure(updateIncident(deps(), w.sre, major.number, { major: false }))).code).toBe(
      'forbidden',
    );
    // Other fields stay anyone's with incident:write.
    expect((await updateIncident(deps(), w.sre, major.number, { severity: 'sev1' })).severity).toBe('sev1');
    expect(
      (await failure(updateIncident(deps(), w.commander, major.number, { commander: '' }))).details.field,
    ).toBe('commander');
    const handedOver = await updateIncident(deps(), w.commander, major.number, {
      commander: 'dave@example.com',
    });
    expect(handedOver.commander).toBe('dave@example.com');
    expect(
      (await failure(updateIncident(deps(), w.commander, major.number, { commander: 'carol@example.com' })))
        .code,
    ).toBe('forbidden');
    const lifted = await updateIncident(deps(), w.manager, major.number, { major: false });
    expect(lifted.major).toBe(false);
  });
});
