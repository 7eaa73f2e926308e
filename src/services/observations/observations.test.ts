import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { listOutboxEvents } from '../../store/outbox.js';
import { readAuditLog } from '../audit/audit-queries.js';
import { reportObservations, unauthorizedTopic } from './report-observations.js';
import { getUnauthorized, listUnauthorized, moveUnauthorized } from './unauthorized-changes.js';

describe.each(dialects)('observations and unauthorized changes on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  const alerts = async (tenantId: string) =>
    listOutboxEvents(deps().db, tenantId, { topic: unauthorizedTopic, limit: 100 });

  /**
   * Runs two reports at once. On PostgreSQL each takes a pooled connection of its own and the race
   * is forced: a third transaction holds the counter row both need, so both have looked for an open
   * record (and found none) before either can insert; then it lets go. SQLite runs write
   * transactions one at a time (BEGIN IMMEDIATE; a second connection in this process would block
   * the event loop on the lock), so there the two calls are only issued together.
   */
  async function concurrentReports<T>(a: () => Promise<T>, b: () => Promise<T>, tenantId: string) {
    if (dialect === 'sqlite') return Promise.allSettled([a(), b()]);
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = () => {};
    const lockHeld = new Promise<void>((resolve) => {
      held = resolve;
    });
    const holder = deps()
      .db.transaction()
      .execute(async (tx) => {
        await sql`select value from counters where tenant_id = ${tenantId} and name = 'unauthorized_change' for update`.execute(
          tx,
        );
        held();
        await released;
      });
    await lockHeld;
    const both = Promise.allSettled([a(), b()]);
    for (let waited = 0; ; waited += 20) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(deps().db);
      if ((rows[0]?.n ?? 0) >= 2) break;
      if (waited > 10_000) throw new Error('the two reports never both waited for the counter');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await holder;
    return both;
  }

  it('authorizes what changegate deployed, last or earlier under an approved CR, by version or digest', async () => {
    const w = await world();
    const first = await w.deployed('api', '1.0.0');
    const second = await w.deployed('api', '1.1.0');
    const entry = second.run.delta[0]?.to;
    const digest = `sha256:${entry?.artifact.split('@sha256:')[1]}`;
    const result = await reportObservations(deps(), w.pipeline, {
      observations: [
        { environment: 'prod', component: 'api', version: '1.1.0' },
        { environment: 'prod', component: 'api', digest: digest.toUpperCase().replace('SHA256:', 'sha256:') },
        { environment: 'prod', component: 'api', version: '1.0.0', source: 'argocd' },
      ],
    });
    expect(result.map((o) => o.authorized)).toEqual([true, true, true]);
    expect(result[0]?.matchedBy).toEqual({
      changeRequest: second.changeRequest.number,
      runId: null,
      label: 'prod_latest',
    });
    expect(result[2]?.matchedBy).toEqual({
      changeRequest: first.changeRequest.number,
      runId: first.run.id,
      label: null,
    });
    expect(result[2]?.observation.source).toBe('argocd');
    expect(await alerts(w.admin.tenantId)).toEqual([]);
    expect(await listUnauthorized(deps(), w.admin)).toEqual([]);
  });

  it('opens one record with an audit event and an alert per drift, and counts re-reports', async () => {
    const w = await world();
    await w.deployed('api', '1.0.0');
    const seen = { environment: 'prod', component: 'api', version: '1.0.1-hotfix', source: 'drift' };
    const [first] = await reportObservations(deps(), w.pipeline, seen);
    expect(first).toMatchObject({ authorized: false, repeated: false });
    expect(first?.explanation).toMatch(
      /api 1\.0\.1-hotfix is running in prod, but prod_latest has api 1\.0\.0 .*none of the 1 approved deployment/,
    );
    const record = first?.unauthorizedChange;
    expect(record).toMatchObject({ number: 'UAC0000001', status: 'open', timesObserved: 1, source: 'drift' });

    const [again] = await reportObservations(deps(), w.pipeline, {
      ...seen,
      observedAt: '2026-02-01T00:00:00Z',
    });
    expect(again).toMatchObject({
      repeated: true,
      unauthorizedChange: { number: 'UAC0000001', timesObserved: 2 },
    });
    // A component changegate never deployed is unauthorized too, and a record of its own.
    const [other] = await reportObservations(deps(), w.pipeline, {
      environment: 'prod',
      component: 'sidecar',
      digest: `sha256:${'c'.repeat(64)}`,
    });
    expect(other?.explanation).toMatch(/prod_latest has no sidecar/);
    expect(other?.unauthorizedChange?.number).toBe('UAC0000002');

    const events = await alerts(w.admin.tenantId);
    expect(events.map((e) => e.payload.number)).toEqual(['UAC0000001', 'UAC0000002']);
    expect(events[0]?.payload).toMatchObject({
      environment: 'prod',
      component: 'api',
      version: '1.0.1-hotfix',
    });
    const audit = await readAuditLog(deps(), w.admin, { limit: 1000 });
    expect(audit.filter((e) => e.action === 'unauthorized_change.detected')).toHaveLength(2);
    const stored = await getUnauthorized(deps(), w.admin, 'UAC0000001');
    expect(stored).toMatchObject({ timesObserved: 2, lastObservedAt: Date.parse('2026-02-01T00:00:00Z') });

    // Acknowledged it is still the same drift; resolved, the same drift seen again opens a new record.
    await moveUnauthorized(deps(), w.admin, 'UAC0000001', 'acknowledge');
    expect((await reportObservations(deps(), w.pipeline, seen))[0]?.repeated).toBe(true);
    expect((await failure(moveUnauthorized(deps(), w.admin, 'UAC0000001', 'resolve'))).details.field).toBe(
      'note',
    );
    const resolved = await moveUnauthorized(deps(), w.admin, 'UAC0000001', 'resolve', 'reverted to 1.0.0');
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolvedBy: 'admin@example.com',
      note: 'reverted to 1.0.0',
    });
    const bad = await failure(moveUnauthorized(deps(), w.admin, 'UAC0000001', 'acknowledge'));
    expect(bad.code).toBe('illegal_transition');
    const [reopened] = await reportObservations(deps(), w.pipeline, seen);
    expect(reopened?.unauthorizedChange?.number).toBe('UAC0000003');
    expect((await listUnauthorized(deps(), w.admin, { status: 'open' })).map((u) => u.number)).toEqual([
      'UAC0000003',
      'UAC0000002',
    ]);
  });

  it('gives two monitors reporting the same new drift at once the same record, with one alert and one audit event', async () => {
    const w = await world();
    await w.deployed('api', '1.0.0');
    // A first record, so the counter row exists and its number shows that none is skipped later.
    await reportObservations(deps(), w.pipeline, { environment: 'prod', component: 'web', version: '9' });
    const seen = { environment: 'prod', component: 'api', version: '6.6.6', source: 'drift' };
    const race = await concurrentReports(
      () => reportObservations(deps(), w.pipeline, { ...seen, source: 'monitor-a' }),
      () => reportObservations(deps(), w.pipeline, { ...seen, source: 'monitor-b' }),
      w.pipeline.tenantId,
    );
    expect(race.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const outcomes = race.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(outcomes.map((o) => o.unauthorizedChange?.number)).toEqual(['UAC0000002', 'UAC0000002']);
    expect(outcomes.map((o) => o.repeated).sort()).toEqual([false, true]);
    expect(await getUnauthorized(deps(), w.admin, 'UAC0000002')).toMatchObject({ timesObserved: 2 });
    const raised = (await alerts(w.admin.tenantId)).filter((e) => e.payload.component === 'api');
    expect(raised.map((e) => e.payload.number)).toEqual(['UAC0000002']);
    const audit = await readAuditLog(deps(), w.admin, { limit: 1000 });
    expect(
      audit.filter((e) => e.action === 'unauthorized_change.detected').map((e) => e.after?.number),
    ).toEqual(['UAC0000001', 'UAC0000002']);
    // The loser's number was given back: the next drift is UAC0000003.
    const [next] = await reportObservations(deps(), w.pipeline, {
      environment: 'prod',
      component: 'db',
      version: '1',
    });
    expect(next?.unauthorizedChange?.number).toBe('UAC0000003');
  });

  it('refuses bad observations whole, naming the item and the field, and hides other tenants’ records', async () => {
    const w = await world();
    const other = await world();
    const unknownEnv = await failure(
      reportObservations(deps(), w.pipeline, { environment: 'nowhere', component: 'api', version: '1' }),
    );
    expect(unknownEnv.code).toBe('invalid_input');
    const noVersion = await failure(
      reportObservations(deps(), w.pipeline, {
        observations: [
          { environment: 'prod', component: 'api', version: '1' },
          { environment: 'prod', component: 'api' },
        ],
      }),
    );
    expect(noVersion.message).toMatch(/^observations\[1\]\.version: give the version or the digest/);
    const badDigest = await failure(
      reportObservations(deps(), w.pipeline, { environment: 'prod', component: 'api', digest: 'md5:abc' }),
    );
    expect(badDigest.message).toMatch(/digest: must be sha256:<64 hex digits>/);
    expect(await listUnauthorized(deps(), w.admin)).toEqual([]);

    await reportObservations(deps(), other.pipeline, { environment: 'prod', component: 'x', version: '1' });
    expect((await failure(getUnauthorized(deps(), w.admin, 'UAC0000001'))).code).toBe('not_found');
  });
});
