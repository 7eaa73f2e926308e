import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { inTransaction } from '../../store/database.js';
import { insertTenantConfig } from '../../store/tenant-configs.js';
import type { Actor } from '../context.js';
import { applyTenantConfig, loadTenantConfig } from './config-service.js';

const withMaxRisk = (maxRisk: string) => ({
  environments: [{ name: 'prod', purpose: 'production' }],
  autoApproval: { maxRisk },
});

describe.each(dialects)('loading the configuration in force on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'load-config');
  });
  afterAll(() => t?.close());

  const tenant = () => actorIn(t.app, `lc${++tenants}`, 'admin@example.com', 'admin');
  const apply = (actor: Actor, document: unknown) => applyTenantConfig(t.app.deps, actor, { document });
  const load = (actor: Actor) => loadTenantConfig(t.app.deps.db, actor.tenantId);

  it('parses a version once: the next load of it shares the frozen result', async () => {
    const admin = await tenant();
    await apply(admin, withMaxRisk('low'));
    const first = await load(admin);
    const second = await load(admin);
    expect(second.version).toBe(1);
    expect(second.config).toBe(first.config);
    expect(second.document).toBe(first.document);
    expect(second.config.autoApproval.maxRisk).toBe('low');
    expect(Object.isFrozen(second.config.environments)).toBe(true);
  });

  it('picks up a new version at once, also one another server process wrote', async () => {
    const admin = await tenant();
    await apply(admin, withMaxRisk('low'));
    const before = await load(admin);

    await apply(admin, withMaxRisk('high'));
    const applied = await load(admin);
    expect(applied).toMatchObject({ version: 2, appliedBy: 'admin@example.com' });
    expect(applied.config).not.toBe(before.config);
    expect(applied.config.autoApproval.maxRisk).toBe('high');

    // Another process shares only the database: its apply is a new row this process has not seen.
    await insertTenantConfig(t.app.deps.db, admin.tenantId, {
      version: 3,
      document: withMaxRisk('critical'),
      source: null,
      appliedBy: 'other-process@example.com',
      appliedAt: t.app.deps.now(),
    });
    expect(await load(admin)).toMatchObject({
      version: 3,
      appliedBy: 'other-process@example.com',
      config: { autoApproval: { maxRisk: 'critical' } },
    });
  });

  it('does not take a version read in a rolled-back apply for the one applied after it', async () => {
    const admin = await tenant();
    await apply(admin, withMaxRisk('low'));
    await expect(
      inTransaction(t.app.deps.db, async (tx) => {
        await insertTenantConfig(tx, admin.tenantId, {
          version: 2,
          document: withMaxRisk('critical'),
          source: null,
          appliedBy: admin.name,
          appliedAt: t.app.deps.now(),
        });
        expect((await loadTenantConfig(tx, admin.tenantId)).config.autoApproval.maxRisk).toBe('critical');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // Loading nothing in between: the entry the rolled-back read left is the one to get past.
    expect((await apply(admin, withMaxRisk('high'))).version).toBe(2);
    expect(await load(admin)).toMatchObject({ version: 2, config: { autoApproval: { maxRisk: 'high' } } });
  });
});
