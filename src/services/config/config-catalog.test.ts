import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { getComponent, listTenantComponents } from '../catalog/component-service.js';
import { createGroup, getGroup, listTenantGroups } from '../catalog/group-service.js';
import { getChecklist, listTenantChecklists } from '../checklists/checklist-service.js';
import type { Actor } from '../context.js';
import { getTemplate, listTenantTemplates } from '../templates/template-service.js';
import { createWindow, getWindow, listTenantWindows } from '../windows/window-service.js';
import { applyTenantConfig, loadTenantConfig } from './config-service.js';

/** A full changegate.yaml document with every catalog section. */
function fullDocument() {
  return {
    environments: [
      { name: 'prod', purpose: 'production' },
      { name: 'staging', purpose: 'pre_prod' },
    ],
    groups: [
      { name: 'payments', description: 'Payments team', members: ['Alice@example.com', 'bob@example.com'] },
      { name: 'cab', members: ['carol@example.com'], idpGroups: ['okta-cab'] },
    ],
    components: [
      { name: 'payments-api', ownerGroup: 'payments', criticality: 'tier1', environments: ['prod'] },
      { name: 'ledger', ownerGroup: 'payments', criticality: 'tier2' },
    ],
    templates: [
      {
        name: 'config-bump',
        title: 'Config bump of {components}',
        fields: { priority: 'low', risk: 'low' },
        components: ['payments-api'],
        environments: ['staging'],
        maxRisk: 'low',
      },
    ],
    checklists: [{ category: 'database-schema', items: ['backup-verified', 'dry-run'] }],
    windows: [
      {
        name: 'year-end',
        kind: 'freeze',
        start: '2099-12-20T00:00:00Z',
        end: '2100-01-02T00:00:00Z',
        environments: ['prod'],
        reason: 'Year-end freeze',
      },
      {
        name: 'friday-evening',
        kind: 'freeze',
        rrule: 'FREQ=WEEKLY;BYDAY=FR',
        startTime: '18:00',
        duration: 720,
        timeZone: 'Europe/Berlin',
        reason: 'No deployments over the weekend',
      },
    ],
  };
}

