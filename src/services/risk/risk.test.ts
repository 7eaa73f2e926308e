import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import type { ChangeRequest } from '../../domain/change-request.js';
import { insertLink } from '../../store/change-links.js';
import { insertRun } from '../../store/deployment-runs.js';
import { readAuditLog } from '../audit/audit-queries.js';
import { createComponent } from '../catalog/component-service.js';
import { createGroup } from '../catalog/group-service.js';
import {
  closeChangeRequest,
  requestApproval,
  transitionChangeRequest,
  updateChangeRequestFields,
} from '../changes/change-request-actions.js';
import { findChangeRequests } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { createTemplate } from '../templates/template-service.js';
import { assessChangeRisk, getChangeRisk } from './assess-change-risk.js';

const day = 86_400_000;
const environments = [
  { name: 'prod', purpose: 'production' },
  { name: 'staging', purpose: 'pre_prod' },
];
const customFields = {
  type: 'object',
  properties: {
    dataClass: { enum: ['pii', 'internal', 'public'] },
    reviewers: { type: 'integer', minimum: 1, default: 1 },
  },
  required: ['dataClass'],
  additionalProperties: false,
};

describe.each(dialects)('risk assessment and custom fields on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let clock = Date.parse('2025-06-01T09:00:00Z');
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'risk', {}, { now: () => (clock += 1000) });
  });
  afterAll(() => t?.close());
  const deps = () => t.app.deps;

  async function tenant(document: Record<string, unknown> = { risk: {} }): Promise<Actor> {
    const admin = await actorIn(t.app, `risk${++tenants}`, 'admin@example.com', 'admin');
    await applyTenantConfig(deps(), admin, { document: { environments, ...document } });
    await createGroup(deps(), admin, { name: 'payments-team', members: ['pay@example.com'] });
    await createComponent(deps(), admin, {
      name: 'payments',
      ownerGroup: 'payments-team',
      criticality: 'tier2',
    });
    await createComponent(deps(), admin, { name: 'web', ownerGroup: 'payments-team', criticality: 'tier4' });
    return admin;
  }

  /** A change that went through and was closed with `category`, as the history sees it. */
  async function concluded(
    actor: Actor,
    environment: string,
    components: string[],
    category: 'successful' | 'unsuccessful',
  ): Promise<ChangeRequest> {
    const cr = await createChangeRequest(deps(), actor, {
      ...validChange,
      type: 'emergency',
      environment,
      components,
      customFields: { dataClass: 'internal' },
    });
    await requestApproval(deps(), actor, cr.number);
    await transitionChangeRequest(deps(), actor, cr.number, 'implement');
    await transitionChangeRequest(deps(), actor, cr.number, 'review');
    return closeChangeRequest(deps(), actor, cr.number, category, undefined);
  }

  const payments = {
    ...validChange,
    environment: 'prod',
    components: ['payments'],
    customFields: { dataClass: 'pii' },
  };
  const history = (cr: ChangeRequest) => cr.riskAssessment?.factors.find((f) => f.factor === 'history');

  it('leaves CRs unassessed when the tenant has no risk model, and accepts any custom fields without a schema', async () => {
    const admin = await tenant({});
    const cr = await createChangeRequest(deps(), admin, { ...payments, customFields: { anything: [1, 2] } });
    expect(cr.riskAssessment).toBeNull();
    expect(cr.customFields).toEqual({ anything: [1, 2] });
    await failure(assessChangeRisk(deps(), admin, cr.number)).then((e) =>
      expect(e.message).toContain('this tenant has no risk model'),
    );
  });

  it('assesses a new CR from its fields and the criticality of its components', async () => {
    const admin = await tenant();
    const cr = await createChangeRequest(deps(), admin, {
      ...payments,
      customerImpact: 'moderate',
      deploymentImpact: 'large',
    });
    expect(cr.riskAssessment).toMatchObject({ level: 'high', impact: 3, likelihood: 3, score: 66 });
    expect(cr.riskAssessment?.factors.find((f) => f.factor === 'criticality')).toMatchObject({
      value: 'tier2 (payments)',
      points: 3,
    });
    expect(history(cr)).toMatchObject({ value: '0 of 0 failed', points: 0 });
    const risk = await getChangeRisk(deps(), admin, cr.number);
    expect(risk.riskAssessment).toEqual(cr.riskAssessment);
  });

  it('raises the risk by unsuccessful changes to the same component and environment within the window only', async () => {
    const admin = await tenant();
    // Outside the window: three failures long ago.
    for (let i = 0; i < 3; i++) await concluded(admin, 'prod', ['payments'], 'unsuccessful');
    clock += 120 * day;
    const quiet = await createChangeRequest(deps(), admin, payments);
    expect(history(quiet)).toMatchObject({ value: '0 of 0 failed', points: 0 });
    // Inside it: 2 of 3 failed in prod; failures elsewhere (staging, another component) do not count.
    const failed = await concluded(admin, 'prod', ['payments', 'web'], 'unsuccessful');
    await concluded(admin, 'prod', ['payments'], 'unsuccessful');
    await concluded(admin, 'prod', ['payments'], 'successful');
    for (let i = 0; i < 3; i++) await concluded(admin, 'staging', ['payments'], 'unsuccessful');
    await concluded(admin, 'prod', ['web'], 'unsuccessful');

    const raised = await createChangeRequest(deps(), admin, payments);
    expect(history(raised)).toMatchObject({ value: '2 of 3 failed', points: 2 });
    expect(history(raised)?.explanation).toContain(`${failed.number} closed unsuccessful`);
    expect(raised.riskAssessment?.likelihood).toBe((quiet.riskAssessment?.likelihood ?? 0) + 2);
    const staging = await createChangeRequest(deps(), admin, { ...payments, environment: 'staging' });
    expect(history(staging)).toMatchObject({ value: '3 of 3 failed', points: 2 });
  });

  it('counts rollbacks and linked incidents as failures, and says nothing below minChanges', async () => {
    const admin = await tenant({ risk: { history: { minChanges: 2 } } });
    const incident = await concluded(admin, 'prod', ['payments'], 'successful');
    const rolledBack = await concluded(admin, 'prod', ['payments'], 'successful');
    const first = await createChangeRequest(deps(), admin, payments);
    expect(history(first)).toMatchObject({ value: '0 of 2 failed', points: 0 });
    await insertLink(deps().db, admin.tenantId, {
      id: deps().newId(),
      changeRequestId: incident.id,
      kind: 'incident',
      target: 'INC0000001',
      createdBy: admin.name,
      createdAt: deps().now(),
    });
    await insertRun(deps().db, admin.tenantId, {
      id: deps().newId(),
      pipelineRunId: 'ci-1',
      environment: 'prod',
      region: 'default',
      flow: 'manual',
      phase: 'finished',
      status: 'failed_deployment_successful_rollback',
      changeRequestId: rolledBack.id,
      createdChangeRequest: false,
      promotionId: null,
      targetRevisionId: 'rev',
      baseRevisionId: null,
      delta: [],
      readiness: {},
      stages: [],
      options: {
        emergency: false,
        forceRedeploy: false,
        outageMinutes: 0,
        suppliedChangeRequest: rolledBack.number,
        source: 'master',
        autoApproval: null,
      },
      createdBy: admin.name,
      startedAt: deps().now(),
      updatedAt: deps().now(),
      finishedAt: deps().now(),
    });
    const reassessed = await assessChangeRisk(deps(), admin, first.number);
    expect(reassessed.changed).toBe(true);
    expect(history(reassessed.changeRequest)).toMatchObject({ value: '2 of 2 failed', points: 2 });
    expect(history(reassessed.changeRequest)?.explanation).toContain(
      `${incident.number} incident INC0000001`,
    );
    expect(history(reassessed.changeRequest)?.explanation).toContain(
      `${rolledBack.number} deployment rolled back`,
    );

    const few = await tenant({ risk: { history: { minChanges: 5 } } });
    await concluded(few, 'prod', ['payments'], 'unsuccessful');
    const cr = await createChangeRequest(deps(), few, payments);
    expect(history(cr)).toMatchObject({ value: '1 of 1 failed', points: 0 });
  });

  it('recomputes on an edit of its inputs, audited with the update; other edits and same results change nothing', async () => {
    const admin = await tenant();
    const cr = await createChangeRequest(deps(), admin, payments);
    expect(cr.riskAssessment?.level).toBe('moderate');
    const retitled = await updateChangeRequestFields(deps(), admin, cr.number, { title: 'Renamed' });
    expect(retitled.riskAssessment).toEqual(cr.riskAssessment);
    const bigger = await updateChangeRequestFields(deps(), admin, cr.number, {
      customerImpact: 'critical',
      outageMinutes: 30,
    });
    expect(bigger.riskAssessment).toMatchObject({ level: 'high', impact: 4, likelihood: 2 });
    const events = await readAuditLog(deps(), admin, { changeRequest: cr.number });
    const update = events.filter((e) => e.action === 'change_request.updated').at(-1);
    expect(update?.after).toMatchObject({ riskAssessment: { level: 'high', impact: 4 } });
    expect(update?.before).toMatchObject({ riskAssessment: { level: 'moderate' } });

    const again = await assessChangeRisk(deps(), admin, cr.number);
    expect(again.changed).toBe(false);
    expect(await readAuditLog(deps(), admin, { changeRequest: cr.number })).toHaveLength(events.length);
  });

  it('validates custom fields on create, update and from templates, listing every problem; nothing is written', async () => {
    const admin = await tenant({ customFields, risk: {} });
    const bad = await failure(
      createChangeRequest(deps(), admin, {
        ...payments,
        customFields: { dataClass: 'secret', reviewers: 0 },
      }),
    );
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toBe(
      "customFields.dataClass: must be one of pii, internal, public (got 'secret'); customFields.reviewers: must be >= 1 (got 0)",
    );
    const missing = await failure(createChangeRequest(deps(), admin, { ...payments, customFields: {} }));
    expect(missing.message).toBe('customFields.dataClass: is required (one of pii, internal, public)');
    expect((await findChangeRequests(deps(), admin, {})).items).toHaveLength(0);

    const cr = await createChangeRequest(deps(), admin, payments);
    expect(cr.customFields).toEqual({ dataClass: 'pii', reviewers: 1 });
    const refused = await failure(
      updateChangeRequestFields(deps(), admin, cr.number, {
        customFields: { dataClass: 'pii', extra: true },
      }),
    );
    expect(refused.message).toBe(
      'customFields.extra: is not a custom field of this tenant; known fields: dataClass, reviewers',
    );
    const updated = await updateChangeRequestFields(deps(), admin, cr.number, {
      customFields: { dataClass: 'public', reviewers: 2 },
    });
    expect(updated.customFields).toEqual({ dataClass: 'public', reviewers: 2 });

    await createTemplate(deps(), admin, {
      name: 'flag-flip',
      title: 'Flag flip',
      maxRisk: 'moderate',
      fields: { priority: 'low', customerImpact: 'no_impact', deploymentImpact: 'small', risk: 'low' },
    });
    const fromTemplate = await failure(
      createChangeRequest(deps(), admin, {
        template: 'flag-flip',
        environment: 'staging',
        assignee: 'dev@example.com',
      }),
    );
    expect(fromTemplate.message).toContain('customFields.dataClass: is required');
    // A template's CR passes the same checks, and is assessed like any other.
    const templated = await createChangeRequest(deps(), admin, {
      template: 'flag-flip',
      environment: 'staging',
      assignee: 'dev@example.com',
      customFields: { dataClass: 'public' },
    });
    expect(templated.customFields).toEqual({ dataClass: 'public', reviewers: 1 });
    expect(templated.riskAssessment).toMatchObject({ level: 'low', impact: 1, likelihood: 1 });
  });

  it('does not require custom fields on CRs the pipeline creates, but still checks what they carry', async () => {
    const admin = await tenant({ customFields });
    const cr = await createChangeRequest(
      deps(),
      admin,
      { ...payments, customFields: {} },
      { pipelineRunId: 'ci-42' },
    );
    expect(cr.customFields).toEqual({ reviewers: 1 });
    const bad = await failure(
      createChangeRequest(
        deps(),
        admin,
        { ...payments, customFields: { dataClass: 'x' } },
        { pipelineRunId: 'ci-43' },
      ),
    );
    expect(bad.message).toContain('customFields.dataClass: must be one of pii, internal, public');
  });
});
