import { describe, expect, it } from 'vitest';
import { atPath, describeCatalogConfig, parseCatalogConfig, windowDefinition } from './catalog-config.js';
import { AppError, invalidField } from './errors.js';
import { describeTenantConfig, parseTenantConfig } from './tenant-config.js';

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

const weekly = {
  name: 'weekend',
  kind: 'freeze',
  rrule: 'FREQ=WEEKLY;BYDAY=SA',
  startTime: '00:00',
  duration: 1440,
  timeZone: 'Europe/Berlin',
  reason: 'weekend',
};

describe('catalog sections of changegate.yaml', () => {
  it('parses each section with the API create validators', () => {
    const catalog = parseCatalogConfig({
      groups: [{ name: 'ops', members: ['Bob@Example.com', 'bob@example.com'] }],
      components: [{ name: 'api', ownerGroup: 'ops', criticality: 'tier2' }],
      templates: [{ name: 'bump', title: 'Bump', maxRisk: 'low', fields: { risk: 'low' } }],
      checklists: [{ category: 'db', items: ['backup', 'backup'] }],
      windows: [weekly],
    });
    expect(catalog.groups).toEqual([
      { name: 'ops', description: null, members: ['bob@example.com'], idpGroups: [] },
    ]);
    expect(catalog.components[0]).toMatchObject({ ownerGroup: 'ops', environments: [] });
    expect(catalog.templates[0]).toMatchObject({ presets: { risk: 'low' }, components: [] });
    expect(catalog.checklists[0]?.items).toEqual(['backup']);
    expect(catalog.windows[0]).toMatchObject({ name: 'weekend', fromGiven: false });
  });

  it.each([
    [{ components: [{ name: 'api', ownerGroup: 'Ops', criticality: 'tier2' }] }, 'components[0].ownerGroup'],
    [{ components: [{ name: 'api', criticality: 'tier2' }] }, 'components[0].ownerGroup'],
    [{ groups: [{ name: 'ops', owner: 'x' }] }, 'groups[0].owner'],
    [{ groups: [{ name: 'ops', members: ['a', ''] }] }, 'groups[0].members[1]'],
    [
      { templates: [{ name: 't', title: 'T', maxRisk: 'low', fields: { risk: 'high' } }] },
      'templates[0].fields.risk',
    ],
    [{ checklists: [{ category: 'db', items: [] }] }, 'checklists[0].items'],
    [{ windows: [{ ...weekly, rrule: 'FREQ=HOURLY' }] }, 'windows[0].rrule'],
    [{ windows: [{ ...weekly, timeZone: '+02:00' }] }, 'windows[0].timeZone'],
    [{ checklists: 'db' }, 'checklists'],
    [{ groups: ['ops'] }, 'groups[0]'],
  ])('refuses %j at %s', (document, field) => {
    const error = refusal(() => parseCatalogConfig(document));
    expect(error.code).toBe('invalid_input');
    expect(error.details.field).toBe(field);
    // The entry's path leads the message (`groups[0]: missing required field: name` or `groups[0].name: …`).
    expect(error.message.startsWith(field.split('.')[0] as string)).toBe(true);
  });

  it('refuses a name used twice in one section, naming the first use', () => {
    const error = refusal(() =>
      parseCatalogConfig({
        windows: [weekly, { ...weekly, kind: 'maintenance' }],
      }),
    );
    expect(error.details.field).toBe('windows[1].name');
    expect(error.message).toContain("'weekend' is already used by windows[0]");
  });

  it('prefixes a message that does not start with its field, and leaves errors already under the path', () => {
    const missing = refusal(() =>
      atPath('groups[2]', () => {
        throw new AppError('invalid_input', 'missing required field: name', { field: 'name' });
      }),
    );
    expect(missing).toMatchObject({
      message: 'groups[2]: missing required field: name',
      details: { field: 'groups[2].name' },
    });
    const already = invalidField('groups[2].name', 'taken');
    expect(
      refusal(() =>
        atPath('groups[2]', () => {
          throw already;
        }),
      ),
    ).toBe(already);
  });

  it('moves the errors of an asynchronous step under the path too', async () => {
    const failing = atPath('windows[4]', async () => {
      throw invalidField('environments', "'qa' does not exist");
    });
    await expect(failing).rejects.toMatchObject({
      message: "windows[4].environments: 'qa' does not exist",
      details: { field: 'windows[4].environments' },
    });
  });

  it('gives a recurring window without from the first day it was created on, or keeps the existing one', () => {
    const [window] = parseCatalogConfig({ windows: [weekly] }).windows;
    if (!window) throw new Error('no window');
    const created = Date.parse('2026-03-10T12:00:00Z');
    expect(windowDefinition(window, 'windows[0]', created, null).schedule).toMatchObject({
      from: '2026-03-10',
    });
    expect(windowDefinition(window, 'windows[0]', created, '2025-01-04').schedule).toMatchObject({
      from: '2025-01-04',
    });
    const [given] = parseCatalogConfig({ windows: [{ ...weekly, from: '2026-01-03' }] }).windows;
    if (!given) throw new Error('no window');
    expect(windowDefinition(given, 'windows[0]', created, '2025-01-04').schedule).toMatchObject({
      from: '2026-01-03',
    });
  });

  it('is part of the tenant configuration, and config show counts each section', () => {
    const config = parseTenantConfig({
      groups: [{ name: 'ops' }],
      checklists: [{ category: 'db', items: ['x'] }],
    });
    expect(describeCatalogConfig(config.catalog)).toEqual([
      'declared in the file: 1 group, 0 components, 0 templates, 1 checklist, 0 windows (created or updated on apply; others are left as they are)',
    ]);
    expect(describeCatalogConfig(parseTenantConfig({}).catalog)).toEqual([]);
    expect(describeTenantConfig(config)).toContain('declared in the file: 1 group,');
    expect(parseTenantConfig({}).catalog).toEqual({
      groups: [],
      components: [],
      templates: [],
      checklists: [],
      windows: [],
    });
    expect(refusal(() => parseTenantConfig({ group: [] })).message).toContain("did you mean 'groups'");
  });
});