describe.each(dialects)('catalog sections of changegate.yaml on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'config-catalog');
  });
  afterAll(() => t?.close());

  const deps = () => t.app.deps;
  const tenant = () => actorIn(t.app, `cc${++tenants}`, 'admin@example.com', 'admin');
  const apply = (actor: Actor, document: unknown) => applyTenantConfig(deps(), actor, { document });
  const actions = async (actor: Actor) =>
    (await readAuditLog(deps(), actor, {})).map((e) => e.action).filter((a) => !a.startsWith('tenant.'));

  /** Everything the catalog holds, as the API lists it. */
  async function catalog(actor: Actor) {
    return {
      groups: await listTenantGroups(deps(), actor),
      components: await listTenantComponents(deps(), actor),
      templates: await listTenantTemplates(deps(), actor),
      checklists: await listTenantChecklists(deps(), actor),
      windows: (await listTenantWindows(deps(), actor)).windows.map((w) => w.window),
    };
  }

  it('creates every declared item, audited with the API actions, and lists them in config.applied', async () => {
    const admin = await tenant();
    const applied = await apply(admin, fullDocument());
    expect(applied.version).toBe(1);

    expect(await getGroup(deps(), admin, 'payments')).toMatchObject({
      description: 'Payments team',
      members: ['alice@example.com', 'bob@example.com'],
    });
    expect(await getGroup(deps(), admin, 'cab')).toMatchObject({ idpGroups: ['okta-cab'] });
    expect(await getComponent(deps(), admin, 'payments-api')).toMatchObject({
      ownerGroup: 'payments',
      criticality: 'tier1',
      environments: ['prod'],
    });
    expect(await getTemplate(deps(), admin, 'config-bump')).toMatchObject({
      presets: { priority: 'low', risk: 'low' },
      components: ['payments-api'],
      environments: ['staging'],
      maxRisk: 'low',
    });
    expect(await getChecklist(deps(), admin, 'database-schema')).toMatchObject({
      items: ['backup-verified', 'dry-run'],
    });
    const weekly = await getWindow(deps(), admin, 'friday-evening');
    expect(weekly.window.schedule).toMatchObject({
      type: 'recurring',
      timeZone: 'Europe/Berlin',
      from: '2026-01-05', // the day it was created, in its time zone
    });

    const log = await readAuditLog(deps(), admin, {});
    expect(log.map((e) => e.action).filter((a) => !a.startsWith('tenant.'))).toEqual([
      'group.created',
      'group.created',
      'component.created',
      'component.created',
      'template.created',
      'checklist.created',
      'window.created',
      'window.created',
      'config.applied',
    ]);
    expect(log.at(-1)?.after).toMatchObject({
      version: 1,
      catalog: {
        groups: { created: ['payments', 'cab'], updated: [] },
        components: { created: ['payments-api', 'ledger'], updated: [] },
        templates: { created: ['config-bump'], updated: [] },
        checklists: { created: ['database-schema'], updated: [] },
        windows: { created: ['year-end', 'friday-evening'], updated: [] },
      },
    });
  });

  it('re-applying the same file changes nothing and writes no audit event but config.applied', async () => {
    const admin = await tenant();
    await apply(admin, fullDocument());
    const before = await catalog(admin);
    const eventsBefore = (await actions(admin)).length;

    const again = await apply(admin, fullDocument());
    expect(again.version).toBe(2);
    expect(await catalog(admin)).toEqual(before);
    const after = await actions(admin);
    expect(after.slice(eventsBefore)).toEqual(['config.applied']);
    expect((await readAuditLog(deps(), admin, {})).at(-1)?.after).toMatchObject({
      catalog: { groups: { created: [], updated: [] }, windows: { created: [], updated: [] } },
    });
  });

  it('updates what differs (members, criticality, template scope, checklist items, window) and audits each change', async () => {
    const admin = await tenant();
    await apply(admin, fullDocument());
    const eventsBefore = (await actions(admin)).length;

    const changed = fullDocument();
    changed.groups[0] = { ...changed.groups[0], members: ['bob@example.com', 'dave@example.com'] } as never;
    changed.components[1] = { ...changed.components[1], criticality: 'tier3' } as never;
    changed.templates[0] = {
      ...changed.templates[0],
      fields: { priority: 'low' },
      environments: ['staging', 'prod'],
    } as never;
    changed.checklists[0] = { category: 'database-schema', items: ['backup-verified'] };
    changed.windows[1] = { ...changed.windows[1], startTime: '17:00' } as never;
    const applied = await apply(admin, changed);
    expect(applied.version).toBe(2);

    expect((await getGroup(deps(), admin, 'payments')).members).toEqual([
      'bob@example.com',
      'dave@example.com',
    ]);
    expect((await getComponent(deps(), admin, 'ledger')).criticality).toBe('tier3');
    expect(await getTemplate(deps(), admin, 'config-bump')).toMatchObject({
      presets: { priority: 'low' },
      environments: ['prod', 'staging'],
    });
    expect((await getChecklist(deps(), admin, 'database-schema')).items).toEqual(['backup-verified']);
    expect((await getWindow(deps(), admin, 'friday-evening')).window.schedule).toMatchObject({
      startTime: '17:00',
    });

    const log = (await readAuditLog(deps(), admin, {})).filter((e) => !e.action.startsWith('tenant.'));
    const fresh = log.slice(eventsBefore);
    expect(fresh.map((e) => e.action)).toEqual([
      'group.member_added',
      'group.member_removed',
      'component.updated',
      'template.updated',
      'checklist.updated',
      'window.updated',
      'config.applied',
    ]);
    expect(fresh[0]?.after).toEqual({ name: 'payments', member: 'dave@example.com' });
    expect(fresh[1]?.before).toEqual({ name: 'payments', member: 'alice@example.com' });
    expect(fresh[2]).toMatchObject({
      before: { name: 'ledger', criticality: 'tier2' },
      after: { name: 'ledger', criticality: 'tier3' },
    });
    expect(fresh[3]).toMatchObject({
      before: { name: 'config-bump', presets: { priority: 'low', risk: 'low' }, environments: ['staging'] },
      after: { name: 'config-bump', presets: { priority: 'low' }, environments: ['prod', 'staging'] },
    });
    expect(fresh[5]).toMatchObject({ entityType: 'window', before: { name: 'friday-evening' } });
    expect(fresh[6]?.after).toMatchObject({
      catalog: {
        groups: { created: [], updated: ['payments'] },
        components: { created: [], updated: ['ledger'] },
        templates: { created: [], updated: ['config-bump'] },
        checklists: { created: [], updated: ['database-schema'] },
        windows: { created: [], updated: ['friday-evening'] },
      },
    });
    expect((await verifyAuditChain(deps(), admin)).ok).toBe(true);
  });

  it('leaves items the file does not list as they are, and owner groups may already exist', async () => {
    const admin = await tenant();
    await apply(admin, { environments: [{ name: 'prod', purpose: 'production' }] });
    await createGroup(deps(), admin, { name: 'platform', members: ['erin@example.com'] });
    await createWindow(deps(), admin, {
      name: 'by-hand',
      kind: 'maintenance',
      start: '2099-01-01T00:00:00Z',
      end: '2099-01-02T00:00:00Z',
      reason: 'made with the CLI',
    });
    await apply(admin, {
      components: [{ name: 'gateway', ownerGroup: 'platform', criticality: 'tier2' }],
    });
    expect((await getComponent(deps(), admin, 'gateway')).ownerGroup).toBe('platform');
    expect((await getGroup(deps(), admin, 'platform')).members).toEqual(['erin@example.com']);
    expect((await getWindow(deps(), admin, 'by-hand')).window.reason).toBe('made with the CLI');
  });

  it('refuses a component whose owner group is unknown, with its path, and writes nothing', async () => {
    const admin = await tenant();
    const document = fullDocument();
    document.components.push({ name: 'orphan', ownerGroup: 'nobody', criticality: 'tier4' } as never);
    const error = await failure(apply(admin, document));
    expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'components[2].ownerGroup' } });
    expect(error.message).toMatch(/^components\[2\]\.ownerGroup: group 'nobody' is neither under groups:/);
    expect(await catalog(admin)).toEqual({
      groups: [],
      components: [],
      templates: [],
      checklists: [],
      windows: [],
    });
    expect((await loadTenantConfig(deps().db, admin.tenantId)).version).toBe(0);
    expect(await actions(admin)).toEqual([]);
  });

  it('refuses a bad window RRULE at parse time, with its path, and writes nothing', async () => {
    const admin = await tenant();
    const document = fullDocument();
    document.windows[1] = { ...document.windows[1], rrule: 'FREQ=FORTNIGHTLY' } as never;
    const error = await failure(apply(admin, document));
    expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'windows[1].rrule' } });
    expect(error.message).toMatch(/^windows\[1\]\.rrule: 'FREQ=FORTNIGHTLY' is not a usable RRULE/);
    expect((await catalog(admin)).groups).toEqual([]);
    expect((await loadTenantConfig(deps().db, admin.tenantId)).version).toBe(0);
  });

  it('rolls back everything when a reference fails only in the database (template naming an unknown environment)', async () => {
    const admin = await tenant();
    await apply(admin, fullDocument());
    const before = await catalog(admin);
    const eventsBefore = await actions(admin);
    const document = fullDocument();
    document.groups[1] = { ...document.groups[1], members: ['zed@example.com'] } as never;
    document.templates[0] = { ...document.templates[0], environments: ['qa'] } as never;
    const error = await failure(apply(admin, document));
    expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'templates[0].environments' } });
    expect(error.message).toMatch(/^templates\[0\]\.environments: 'qa' does not exist/);
    expect(await catalog(admin)).toEqual(before);
    expect(await actions(admin)).toEqual(eventsBefore);
    expect((await loadTenantConfig(deps().db, admin.tenantId)).version).toBe(1);
  });
});
