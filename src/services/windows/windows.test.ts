import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, freshDatabase, type TestDatabase, testConfig } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { type App, createApp } from '../../app.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import {
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
} from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { awaitApproval } from '../deployments/await-approval.js';
import { beginDeployment } from '../deployments/begin-deployment.js';
import { getDeployment } from '../deployments/deployment-support.js';
import { addEvidence } from '../evidence/evidence-service.js';
import { addInventoryEntries } from '../inventory/inventory-service.js';
import { promote } from '../promotion/promote.js';
import { grantWindowOverride } from './grant-override.js';
import { createWindow, deleteWindow, getWindow, listTenantWindows } from './window-service.js';

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');

/** The AppError a promise rejects with (or fails the test). */
/** The year-end freeze every deployment test runs inside: 20 December to 4 January. */
const yearEnd = {
  name: 'year-end',
  kind: 'freeze',
  start: '2026-12-20T00:00:00Z',
  end: '2027-01-04T00:00:00Z',
  reason: 'year-end trading',
};

describe.each(dialects)('freeze and maintenance windows on %s', (dialect) => {
  let db: TestDatabase;
  let app: App;
  // A fixed clock, moved by the tests; 1 ms per read keeps events in order.
  let time = 0;
  const setClock = (iso: string) => {
    time = Date.parse(iso);
  };
  let tenants = 0;
  let builds = 0;

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'windows');
    app = await createApp(testConfig(db), { now: () => ++time, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  const deps = () => app.deps;

  /** A tenant of its own with staging and prod, at 10:00 on 21 December 2026 (inside the year-end freeze). */
  async function world() {
    setClock('2026-12-21T10:00:00Z');
    const slug = `w${++tenants}-${dialect}`;
    const pipeline = await actorIn(app, slug, 'pipeline@example.com', 'pipeline');
    const manager: Actor = { ...pipeline, name: 'manager@example.com', role: 'change_manager' };
    const approver: Actor = { ...pipeline, name: 'approver@example.com', role: 'approver' };
    const requester: Actor = { ...pipeline, name: 'dana@example.com', role: 'requester' };
    await applyTenantConfig(deps(), manager, {
      document: {
        environments: [
          { name: 'staging', purpose: 'pre_prod' },
          { name: 'prod', purpose: 'production' },
        ],
      },
    });
    const ship = async (name: string, version: string, result: 'success' | 'failure' = 'success') => {
      const build = ++builds;
      await addInventoryEntries(deps(), pipeline, {
        entries: [
          {
            name,
            version,
            artifact: `docker://registry.example/${name}@sha256:${hex(build, 64)}`,
            commitSha: hex(build, 40),
            repositoryUrl: `https://git.example/acme/${name}`,
            pipelineRunId: `ci-${build}`,
          },
        ],
      });
      await addEvidence(deps(), pipeline, {
        evidenceTypeId: 'unit_tests',
        result,
        tool: 'vitest',
        assets: [`https://git.example/acme/${name}#${hex(build, 40)}`],
        pipelineRunId: `ci-${build}`,
      });
      await promote(deps(), pipeline, {
        target: 'prod',
        fields: {
          priority: 'moderate',
          assignee: 'dev@example.com',
          customerImpact: 'low',
          deploymentImpact: 'small',
          risk: 'low',
        },
      });
    };
    const begin = (extra: Record<string, unknown> = {}) =>
      beginDeployment(deps(), pipeline, { environment: 'prod', ...extra });
    const window = (input: Record<string, unknown> = {}) =>
      createWindow(deps(), manager, { ...yearEnd, ...input });
    /** Rows of the tenant's records a deployment writes: nothing of a refused one may be left. */
    const footprint = async () => {
      const count = async (
        table: 'deployment_runs' | 'deployment_locks' | 'inventory_labels' | 'change_requests',
      ) =>
        Number(
          (
            await deps()
              .db.selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('tenant_id', '=', pipeline.tenantId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        audit: (await verifyAuditChain(deps(), pipeline)).count,
        runs: await count('deployment_runs'),
        locks: await count('deployment_locks'),
        labels: await count('inventory_labels'),
        changeRequests: await count('change_requests'),
      };
    };
    const actions = async (crNumber: string) =>
      (await readAuditLog(deps(), manager, { changeRequest: crNumber })).map((e) => e.action);
    return { pipeline, manager, approver, requester, ship, begin, window, footprint, actions };
  }

  describe('managing windows', () => {
    it('creates, lists, shows and deletes windows, each audited, and frees the name of a deleted one', async () => {
      const w = await world();
      const freeze = await w.window({ environments: ['prod'] });
      const nightly = await w.window({
        name: 'nightly',
        kind: 'maintenance',
        start: undefined,
        end: undefined,
        rrule: 'FREQ=DAILY',
        startTime: '23:00',
        duration: 120,
        timeZone: 'Europe/Berlin',
        reason: 'database maintenance',
      });
      expect(nightly.schedule).toMatchObject({
        type: 'recurring',
        from: '2026-12-21',
        timeZone: 'Europe/Berlin',
      });

      const now = await listTenantWindows(deps(), w.pipeline, {});
      expect(now.windows.map((s) => [s.window.name, s.active !== null])).toEqual([
        ['nightly', false],
        ['year-end', true],
      ]);
      expect(now.windows[0]?.next).toEqual({
        start: Date.parse('2026-12-21T22:00:00Z'),
        end: Date.parse('2026-12-22T00:00:00Z'),
      });
      const lateEvening = await listTenantWindows(deps(), w.pipeline, {
        active: true,
        at: '2026-12-21T22:30:00Z',
      });
      expect(lateEvening.windows.map((s) => s.window.name)).toEqual(['nightly', 'year-end']);
      const staging = await listTenantWindows(deps(), w.pipeline, { active: 'true', environment: 'staging' });
      expect(staging.windows).toEqual([]);

      const detail = await getWindow(deps(), w.pipeline, 'nightly', 3);
      expect(detail.occurrences.map((o) => new Date(o.start).toISOString())).toEqual([
        '2026-12-21T22:00:00.000Z',
        '2026-12-22T22:00:00.000Z',
        '2026-12-23T22:00:00.000Z',
      ]);

      const conflict = await failure(w.window({ environments: ['prod'] }));
      expect(conflict).toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/^window 'year-end' already exists/),
      });
      await deleteWindow(deps(), w.manager, 'nightly');
      expect((await failure(getWindow(deps(), w.pipeline, 'nightly'))).code).toBe('not_found');
      const again = await w.window({
        name: 'nightly',
        start: '2027-02-01T00:00:00Z',
        end: '2027-02-02T00:00:00Z',
      });
      expect(again.id).not.toBe(nightly.id);

      const events = (await readAuditLog(deps(), w.manager, {})).filter((e) => e.entityType === 'window');
      expect(events.map((e) => [e.action, e.entityId, e.actor])).toEqual([
        ['window.created', freeze.id, 'manager@example.com'],
        ['window.created', nightly.id, 'manager@example.com'],
        ['window.deleted', nightly.id, 'manager@example.com'],
        ['window.created', again.id, 'manager@example.com'],
      ]);
      expect(events[1]?.after).toMatchObject({ name: 'nightly', reason: 'database maintenance' });
      expect((await verifyAuditChain(deps(), w.manager)).ok).toBe(true);
    });

    it('does not delete a freeze in force unless forced, and records the occurrence it cut short', async () => {
      const w = await world();
      const freeze = await w.window();
      const { audit } = await w.footprint();
      const refused = await failure(deleteWindow(deps(), w.manager, 'year-end'));
      expect(refused.code).toBe('conflict');
      expect(refused.message).toMatch(
        /^freeze 'year-end' is in force until 2027-01-04T00:00:00.000Z .*--force/,
      );
      expect((await w.footprint()).audit).toBe(audit);
      await deleteWindow(deps(), w.manager, 'year-end', { force: true });
      const [event] = (await readAuditLog(deps(), w.manager, {})).filter(
        (e) => e.action === 'window.deleted',
      );
      expect(event).toMatchObject({
        entityId: freeze.id,
        after: {
          forced: true,
          inForce: { start: Date.parse(yearEnd.start), end: Date.parse(yearEnd.end) },
        },
      });
    });

    it('refuses an unknown environment and a bad rule naming the field, writing nothing', async () => {
      const w = await world();
      const { audit } = await w.footprint();
      const env = await failure(w.window({ environments: ['prod', 'qa'] }));
      expect(env.message).toBe("environments: 'qa' does not exist; use one of: prod, staging");
      const rule = await failure(
        w.window({
          start: undefined,
          end: undefined,
          rrule: 'FREQ=WEEKLY;BYDAY=FR;X=1',
          startTime: '18:00',
          duration: 60,
          timeZone: 'UTC',
        }),
      );
      expect(rule.details.field).toBe('rrule');
      expect(rule.message).toContain("Unknown RRULE property 'X'");
      expect((await w.footprint()).audit).toBe(audit);
    });

    it('grants an override with who and why, audited on the CR, and refuses the requester, a maintenance window and a second grant', async () => {
      const w = await world();
      await w.window();
      await w.window({ name: 'patching', kind: 'maintenance' });
      const cr = await createChangeRequest(deps(), w.requester, { ...validChange, environment: 'prod' });

      const own = await failure(
        grantWindowOverride(deps(), { ...w.manager, name: 'dana@example.com' }, 'year-end', {
          changeRequestId: cr.number,
          reason: 'mine',
        }),
      );
      expect(own).toMatchObject({ code: 'separation_of_duties' });
      expect(own.message).toMatch(/dana@example.com requested CHG\d+ and cannot grant it an override/);
      const maintenance = await failure(
        grantWindowOverride(deps(), w.manager, 'patching', { changeRequestId: cr.number, reason: 'x' }),
      );
      expect(maintenance.message).toMatch(/maintenance windows do not block/);
      expect(
        (
          await failure(
            grantWindowOverride(deps(), w.manager, 'nope', { changeRequestId: cr.number, reason: 'x' }),
          )
        ).code,
      ).toBe('not_found');

      const granted = await grantWindowOverride(deps(), w.manager, 'year-end', {
        changeRequestId: cr.number,
        reason: 'card-scheme mandate due 31 December',
      });
      expect(granted).toMatchObject({
        windowName: 'year-end',
        changeRequestNumber: cr.number,
        grantedBy: 'manager@example.com',
        reason: 'card-scheme mandate due 31 December',
      });
      const again = await failure(
        grantWindowOverride(deps(), w.manager, 'year-end', { changeRequestId: cr.number, reason: 'again' }),
      );
      expect(again.code).toBe('conflict');
      expect(again.message).toMatch(
        /already has an override for freeze 'year-end' \(granted by manager@example.com/,
      );

      const events = await readAuditLog(deps(), w.manager, { changeRequest: cr.number });
      expect(events.at(-1)).toMatchObject({
        action: 'window.override_granted',
        actor: 'manager@example.com',
        after: { number: cr.number, window: 'year-end', reason: 'card-scheme mandate due 31 December' },
      });
      expect((await getChangeRequest(deps(), w.pipeline, cr.number)).windows.overrides).toHaveLength(1);
      expect(
        (await getWindow(deps(), w.pipeline, 'year-end')).overrides.map((o) => o.changeRequestNumber),
      ).toEqual([cr.number]);
    });
  });

  describe('deployments', () => {
    it('refuses a deployment during a freeze, naming the window, its occurrence and reason, and writes nothing', async () => {
      const w = await world();
      await w.ship('svc-api', '1.0.0');
      await w.window({ environments: ['prod'] });
      const before = await w.footprint();
      const e = await failure(w.begin({ pipelineRunId: 'cd-1' }));
      expect(e.code).toBe('conflict');
      expect(e.message).toBe(
        "deploying svc-api to prod now is blocked by freeze 'year-end' (2026-12-20T00:00:00.000Z – 2027-01-04T00:00:00.000Z): year-end trading. " +
          'Wait for the freeze to end, deploy as an emergency change (--emergency), or have a change manager grant an approved change request an override ' +
          '(changegate window override year-end --change-request CHG… --reason "…") and deploy with --change-request-id CHG…',
      );
      expect(e.details.windows).toEqual([
        {
          name: 'year-end',
          kind: 'freeze',
          start: '2026-12-20T00:00:00.000Z',
          end: '2027-01-04T00:00:00.000Z',
          reason: 'year-end trading',
        },
      ]);
      // No run, lock, label, CR or audit event: the refused begin left nothing behind.
      expect(await w.footprint()).toEqual(before);

      setClock('2027-01-04T00:00:00Z');
      expect((await w.begin({ pipelineRunId: 'cd-2' })).run.phase).toBe('implementing');
    });

    it('lets an emergency deployment through and notes on its CR that it went ahead during the freeze', async () => {
      const w = await world();
      await w.ship('svc-api', '1.0.0');
      await w.window();
      const view = await w.begin({ emergency: true, pipelineRunId: 'cd-7' });
      expect(view.run).toMatchObject({ flow: 'emergency', phase: 'implementing' });
      const detail = await getChangeRequest(deps(), w.pipeline, view.changeRequest.number);
      expect(detail.comments.map((c) => c.body)).toContainEqual(
        "Went ahead during freeze 'year-end' (2026-12-20T00:00:00.000Z – 2027-01-04T00:00:00.000Z): year-end trading — as an emergency change (pipeline run cd-7)",
      );
      const bypass = (
        await readAuditLog(deps(), w.manager, { changeRequest: view.changeRequest.number })
      ).find((e) => e.action === 'change_request.freeze_bypassed');
      expect(bypass?.after).toMatchObject({ window: 'year-end', basis: 'emergency', entering: 'implement' });
    });

    it('lets an approved CR with an override through the freeze, and notes the override', async () => {
      const w = await world();
      await w.ship('svc-api', '1.0.0');
      await w.window();
      const cr = await createChangeRequest(deps(), w.requester, { ...validChange, environment: 'prod' });
      await requestApproval(deps(), w.requester, cr.number);
      await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok');
      const blocked = await failure(w.begin({ changeRequestId: cr.number }));
      expect(blocked.message).toContain(`changegate window override year-end --change-request ${cr.number}`);
      await grantWindowOverride(deps(), w.manager, 'year-end', {
        changeRequestId: cr.number,
        reason: 'fix for the payment outage',
      });
      const view = await w.begin({ changeRequestId: cr.number, pipelineRunId: 'cd-9' });
      expect(view.run).toMatchObject({ flow: 'manual', phase: 'implementing' });
      const detail = await getChangeRequest(deps(), w.pipeline, cr.number);
      expect(detail.comments.at(-1)?.body).toMatch(
        /^Went ahead during freeze 'year-end' .* under the override granted by manager@example.com: fix for the payment outage \(pipeline run cd-9\)$/,
      );
      expect(await w.actions(cr.number)).toEqual(
        expect.arrayContaining(['window.override_granted', 'change_request.freeze_bypassed']),
      );
    });

    it('is not blocked by a freeze on other components or another environment, but by one on its own component', async () => {
      const w = await world();
      await w.ship('svc-api', '1.0.0');
      await w.window({ name: 'other-component', components: ['svc-billing'] });
      await w.window({ name: 'staging-only', environments: ['staging'] });
      const ok = await w.begin();
      expect(ok.run.phase).toBe('implementing');
      expect(ok.changeRequest.state).toBe('implement');

      const v = await world();
      await v.ship('svc-api', '1.0.0');
      await v.ship('svc-web', '1.0.0');
      await v.window({ name: 'api-freeze', components: ['svc-api', 'svc-db'] });
      const e = await failure(v.begin());
      expect(e.message).toMatch(/^deploying svc-api, svc-web to prod now is blocked by freeze 'api-freeze'/);
    });

    it('stops a run that waited for approval at the gate when a freeze has started meanwhile', async () => {
      const w = await world();
      setClock('2026-12-18T10:00:00Z');
      await w.ship('svc-api', '1.0.0', 'failure');
      const waiting = await w.begin();
      expect(waiting.run.phase).toBe('awaiting_approval');
      await w.window();
      setClock('2026-12-21T10:00:00Z');
      await decideChangeApproval(deps(), w.approver, waiting.changeRequest.number, 'approved', 'ok');
      const e = await failure(awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 }));
      expect(e.message).toMatch(
        new RegExp(`^deploying ${waiting.changeRequest.number} to prod now is blocked by freeze 'year-end'`),
      );
      expect((await getDeployment(deps(), w.pipeline, waiting.run.id)).run.phase).toBe('awaiting_approval');
    });
  });

  describe('change requests', () => {
    const plannedInFreeze = {
      ...validChange,
      environment: 'prod',
      plannedStart: '2026-12-22T22:00:00Z',
      plannedEnd: '2026-12-22T23:00:00Z',
    };

    it('judges a CR that names its components only by freezes on those components (or on all)', async () => {
      const w = await world();
      await w.window({ environments: ['prod'], components: ['web'] });
      // No component registry in this tenant, so any names are accepted on the CR.
      const api = await createChangeRequest(deps(), w.requester, { ...plannedInFreeze, components: ['api'] });
      await requestApproval(deps(), w.requester, api.number);
      expect((await decideChangeApproval(deps(), w.approver, api.number, 'approved', 'ok')).state).toBe(
        'scheduled',
      );
      const web = await createChangeRequest(deps(), w.requester, { ...plannedInFreeze, components: ['web'] });
      await requestApproval(deps(), w.requester, web.number);
      expect(
        (await failure(decideChangeApproval(deps(), w.approver, web.number, 'approved', 'ok'))).code,
      ).toBe('conflict');
      // A CR naming no components touches all of them.
      const unnamed = await createChangeRequest(deps(), w.requester, plannedInFreeze);
      await requestApproval(deps(), w.requester, unnamed.number);
      expect(
        (await failure(decideChangeApproval(deps(), w.approver, unnamed.number, 'approved', 'ok'))).code,
      ).toBe('conflict');
    });

    it('refuses to schedule a CR planned inside a freeze until it is overridden, then notes the override', async () => {
      const w = await world();
      await w.window({ environments: ['prod'] });
      const cr = await createChangeRequest(deps(), w.requester, plannedInFreeze);
      await requestApproval(deps(), w.requester, cr.number);
      const e = await failure(decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok'));
      expect(e.code).toBe('conflict');
      expect(e.message).toBe(
        `${cr.number}'s plan (2026-12-22T22:00:00.000Z – 2026-12-22T23:00:00.000Z) is blocked by freeze 'year-end' (2026-12-20T00:00:00.000Z – 2027-01-04T00:00:00.000Z): year-end trading. ` +
          `Re-plan ${cr.number} outside it, or have a change manager grant an override: changegate window override year-end --change-request ${cr.number} --reason "…"`,
      );
      expect((await getChangeRequest(deps(), w.pipeline, cr.number)).changeRequest).toMatchObject({
        state: 'authorize',
        approval: 'requested',
      });
      expect((await getChangeRequest(deps(), w.pipeline, cr.number)).windows.windows).toMatchObject([
        { window: { name: 'year-end' }, overridden: false },
      ]);

      await grantWindowOverride(deps(), w.manager, 'year-end', {
        changeRequestId: cr.number,
        reason: 'regulator deadline',
      });
      const approved = await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok');
      expect(approved.state).toBe('scheduled');
      setClock('2026-12-22T22:00:00Z');
      expect((await transitionChangeRequest(deps(), w.manager, cr.number, 'implement')).state).toBe(
        'implement',
      );
      const detail = await getChangeRequest(deps(), w.pipeline, cr.number);
      expect(detail.comments.map((c) => c.body.split(' (')[0])).toEqual([
        "Scheduled inside freeze 'year-end'",
        "Went ahead during freeze 'year-end'",
      ]);
      expect(detail.windows.windows).toMatchObject([{ window: { name: 'year-end' }, overridden: true }]);
    });

    it('refuses to start implementing by hand during a freeze, even with a plan outside it', async () => {
      const w = await world();
      await w.window();
      const cr = await createChangeRequest(deps(), w.requester, {
        ...plannedInFreeze,
        plannedStart: '2027-01-10T22:00:00Z',
        plannedEnd: '2027-01-10T23:00:00Z',
      });
      await requestApproval(deps(), w.requester, cr.number);
      expect((await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok')).state).toBe(
        'scheduled',
      );
      const e = await failure(transitionChangeRequest(deps(), w.manager, cr.number, 'implement'));
      expect(e.message).toMatch(new RegExp(`^implementing ${cr.number} now is blocked by freeze 'year-end'`));
    });

    it('lets an emergency CR be scheduled and implemented inside a freeze, with a note each time', async () => {
      const w = await world();
      await w.window();
      const cr = await createChangeRequest(deps(), w.requester, { ...plannedInFreeze, type: 'emergency' });
      await requestApproval(deps(), w.requester, cr.number);
      expect((await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok')).state).toBe(
        'scheduled',
      );
      expect((await transitionChangeRequest(deps(), w.manager, cr.number, 'implement')).state).toBe(
        'implement',
      );
      const notes = (await getChangeRequest(deps(), w.pipeline, cr.number)).comments.map((c) => c.body);
      expect(notes).toHaveLength(2);
      for (const note of notes) expect(note).toMatch(/freeze 'year-end' .* — as an emergency change$/);
    });

    it('never blocks for a maintenance window, and shows the CR’s plan inside it', async () => {
      const w = await world();
      await w.window({ name: 'patching', kind: 'maintenance', reason: 'OS patching' });
      const cr = await createChangeRequest(deps(), w.requester, plannedInFreeze);
      await requestApproval(deps(), w.requester, cr.number);
      expect((await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok')).state).toBe(
        'scheduled',
      );
      const detail = await getChangeRequest(deps(), w.pipeline, cr.number);
      expect(detail.windows.windows.map((h) => [h.window.name, h.window.kind, h.overridden])).toEqual([
        ['patching', 'maintenance', false],
      ]);
      expect(detail.comments).toEqual([]);
    });
  });
});
