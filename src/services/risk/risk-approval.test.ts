import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { createComponent } from '../catalog/component-service.js';
import { createGroup } from '../catalog/group-service.js';
import {
  closeChangeRequest,
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
  updateChangeRequestFields,
} from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { createTemplate } from '../templates/template-service.js';
import { createWindow } from '../windows/window-service.js';
import { assessChangeRisk } from './assess-change-risk.js';

/** How the assessed risk holds approvals to account: templates' maximum, reassessment, re-planning. */
describe.each(dialects)('assessed risk and approvals on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let clock = Date.parse('2026-11-01T09:00:00Z');
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'riskapproval', {}, { now: () => (clock += 1000) });
  });
  afterAll(() => t?.close());
  const deps = () => t.app.deps;

  async function tenant(risk: Record<string, unknown> = {}) {
    const admin = await actorIn(t.app, `ra${++tenants}`, 'admin@example.com', 'admin');
    await applyTenantConfig(deps(), admin, {
      document: {
        environments: [
          { name: 'prod', purpose: 'production' },
          { name: 'staging', purpose: 'pre_prod' },
        ],
        risk,
      },
    });
    await createGroup(deps(), admin, { name: 'team', members: ['dev@example.com'] });
    await createComponent(deps(), admin, { name: 'payments', ownerGroup: 'team', criticality: 'tier2' });
    await createComponent(deps(), admin, { name: 'web', ownerGroup: 'team', criticality: 'tier4' });
    await createTemplate(deps(), admin, {
      name: 'flag-flip',
      title: 'Flag flip',
      maxRisk: 'low',
      fields: { priority: 'low', customerImpact: 'low', deploymentImpact: 'small', risk: 'low' },
    });
    const approver: Actor = { ...admin, name: 'approver@example.com', role: 'approver' };
    return { admin, approver };
  }

  it('holds a template to its maximum for the assessed risk, at creation and after an edit', async () => {
    const { admin } = await tenant();
    const fromTemplate = (fields: Record<string, unknown>) =>
      createChangeRequest(deps(), admin, { template: 'flag-flip', assignee: 'dev@example.com', ...fields });
    // Declared low, but a tier2 component in production is assessed moderate.
    const refused = await failure(fromTemplate({ environment: 'prod', components: ['payments'] }));
    expect(refused.message).toContain(
      "risk 'moderate' is above the template's maximum 'low' (assessed by the risk model; declared 'low'",
    );
    const cr = await fromTemplate({ environment: 'staging', components: ['web'] });
    expect(cr).toMatchObject({ approval: 'approved', state: 'scheduled', type: 'standard' });
    expect(cr.riskAssessment?.level).toBe('low');

    // A critical customer impact is assessed moderate: the template no longer covers it.
    const edited = await updateChangeRequestFields(deps(), admin, cr.number, { customerImpact: 'critical' });
    expect(edited.riskAssessment?.level).toBe('moderate');
    expect(edited).toMatchObject({ approval: 'not_requested', state: 'assess', type: 'normal' });
  });

  it('withdraws a held approval when a reassessment raises the risk', async () => {
    const { admin, approver } = await tenant({ history: { minChanges: 2 } });
    const payments = { ...validChange, environment: 'prod', components: ['payments'], risk: 'low' };
    const cr = await createChangeRequest(deps(), admin, payments);
    expect(cr.riskAssessment?.level).toBe('moderate');
    await requestApproval(deps(), admin, cr.number);
    expect((await decideChangeApproval(deps(), approver, cr.number, 'approved', 'ok')).state).toBe(
      'scheduled',
    );
    // Two similar changes fail meanwhile.
    for (let i = 0; i < 2; i++) {
      const failed = await createChangeRequest(deps(), admin, { ...payments, type: 'emergency' });
      await requestApproval(deps(), admin, failed.number);
      await transitionChangeRequest(deps(), admin, failed.number, 'implement');
      await transitionChangeRequest(deps(), admin, failed.number, 'review');
      await closeChangeRequest(deps(), admin, failed.number, 'unsuccessful', undefined);
    }
    const { changeRequest, changed } = await assessChangeRisk(deps(), admin, cr.number);
    expect(changed).toBe(true);
    expect(changeRequest.riskAssessment?.level).toBe('high');
    expect(changeRequest).toMatchObject({ approval: 'not_requested', state: 'assess' });
    // The same result again changes nothing.
    expect((await assessChangeRisk(deps(), admin, cr.number)).changed).toBe(false);
  });

  it('refuses to re-plan a template’s scheduled CR into a freeze, and changes nothing', async () => {
    const { admin } = await tenant();
    const manager: Actor = { ...admin, name: 'manager@example.com', role: 'change_manager' };
    await createWindow(deps(), manager, {
      name: 'year-end',
      kind: 'freeze',
      start: '2026-12-20T00:00:00Z',
      end: '2027-01-04T00:00:00Z',
      reason: 'year-end trading',
    });
    const cr = await createChangeRequest(deps(), admin, {
      template: 'flag-flip',
      assignee: 'dev@example.com',
      environment: 'staging',
      components: ['web'],
      plannedStart: '2026-12-01T10:00:00Z',
      plannedEnd: '2026-12-01T11:00:00Z',
    });
    expect(cr.state).toBe('scheduled');
    const refused = await failure(
      updateChangeRequestFields(deps(), admin, cr.number, {
        plannedStart: '2026-12-22T10:00:00Z',
        plannedEnd: '2026-12-22T11:00:00Z',
      }),
    );
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain("freeze 'year-end'");
    const after = (await getChangeRequest(deps(), admin, cr.number)).changeRequest;
    expect(after.plannedStart).toBe(cr.plannedStart);
    expect(after.approval).toBe('approved');
  });
});
