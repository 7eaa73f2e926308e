import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../test/support/actors.js';
import { dialects, testApp } from '../../test/support/dialects.js';
import type { App } from '../app.js';
import { seedDemoHistory } from '../cli/demo/seed-history.js';
import type { ChangeCounts } from '../domain/maturity/maturity-facts.js';
import type { Actor } from '../services/context.js';
import { aggregateChangeRequests } from './maturity-facts.js';
import type { ChangeRequestsTable } from './schema.js';

/**
 * The change aggregate reads migration 0018's generated maturity_profile; this oracle counts the same
 * facts from the plain columns, row by row, as the assessment defined them before the profile existed.
 */
function naive(rows: ChangeRequestsTable[]): ChangeCounts {
  const count = (when: (r: ChangeRequestsTable) => boolean) => rows.filter(when).length;
  const prod = (r: ChangeRequestsTable) => r.target_environment_purpose === 'production';
  const implemented = (r: ChangeRequestsTable) => ['implement', 'review', 'closed'].includes(r.state);
  const risk = (r: ChangeRequestsTable) => r.risk !== null || r.risk_assessed === 1;
  return {
    total: rows.length,
    production: count(prod),
    implemented: count(implemented),
    implementedApproved: count((r) => implemented(r) && r.approval === 'approved'),
    withRisk: count(risk),
    productionWithRisk: count((r) => prod(r) && risk(r)),
    withRiskAssessment: count((r) => r.risk_assessed === 1),
    withPolicyDecision: count((r) => r.approval_route != null),
    withApprovalChain: count((r) => r.approval_route === 'chain'),
    autoApproved: count((r) => r.approval_route === 'auto'),
    fromTemplate: count((r) => r.template !== null),
    productionWithBackoutPlan: count((r) => prod(r) && r.backout_planned === 1),
    pipelineCreated: count((r) => r.pipeline_run_id !== null),
    productionPipelineCreated: count((r) => prod(r) && r.pipeline_run_id !== null),
    emergency: count((r) => r.type === 'emergency'),
    closed: count((r) => r.state === 'closed' && r.close_category !== null),
    closedSuccessful: count((r) => r.state === 'closed' && r.close_category === 'successful'),
  };
}

describe.each(dialects)('maturity change aggregate on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let app: App;
  let admin: Actor;

  const rows = async () =>
    (await app.deps.db
      .selectFrom('change_requests')
      .selectAll()
      .where('tenant_id', '=', admin.tenantId)
      .execute()) as ChangeRequestsTable[];

  beforeAll(async () => {
    t = await testApp(dialect, 'maturity-profile');
    app = t.app;
    admin = await actorIn(app, 'profile', 'admin@example.com');
    await seedDemoHistory(app.deps, admin, { changes: 1_500, incidents: 50, seed: 5, months: 3 });
  }, 120_000);
  afterAll(async () => t?.close());

  it('counts from the packed profile what a row-by-row count finds', async () => {
    const expected = naive(await rows());
    expect(expected.total).toBe(1_500);
    // The seeded history reaches every counted property, so each bit is exercised.
    for (const [key, value] of Object.entries(expected)) expect(value, key).toBeGreaterThan(0);
    expect(await aggregateChangeRequests(app.deps.db, admin.tenantId)).toEqual(expected);
  });

  it('follows every write: the database recomputes the profile when a counted column changes', async () => {
    const some = (await rows()).slice(0, 40).map((r) => r.id);
    const set = (patch: Partial<ChangeRequestsTable>, ids: string[]) =>
      app.deps.db
        .updateTable('change_requests')
        .set(patch)
        .where('tenant_id', '=', admin.tenantId)
        .where('id', 'in', ids)
        .execute();
    await set({ state: 'closed', close_category: 'unsuccessful' }, some.slice(0, 10));
    await set({ type: 'emergency', risk: null, risk_assessed: 0 }, some.slice(10, 20));
    await set({ approval_route: 'auto', backout_planned: 1, template: null }, some.slice(20, 30));
    await set({ target_environment_purpose: 'production', pipeline_run_id: null }, some.slice(30, 40));
    expect(await aggregateChangeRequests(app.deps.db, admin.tenantId)).toEqual(naive(await rows()));
  });

  it('counts nothing for a tenant without changes', async () => {
    const empty = await actorIn(app, 'profile-empty', 'admin@example.com');
    const none = await aggregateChangeRequests(app.deps.db, empty.tenantId);
    expect(Object.values(none).every((v) => v === 0)).toBe(true);
  });
});
