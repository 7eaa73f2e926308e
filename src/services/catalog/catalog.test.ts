import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { requestApproval, updateChangeRequestFields } from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { beginDeployment } from '../deployments/begin-deployment.js';
import { finishDeployment } from '../deployments/finish-deployment.js';
import { addEvidence } from '../evidence/evidence-service.js';
import { addInventoryEntries } from '../inventory/inventory-service.js';
import { promote } from '../promotion/promote.js';
import {
  createComponent,
  deleteComponentByName,
  getComponent,
  listTenantComponents,
  updateComponentFields,
} from './component-service.js';
import {
  addGroupMember,
  createGroup,
  deleteGroupByName,
  getGroup,
  listTenantGroups,
  removeGroupMember,
  updateGroupFields,
} from './group-service.js';

describe.each(dialects)('groups and components on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'catalog');
  });
  afterAll(() => t?.close());

  const deps = () => t.app.deps;

  /** Each test in a tenant of its own, with a prod and a staging environment. */
  async function tenant(): Promise<Actor> {
    const admin = await actorIn(t.app, `c${++tenants}`, 'admin@example.com', 'admin');
    await applyTenantConfig(deps(), admin, {
      document: {
        environments: [
          { name: 'prod', purpose: 'production' },
          { name: 'staging', purpose: 'pre_prod' },
        ],
      },
    });
    return admin;
  }

  const events = async (actor: Actor, prefix: string) =>
    (await readAuditLog(deps(), actor, {})).filter((e) => e.action.startsWith(prefix));

  it('creates groups with members and IdP groups, unique per tenant, and audits every change', async () => {
    const admin = await tenant();
    const created = await createGroup(deps(), admin, {
      name: 'payments',
      description: 'Payments team',
      members: ['Alice@Example.com'],
      idpGroups: ['okta-payments'],
    });
    expect(created).toMatchObject({ members: ['alice@example.com'], idpGroups: ['okta-payments'] });
    expect(await getGroup(deps(), admin, 'payments')).toEqual(created);

    const dup = await failure(createGroup(deps(), admin, { name: 'payments' }));
    expect(dup).toMatchObject({ code: 'conflict', message: "group 'payments' already exists" });

    await addGroupMember(deps(), admin, 'payments', 'bob@example.com');
    expect((await failure(addGroupMember(deps(), admin, 'payments', 'BOB@example.com'))).code).toBe(
      'conflict',
    );
    const removed = await removeGroupMember(deps(), admin, 'payments', 'Alice@example.com');
    expect(removed.members).toEqual(['bob@example.com']);
    expect((await failure(removeGroupMember(deps(), admin, 'payments', 'carol@example.com'))).message).toBe(
      "'carol@example.com' is not a member of group 'payments'",
    );
    const updated = await updateGroupFields(deps(), admin, 'payments', {
      description: null,
      idpGroups: ['okta-payments', 'okta-sre'],
    });
    expect(updated).toMatchObject({ description: null, idpGroups: ['okta-payments', 'okta-sre'] });
    expect((await listTenantGroups(deps(), admin)).map((g) => [g.name, g.members])).toEqual([
      ['payments', ['bob@example.com']],
    ]);

    const audit = await events(admin, 'group.');
    expect(audit.map((e) => e.action)).toEqual([
      'group.created',
      'group.member_added',
      'group.member_removed',
      'group.updated',
    ]);
    expect(audit[0]?.after).toMatchObject({ name: 'payments', members: ['alice@example.com'] });
    expect(audit[1]?.after).toEqual({ name: 'payments', member: 'bob@example.com' });
    expect(audit[2]?.before).toEqual({ name: 'payments', member: 'alice@example.com' });
    expect(audit[3]).toMatchObject({
      before: { name: 'payments', description: 'Payments team', idpGroups: ['okta-payments'] },
      after: { name: 'payments', description: null, idpGroups: ['okta-payments', 'okta-sre'] },
    });
    expect((await verifyAuditChain(deps(), admin)).ok).toBe(true);
  });

  it('registers components whose owner group must exist, names unique, environments known', async () => {
    const admin = await tenant();
    await createGroup(deps(), admin, { name: 'payments' });
    await createGroup(deps(), admin, { name: 'sre' });
    const noOwner = await failure(
      createComponent(deps(), admin, { name: 'api', ownerGroup: 'ghosts', criticality: 'tier1' }),
    );
    expect(noOwner).toMatchObject({ code: 'invalid_input', details: { field: 'ownerGroup' } });
    expect(noOwner.message).toBe(
      "ownerGroup: group 'ghosts' does not exist; use one of: payments, sre, or create it with changegate group create ghosts",
    );
    const badEnv = await failure(
      createComponent(deps(), admin, {
        name: 'api',
        ownerGroup: 'payments',
        criticality: 'tier1',
        environments: ['prod', 'qa'],
      }),
    );
    expect(badEnv.message).toMatch(/^environments: 'qa' does not exist; use any of: prod, staging/);

    const api = await createComponent(deps(), admin, {
      name: 'acme/payments-api',
      ownerGroup: 'payments',
      criticality: 'tier1',
      environments: ['prod'],
      description: 'Card payments',
    });
    expect(api).toMatchObject({ ownerGroup: 'payments', criticality: 'tier1', environments: ['prod'] });
    expect(
      await failure(
        createComponent(deps(), admin, {
          name: 'acme/payments-api',
          ownerGroup: 'sre',
          criticality: 'tier2',
        }),
      ),
    ).toMatchObject({ code: 'conflict', message: "component 'acme/payments-api' already exists" });

    const moved = await updateComponentFields(deps(), admin, 'acme/payments-api', {
      ownerGroup: 'sre',
      environments: null,
    });
    expect(moved).toMatchObject({ ownerGroup: 'sre', environments: [], criticality: 'tier1' });
    expect(await getComponent(deps(), admin, 'acme/payments-api')).toEqual(moved);
    expect(
      (await failure(updateComponentFields(deps(), admin, 'acme/payments-api', { ownerGroup: 'nobody' })))
        .details.field,
    ).toBe('ownerGroup');
    expect((await failure(getComponent(deps(), admin, 'nope'))).code).toBe('not_found');

    const audit = await events(admin, 'component.');
    expect(audit.map((e) => e.action)).toEqual(['component.created', 'component.updated']);
    expect(audit[1]).toMatchObject({
      before: { name: 'acme/payments-api', ownerGroup: 'payments', environments: ['prod'] },
      after: { name: 'acme/payments-api', ownerGroup: 'sre', environments: [] },
    });
  });

  it('refuses to delete a group that owns components, naming them; deletes it once they are gone', async () => {
    const admin = await tenant();
    await createGroup(deps(), admin, { name: 'payments', members: ['a@example.com'] });
    for (const name of ['api', 'worker'])
      await createComponent(deps(), admin, { name, ownerGroup: 'payments', criticality: 'tier2' });
    const refused = await failure(deleteGroupByName(deps(), admin, 'payments'));
    expect(refused).toMatchObject({ code: 'conflict', details: { components: ['api', 'worker'] } });
    expect(refused.message).toMatch(/^group 'payments' owns components api, worker; give them another owner/);

    await deleteComponentByName(deps(), admin, 'api');
    await deleteComponentByName(deps(), admin, 'worker');
    const deleted = await deleteGroupByName(deps(), admin, 'payments');
    expect(deleted.members).toEqual(['a@example.com']);
    expect((await failure(getGroup(deps(), admin, 'payments'))).code).toBe('not_found');
    // The name is free again, without the old members.
    expect((await createGroup(deps(), admin, { name: 'payments' })).members).toEqual([]);
    const audit = await events(admin, 'component.deleted');
    expect(audit.map((e) => (e.before as { name: string }).name)).toEqual(['api', 'worker']);
    expect((await events(admin, 'group.deleted'))[0]?.before).toMatchObject({
      name: 'payments',
      members: ['a@example.com'],
    });
  });

  it('lets a CR name any components while none is registered, then only registered ones', async () => {
    const admin = await tenant();
    const early = await createChangeRequest(deps(), admin, { ...validChange, components: ['web', 'api'] });
    expect(early.components).toEqual(['api', 'web']);

    await createGroup(deps(), admin, { name: 'payments' });
    await createComponent(deps(), admin, { name: 'api', ownerGroup: 'payments', criticality: 'tier1' });
    const audit = (await verifyAuditChain(deps(), admin)).count;
    const refused = await failure(
      createChangeRequest(deps(), admin, { ...validChange, components: ['web'] }),
    );
    expect(refused.message).toBe(
      "components: 'web' is not registered; use one of: api, or register it with changegate component create",
    );
    const patch = await failure(
      updateChangeRequestFields(deps(), admin, early.number, { components: ['web'] }),
    );
    expect(patch.details.field).toBe('components');
    expect((await verifyAuditChain(deps(), admin)).count).toBe(audit);

    const cr = await createChangeRequest(deps(), admin, { ...validChange, components: ['api'] });
    expect((await getChangeRequest(deps(), admin, cr.number)).changeRequest.components).toEqual(['api']);
    // A CR that predates the registry keeps its names; clearing them leaves an empty list.
    const cleared = await updateChangeRequestFields(deps(), admin, early.number, { components: null });
    expect(cleared.components).toEqual([]);
  });

  it('withdraws a requested approval when the components change, but not for the same list', async () => {
    const admin = await tenant();
    const cr = await createChangeRequest(deps(), admin, { ...validChange, components: ['api'] });
    await requestApproval(deps(), admin, cr.number);
    const same = await updateChangeRequestFields(deps(), admin, cr.number, { components: ['api'] });
    expect(same.approval).toBe('requested');
    const changed = await updateChangeRequestFields(deps(), admin, cr.number, { components: ['api', 'web'] });
    expect(changed).toMatchObject({ approval: 'not_requested', state: 'assess', components: ['api', 'web'] });
    const updates = (await readAuditLog(deps(), admin, { changeRequest: cr.number })).filter(
      (e) => e.action === 'change_request.updated',
    );
    expect(updates.map((e) => e.after)).toEqual([
      { number: cr.number },
      expect.objectContaining({ components: ['api', 'web'], approval: 'not_requested' }),
    ]);
  });

  it('has the pipeline fill a CR’s components from the delta, registered or not', async () => {
    const pipeline = { ...(await tenant()), name: 'ci-bot', role: 'pipeline' as const };
    await createGroup(deps(), pipeline, { name: 'payments' });
    await createComponent(deps(), pipeline, { name: 'api', ownerGroup: 'payments', criticality: 'tier1' });
    let build = 0;
    const ship = async (name: string, version: string) => {
      build++;
      await addInventoryEntries(deps(), pipeline, {
        entries: [
          {
            name,
            version,
            artifact: `docker://registry.example/${name}:${version}`,
            commitSha: build.toString(16).padStart(40, '0'),
            repositoryUrl: `https://git.example/acme/${name}`,
            pipelineRunId: `ci-${build}`,
          },
        ],
      });
      // Ready, so the low-risk CR is approved automatically and the run can finish.
      await addEvidence(deps(), pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        assets: [`https://git.example/acme/${name}#${build.toString(16).padStart(40, '0')}`],
        pipelineRunId: `ci-${build}`,
      });
    };
    const deploy = async () => {
      await promote(deps(), pipeline, {
        target: 'prod',
        fields: {
          priority: 'low',
          assignee: 'dev@example.com',
          customerImpact: 'low',
          deploymentImpact: 'small',
        },
      });
      const view = await beginDeployment(deps(), pipeline, { environment: 'prod' });
      const number = view.changeRequest?.number;
      if (!number) throw new Error('no CR created');
      return { view, number };
    };
    await ship('api', '1.0.0');
    await ship('team/worker', '1.0.0');
    const first = await deploy();
    expect((await getChangeRequest(deps(), pipeline, first.number)).changeRequest.components).toEqual([
      'api',
      'team/worker',
    ]);
    await finishDeployment(deps(), pipeline, first.view.run.id, { deployStatus: 'success' });

    await ship('team/worker', '1.1.0');
    const second = await deploy();
    expect((await getChangeRequest(deps(), pipeline, second.number)).changeRequest.components).toEqual([
      'team/worker',
    ]);
  });

  it('keeps each tenant’s registry to itself', async () => {
    const a = await tenant();
    const b = await tenant();
    await createGroup(deps(), b, { name: 'b-secret-group', members: ['b@example.com'] });
    await createComponent(deps(), b, {
      name: 'b-secret-svc',
      ownerGroup: 'b-secret-group',
      criticality: 'tier1',
    });
    expect(await listTenantGroups(deps(), a)).toEqual([]);
    expect(await listTenantComponents(deps(), a)).toEqual([]);
    expect((await failure(getGroup(deps(), a, 'b-secret-group'))).code).toBe('not_found');
    expect((await failure(addGroupMember(deps(), a, 'b-secret-group', 'x@example.com'))).code).toBe(
      'not_found',
    );
    expect((await failure(deleteComponentByName(deps(), a, 'b-secret-svc'))).code).toBe('not_found');
    const borrowed = await failure(
      createComponent(deps(), a, { name: 'mine', ownerGroup: 'b-secret-group', criticality: 'tier3' }),
    );
    expect(borrowed.details.field).toBe('ownerGroup');
    expect(borrowed.message).not.toContain('use one of');
    // B's registry does not make A's CRs strict, and A may reuse B's names.
    expect(
      (await createChangeRequest(deps(), a, { ...validChange, components: ['anything'] })).components,
    ).toEqual(['anything']);
    await createGroup(deps(), a, { name: 'b-secret-group' });
    expect((await getGroup(deps(), b, 'b-secret-group')).members).toEqual(['b@example.com']);
  });

  it('lets exactly one of several concurrent creates of the same group win', async () => {
    const admin = await tenant();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => createGroup(deps(), admin, { name: 'raced' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
  });
});
