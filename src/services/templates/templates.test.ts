import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import {
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
  updateChangeRequestFields,
} from '../changes/change-request-actions.js';
import { findChangeRequests, getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import {
  checkChecklistItem,
  createChecklist,
  deleteChecklistByCategory,
  getChangeChecklist,
  listTenantChecklists,
} from '../checklists/checklist-service.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import {
  createTemplate,
  deleteTemplateByName,
  getTemplate,
  listTenantTemplates,
} from './template-service.js';

describe.each(dialects)('templates and checklists on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'templates');
  });
  afterAll(() => t?.close());

  const deps = () => t.app.deps;

  /** Each test in a tenant of its own, with prod and staging, and a template for config changes to staging. */
  async function tenant(): Promise<Actor> {
    const admin = await actorIn(t.app, `tpl${++tenants}`, 'admin@example.com', 'admin');
    await applyTenantConfig(deps(), admin, {
      document: {
        environments: [
          { name: 'prod', purpose: 'production' },
          { name: 'staging', purpose: 'pre_prod' },
        ],
      },
    });
    await createTemplate(deps(), admin, {
      name: 'config-tweak',
      title: 'Config tweak on {environment}',
      fields: {
        priority: 'low',
        customerImpact: 'no_impact',
        deploymentImpact: 'small',
        description: 'Change a feature flag',
        backoutPlan: 'Flip it back',
        risk: 'low',
      },
      environments: ['staging'],
      components: ['flags'],
      maxRisk: 'moderate',
    });
    return admin;
  }
  const requester = (admin: Actor): Actor => ({ ...admin, name: 'dev@example.com', role: 'requester' });
  const events = async (actor: Actor, prefix: string) =>
    (await readAuditLog(deps(), actor, {})).filter((e) => e.action.startsWith(prefix));

  it('creates a CR from a template inside its scope already approved and scheduled, without a human', async () => {
    const admin = await tenant();
    const dev = requester(admin);
    const cr = await createChangeRequest(deps(), dev, {
      template: 'config-tweak',
      environment: 'staging',
      components: ['flags'],
      assignee: 'dev@example.com',
    });
    expect(cr).toMatchObject({
      type: 'standard',
      state: 'scheduled',
      approval: 'approved',
      template: 'config-tweak',
      title: 'Config tweak on staging',
      priority: 'low',
      customerImpact: 'no_impact',
      backoutPlan: 'Flip it back',
      risk: 'low',
    });
    const detail = await getChangeRequest(deps(), dev, cr.number);
    expect(detail.approvals).toHaveLength(1);
    expect(detail.approvals[0]).toMatchObject({
      approver: 'changegate:template:config-tweak',
      decision: 'approved',
    });
    expect(detail.approvals[0]?.comment).toMatch(/Pre-approved by standard change template 'config-tweak'/);
    expect(detail.comments[0]?.body).toMatch(/environment staging is within \[staging\]/);
    const audit = (await readAuditLog(deps(), admin, { changeRequest: cr.number })).map((e) => e.action);
    expect(audit).toEqual(['change_request.created', 'change_request.approved']);
    // Standard changes go on to implement without anyone approving.
    const implemented = await transitionChangeRequest(deps(), admin, cr.number, 'implement');
    expect(implemented.state).toBe('implement');
    expect((await verifyAuditChain(deps(), admin)).ok).toBe(true);
  });

  it('lets explicit fields override the presets', async () => {
    const admin = await tenant();
    const cr = await createChangeRequest(deps(), requester(admin), {
      template: 'config-tweak',
      environment: 'staging',
      components: ['flags'],
      assignee: 'dev@example.com',
      title: 'Turn on new checkout',
      priority: 'high',
      risk: 'moderate',
      description: 'Enable checkout-v2',
    });
    expect(cr).toMatchObject({
      title: 'Turn on new checkout',
      priority: 'high',
      risk: 'moderate',
      description: 'Enable checkout-v2',
      backoutPlan: 'Flip it back',
      approval: 'approved',
    });
  });

  it('refuses a CR outside the scope with the reasons and writes nothing', async () => {
    const admin = await tenant();
    const dev = requester(admin);
    const before = (await readAuditLog(deps(), admin, {})).length;
    const error = await failure(
      createChangeRequest(deps(), dev, {
        template: 'config-tweak',
        environment: 'prod',
        components: ['flags', 'payments'],
        assignee: 'dev@example.com',
        risk: 'high',
      }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain("environment 'prod' is outside its scope; the template allows staging");
    expect(error.message).toContain("component 'payments' is outside its scope; the template allows flags");
    expect(error.message).toContain("risk 'high' is above the template's maximum 'moderate'");
    expect(error.details).toMatchObject({ field: 'template', template: 'config-tweak' });
    expect((await findChangeRequests(deps(), admin, {})).items).toHaveLength(0);
    expect((await readAuditLog(deps(), admin, {})).length).toBe(before);
    // An unknown template names the ones there are.
    const unknown = await failure(
      createChangeRequest(deps(), dev, { ...validChange, template: 'nope', environment: 'staging' }),
    );
    expect(unknown.message).toBe("template: 'nope' does not exist; use one of: config-tweak");
    // A template CR is always standard.
    expect(
      (
        await failure(
          createChangeRequest(deps(), dev, { ...validChange, template: 'config-tweak', type: 'normal' }),
        )
      ).details.field,
    ).toBe('type');
  });

  it('keeps the approval for edits inside the scope and withdraws it when an edit leaves the scope', async () => {
    const admin = await tenant();
    const dev = requester(admin);
    const cr = await createChangeRequest(deps(), dev, {
      template: 'config-tweak',
      environment: 'staging',
      components: ['flags'],
      assignee: 'dev@example.com',
    });
    const inside = await updateChangeRequestFields(deps(), dev, cr.number, {
      risk: 'moderate',
      description: 'Another flag',
    });
    expect(inside).toMatchObject({ state: 'scheduled', approval: 'approved', type: 'standard' });
    const outside = await updateChangeRequestFields(deps(), dev, cr.number, { environment: 'prod' });
    expect(outside).toMatchObject({ state: 'assess', approval: 'not_requested', type: 'normal' });
    const [, edit] = await events(admin, 'change_request.updated');
    expect(edit?.after).toMatchObject({
      templateScope: ["environment 'prod' is outside its scope; the template allows staging"],
    });
    // From here it is a normal change: a human approves it.
    await requestApproval(deps(), dev, cr.number);
    const approved = await decideChangeApproval(deps(), admin, cr.number, 'approved', 'fine');
    expect(approved.approval).toBe('approved');
  });

  it('audits template create and delete, and keeps templates per tenant', async () => {
    const admin = await tenant();
    const other = await actorIn(t.app, `tpl-other${tenants}`, 'admin@example.com', 'admin');
    expect((await listTenantTemplates(deps(), admin)).map((x) => x.name)).toEqual(['config-tweak']);
    expect(await listTenantTemplates(deps(), other)).toEqual([]);
    expect((await failure(getTemplate(deps(), other, 'config-tweak'))).code).toBe('not_found');
    expect(
      (await failure(createTemplate(deps(), admin, { name: 'config-tweak', title: 'x', maxRisk: 'low' })))
        .code,
    ).toBe('conflict');
    const preset = await failure(
      createTemplate(deps(), admin, {
        name: 'too-risky',
        title: 'x',
        maxRisk: 'low',
        fields: { risk: 'high' },
      }),
    );
    expect(preset.message).toMatch(/above the template's maxRisk 'low'/);
    await deleteTemplateByName(deps(), admin, 'config-tweak');
    expect((await events(admin, 'template.')).map((e) => e.action)).toEqual([
      'template.created',
      'template.deleted',
    ]);
  });

  it('keeps a CR with open checklist items out of implement, and lets it in once they are completed', async () => {
    const admin = await tenant();
    const dev = requester(admin);
    await createChecklist(deps(), admin, {
      category: 'database-schema',
      items: ['rollback-tested', 'backup-verified'],
      description: 'Schema migrations',
    });
    const cr = await createChangeRequest(deps(), dev, {
      ...validChange,
      environment: 'prod',
      category: 'database-schema',
    });
    await requestApproval(deps(), dev, cr.number);
    await decideChangeApproval(deps(), admin, cr.number, 'approved', 'ok');
    const refused = await failure(transitionChangeRequest(deps(), admin, cr.number, 'implement'));
    expect(refused.code).toBe('illegal_transition');
    expect(refused.message).toBe(
      `${cr.number} cannot enter implement: its database-schema checklist has 2 open items: backup-verified, rollback-tested. Complete each with: changegate cr check ${cr.number} backup-verified --note "…"; changegate cr check ${cr.number} rollback-tested --note "…"`,
    );
    expect((await getChangeRequest(deps(), dev, cr.number)).changeRequest.state).toBe('scheduled');

    const after = await checkChecklistItem(deps(), dev, cr.number, 'backup-verified', 'snapshot 42 restored');
    expect(after.checklist?.open).toEqual(['rollback-tested']);
    expect(after.checklist?.items[0]).toMatchObject({
      item: 'backup-verified',
      done: true,
      note: 'snapshot 42 restored',
      checkedBy: 'dev@example.com',
    });
    expect(
      (await failure(checkChecklistItem(deps(), dev, cr.number, 'backup-verified', undefined))).code,
    ).toBe('conflict');
    expect((await failure(checkChecklistItem(deps(), dev, cr.number, 'coffee', undefined))).message).toBe(
      "item: 'coffee' is not on the database-schema checklist; its items are: backup-verified, rollback-tested",
    );
    const oneOpen = await failure(transitionChangeRequest(deps(), admin, cr.number, 'implement'));
    expect(oneOpen.details).toMatchObject({ open: ['rollback-tested'] });
    await checkChecklistItem(deps(), dev, cr.number, 'rollback-tested', undefined);
    expect((await transitionChangeRequest(deps(), admin, cr.number, 'implement')).state).toBe('implement');

    const detail = await getChangeRequest(deps(), dev, cr.number);
    expect(detail.checklist).toMatchObject({ category: 'database-schema', open: [] });
    expect((await getChangeChecklist(deps(), dev, cr.number)).checklist?.open).toEqual([]);
    const checks = await events(admin, 'change_request.checklist_item_completed');
    expect(checks.map((e) => [e.actor, e.after?.item])).toEqual([
      ['dev@example.com', 'backup-verified'],
      ['dev@example.com', 'rollback-tested'],
    ]);
  });

  it('audits checklist create and delete; a CR without a checklist for its category is not gated', async () => {
    const admin = await tenant();
    await createChecklist(deps(), admin, { category: 'network', items: ['peer-reviewed'] });
    expect((await failure(createChecklist(deps(), admin, { category: 'network', items: ['x'] }))).code).toBe(
      'conflict',
    );
    expect((await failure(createChecklist(deps(), admin, { category: 'empty', items: [] }))).code).toBe(
      'invalid_input',
    );
    expect((await listTenantChecklists(deps(), admin)).map((c) => c.items)).toEqual([['peer-reviewed']]);
    await deleteChecklistByCategory(deps(), admin, 'network');
    expect((await events(admin, 'checklist.')).map((e) => e.action)).toEqual([
      'checklist.created',
      'checklist.deleted',
    ]);
    const cr = await createChangeRequest(deps(), admin, { ...validChange, category: 'network' });
    expect((await getChangeChecklist(deps(), admin, cr.number)).checklist).toBeNull();
    const none = await failure(checkChecklistItem(deps(), admin, cr.number, 'peer-reviewed', undefined));
    expect(none.message).toMatch(/category 'network' has no checklist/);
  });
});
