import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog } from '../audit/audit-queries.js';
import { createChecklist, getChecklist, updateChecklistFields } from '../checklists/checklist-service.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { createTemplate, getTemplate, updateTemplateFields } from './template-service.js';

describe.each(dialects)('template and checklist update on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'template-update');
  });
  afterAll(() => t?.close());

  const deps = () => t.app.deps;

  async function tenant(): Promise<Actor> {
    const admin = await actorIn(t.app, `tu${++tenants}`, 'admin@example.com', 'admin');
    await applyTenantConfig(deps(), admin, {
      document: {
        environments: [
          { name: 'prod', purpose: 'production' },
          { name: 'staging', purpose: 'pre_prod' },
        ],
      },
    });
    await createTemplate(deps(), admin, {
      name: 'bump',
      title: 'Bump',
      maxRisk: 'moderate',
      fields: { priority: 'low', risk: 'low' },
      environments: ['staging'],
    });
    return admin;
  }

  const lastEvent = async (actor: Actor) => (await readAuditLog(deps(), actor, {})).at(-1);

  it('updates a template: a value sets, null clears, presets merge key by key; audited with what changed', async () => {
    const admin = await tenant();
    const updated = await updateTemplateFields(deps(), admin, 'bump', {
      title: 'Config bump',
      fields: { risk: null, customerImpact: 'no_impact' },
      environments: null,
    });
    expect(updated).toMatchObject({
      title: 'Config bump',
      presets: { priority: 'low', customerImpact: 'no_impact' },
      environments: [],
      maxRisk: 'moderate',
    });
    expect(updated.presets).not.toHaveProperty('risk');
    expect(await getTemplate(deps(), admin, 'bump')).toEqual(updated);
    expect(await lastEvent(admin)).toMatchObject({
      action: 'template.updated',
      before: { name: 'bump', title: 'Bump', environments: ['staging'] },
      after: { name: 'bump', title: 'Config bump', environments: [] },
    });
  });

  it('refuses a template update that breaks a rule, and changes nothing', async () => {
    const admin = await tenant();
    const before = await getTemplate(deps(), admin, 'bump');
    const tooRisky = await failure(
      updateTemplateFields(deps(), admin, 'bump', { maxRisk: 'low', fields: { risk: 'high' } }),
    );
    expect(tooRisky).toMatchObject({ code: 'invalid_input', details: { field: 'fields.risk' } });
    const lowered = await failure(
      updateTemplateFields(deps(), admin, 'bump', { maxRisk: 'low', fields: { risk: 'moderate' } }),
    );
    expect(lowered.details.field).toBe('fields.risk');
    const unknownEnv = await failure(updateTemplateFields(deps(), admin, 'bump', { environments: ['qa'] }));
    expect(unknownEnv).toMatchObject({ code: 'invalid_input', details: { field: 'environments' } });
    const cleared = await failure(updateTemplateFields(deps(), admin, 'bump', { maxRisk: null }));
    expect(cleared.message).toBe('maxRisk: is required and cannot be cleared');
    const empty = await failure(updateTemplateFields(deps(), admin, 'bump', {}));
    expect(empty.message).toMatch(/^nothing to update/);
    expect((await failure(updateTemplateFields(deps(), admin, 'nope', { title: 'x' }))).code).toBe(
      'not_found',
    );
    expect(await getTemplate(deps(), admin, 'bump')).toEqual(before);
  });

  it('updates a checklist: items replace the list, description null clears; audited', async () => {
    const admin = await tenant();
    await createChecklist(deps(), admin, { category: 'db', items: ['backup'], description: 'DB changes' });
    const updated = await updateChecklistFields(deps(), admin, 'db', {
      items: ['dry-run', 'backup', 'dry-run'],
      description: null,
    });
    expect(updated).toMatchObject({ items: ['backup', 'dry-run'], description: null });
    expect(await getChecklist(deps(), admin, 'db')).toEqual(updated);
    expect(await lastEvent(admin)).toMatchObject({
      action: 'checklist.updated',
      before: { category: 'db', items: ['backup'], description: 'DB changes' },
      after: { category: 'db', items: ['backup', 'dry-run'], description: null },
    });
    const noItems = await failure(updateChecklistFields(deps(), admin, 'db', { items: [] }));
    expect(noItems).toMatchObject({ code: 'invalid_input', details: { field: 'items' } });
    expect((await failure(updateChecklistFields(deps(), admin, 'other', { items: ['x'] }))).code).toBe(
      'not_found',
    );
  });
});
