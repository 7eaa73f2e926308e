import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import type { App } from '../../app.js';
import { seedDemoHistory } from '../../cli/demo/seed-history.js';
import { verifyAuditChain } from '../audit/audit-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import { createWindow } from '../windows/window-service.js';
import { assessTenantMaturity } from './assess-tenant-maturity.js';

const prodConfig = {
  environments: [
    { name: 'prod', purpose: 'production', rollbackEnabled: true },
    { name: 'staging', purpose: 'pre_prod' },
  ],
};

describe.each(dialects)('maturity assessment on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let app: App;

  beforeAll(async () => {
    t = await testApp(dialect, 'maturity');
    app = t.app;
  });
  afterAll(async () => t?.close());

  it('rates an empty tenant level 1 in every dimension and says why', async () => {
    const empty = await actorIn(app, 'empty', 'manager@example.com', 'change_manager');
    const m = await assessTenantMaturity(app.deps, empty);
    expect(m.overall).toBe(1);
    expect(m.dimensions.map((d) => d.level)).toEqual([1, 1, 1, 1, 1]);
    expect(m.facts.changes.total).toBe(0);
    const steps = m.nextSteps.map((s) => s.step).join('\n');
    expect(steps).toContain('Only 0 change requests are recorded');
    expect(steps).toContain('Nothing is automated yet');
  });

  it('measures a crafted history: shares of production changes with a risk, audit coverage, rollback', async () => {
    const admin = await actorIn(app, 'crafted', 'admin@example.com');
    await applyTenantConfig(app.deps, admin, { document: prodConfig });
    // 12 changes: 8 to production (6 with a declared risk, 5 with a backout plan), 4 to staging.
    for (let i = 0; i < 12; i++) {
      const prod = i < 8;
      const cr = await createChangeRequest(app.deps, admin, {
        ...validChange,
        title: `Change ${i}`,
        environment: prod ? 'prod' : 'staging',
        ...(prod && i < 6 ? { risk: 'moderate' } : {}),
        ...(prod && i < 5 ? { backoutPlan: 'redeploy the previous revision' } : {}),
      });
      // The first 10 were implemented and closed, 7 of them approved.
      if (i < 10) {
        await app.deps.db
          .updateTable('change_requests')
          .set({
            state: 'closed',
            close_category: i === 0 ? 'unsuccessful' : 'successful',
            approval: i < 7 ? 'approved' : 'not_requested',
          })
          .where('id', '=', cr.id)
          .execute();
      }
    }
    const m = await assessTenantMaturity(app.deps, admin);
    expect(m.facts.changes).toMatchObject({
      total: 12,
      production: 8,
      productionWithRisk: 6,
      productionWithBackoutPlan: 5,
      implemented: 10,
      implementedApproved: 7,
      closed: 10,
      closedSuccessful: 9,
      pipelineCreated: 0,
    });
    expect(m.facts.environments).toEqual({ total: 2, production: 1, productionRollbackEnabled: 1 });
    expect(m.facts.audit.changeCreatedEvents).toBe(12);
    expect(m.facts.config.versions).toBe(1);

    const byDimension = Object.fromEntries(m.dimensions.map((d) => [d.dimension, d]));
    expect(byDimension.process?.level).toBe(2); // 70% approved: above 50%, below 90%
    expect(byDimension.risk?.level).toBe(2); // 75% of production changes carry a risk
    expect(byDimension.audit?.level).toBe(2); // every change audited, but 63% with a backout plan
    const risk = byDimension.risk?.next?.unmet.map((u) => u.nextStep).join('\n');
    expect(risk).toContain('0% (0 of 12) of changes carry a risk assessment; configure a risk model');
    const audit = byDimension.audit?.next?.unmet.map((u) => u.nextStep).join('\n');
    expect(audit).toContain('63% (5 of 8) of production changes document a backout plan (target 80%)');
    expect(byDimension.audit?.criteria.find((c) => c.id === 'audit.every-change-audited')?.met).toBe(true);

    // One more change with a risk and a backout plan moves the audit and risk facts, not the levels.
    await createChangeRequest(app.deps, admin, {
      ...validChange,
      environment: 'prod',
      risk: 'low',
      backoutPlan: 'roll back',
    });
    const again = await assessTenantMaturity(app.deps, admin);
    expect(again.facts.changes.productionWithRisk).toBe(7);
    expect(again.facts.changes.productionWithBackoutPlan).toBe(6);
  });

  it('lets a tenant with no emergency change reach audit level 4; an emergency without its obligation holds it at 3', async () => {
    const admin = await actorIn(app, 'calm', 'admin@example.com');
    await applyTenantConfig(app.deps, admin, {
      document: { ...prodConfig, complianceProfile: { name: 'scc-default', document: { profile: 'SOC 2' } } },
    });
    await createWindow(app.deps, admin, {
      name: 'year-end',
      kind: 'freeze',
      start: '2030-12-20T00:00:00Z',
      end: '2031-01-04T00:00:00Z',
      reason: 'year-end trading',
    });
    const prodChange = { ...validChange, environment: 'prod', backoutPlan: 'redeploy the previous revision' };
    for (let i = 0; i < 3; i++) await createChangeRequest(app.deps, admin, prodChange);
    const audit = async () => {
      const m = await assessTenantMaturity(app.deps, admin);
      return { facts: m.facts, audit: m.dimensions.find((d) => d.dimension === 'audit') };
    };

    const calm = await audit();
    expect(calm.facts.changes.emergency).toBe(0);
    expect(calm.facts.retrospective.total).toBe(0);
    expect(calm.audit?.level).toBe(4);
    expect(calm.audit?.criteria.find((c) => c.id === 'audit.retro-on-time')).toMatchObject({
      met: true,
      fact: 'no emergency changes in the data, nothing to approve retrospectively',
    });

    // An emergency change recorded by hand, with no obligation to track its retrospective approval: unmet.
    await createChangeRequest(app.deps, admin, { ...prodChange, type: 'emergency' });
    const untracked = await audit();
    expect(untracked.facts.changes.emergency).toBe(1);
    expect(untracked.audit?.level).toBe(3);
    expect(untracked.audit?.next?.unmet.map((u) => u.id)).toEqual(['audit.retro-on-time']);
  });

  it('lets questionnaire answers in the configuration meet what the data cannot show', async () => {
    const admin = await actorIn(app, 'crafted', 'admin@example.com');
    const before = await assessTenantMaturity(app.deps, admin);
    const criterion = (m: typeof before, id: string) =>
      m.dimensions.flatMap((d) => [...d.criteria, ...(d.next?.unmet ?? [])]).find((c) => c.id === id);
    expect(criterion(before, 'automation.some')?.met).toBe(false);
    await applyTenantConfig(app.deps, admin, {
      document: { ...prodConfig, maturity: { answers: { testAutomation: true, processDocumented: false } } },
    });
    const after = await assessTenantMaturity(app.deps, admin);
    expect(after.facts.answers).toEqual({ testAutomation: true, processDocumented: false });
    expect(after.dimensions.find((d) => d.dimension === 'automation')?.level).toBe(2);
    expect(after.configVersion).toBe(before.configVersion + 1);
  });

  it('seeds a consistent, audited demo history and the same history for the same seed', async () => {
    const one = await actorIn(app, 'seeded-one', 'seeder');
    const two = await actorIn(app, 'seeded-two', 'seeder');
    const options = { changes: 300, incidents: 60, seed: 11, months: 3 };
    const summary = await seedDemoHistory(app.deps, one, options);
    await seedDemoHistory(app.deps, two, options);
    expect(summary.changes).toBe(300);
    expect(summary.incidents).toBe(60);
    expect(summary.deployments).toBeGreaterThan(100);

    const db = app.deps.db;
    const count = async (table: 'change_requests' | 'approvals' | 'deployment_runs' | 'incidents') =>
      Number(
        (
          await db
            .selectFrom(table)
            .where('tenant_id', '=', one.tenantId)
            .select(db.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('change_requests')).toBe(300);
    expect(await count('approvals')).toBe(summary.approvals);
    expect(await count('deployment_runs')).toBe(summary.deployments);
    expect(await count('incidents')).toBe(60);
    // Every dependent row points at a change of its own tenant.
    for (const table of [
      'approvals',
      'deployment_runs',
      'approval_steps',
      'obligations',
      'incident_causes',
    ] as const) {
      const { rows } = await sql<{ n: string | number }>`
        select count(*) as n from ${sql.table(table)} d
        left join change_requests c on c.id = d.change_request_id and c.tenant_id = d.tenant_id
        where d.tenant_id in (${one.tenantId}, ${two.tenantId}) and c.id is null`.execute(db);
      const orphans = rows[0] as { n: string | number };
      expect(Number(orphans.n), table).toBe(0);
    }
    const report = await verifyAuditChain(app.deps, one);
    expect(report.ok).toBe(true);

    const history = async (tenantId: string) =>
      db
        .selectFrom('change_requests')
        .where('tenant_id', '=', tenantId)
        .select([
          'number',
          'type',
          'state',
          'approval',
          'environment',
          'close_category',
          'created_at',
          'risk',
        ])
        .orderBy('number')
        .execute();
    const first = await history(one.tenantId);
    expect(await history(two.tenantId)).toEqual(first);
    expect(new Set(first.map((r) => r.type))).toEqual(new Set(['standard', 'normal', 'emergency']));
    expect(first.at(-1)?.number).toBe('CHG0000300');

    const m = await assessTenantMaturity(app.deps, one);
    expect(m.facts.changes.total).toBe(300);
    expect(m.facts.incidents.total).toBe(60);
    expect(m.facts.audit.changeCreatedEvents).toBe(0);
    const audit = m.dimensions.find((d) => d.dimension === 'audit');
    expect(audit?.next?.unmet.map((u) => u.nextStep).join('\n')).toContain(
      '300 changes have no creation audit event',
    );
  });
});
