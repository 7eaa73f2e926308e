import { describe, expect, it } from 'vitest';
import { deploymentTestbed, environments } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { findTenantConfig, listTenantConfigVersions } from '../../store/tenant-configs.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { applyTenantConfig, loadTenantConfig } from '../config/config-service.js';
import { listTenantEnvironments } from '../environments/environment-service.js';
import { addInventoryEntries, getInventory } from '../inventory/inventory-service.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  describe('config', () => {
    it('keeps every applied version and creates or updates the environments it names', async () => {
      const w = await world();
      const second = {
        environments: [
          { name: 'prod', purpose: 'production', detail: 'EU and US', regions: ['eu-de', 'us-south'] },
        ],
        autoApproval: { maxRisk: 'low' },
      };
      const applied = await applyTenantConfig(deps(), w.admin, {
        document: second,
        source: 'changegate.yaml',
      });
      expect(applied.version).toBe(2);
      const versions = await listTenantConfigVersions(deps().db, w.admin.tenantId);
      expect(versions.map((v) => [v.version, v.appliedBy])).toEqual([
        [2, 'admin@example.com'],
        [1, 'admin@example.com'],
      ]);
      expect((await findTenantConfig(deps().db, w.admin.tenantId, 1))?.document).toEqual({ environments });
      expect((await findTenantConfig(deps().db, w.admin.tenantId, 2))?.document).toEqual(second);
      expect((await loadTenantConfig(deps().db, w.admin.tenantId)).config.autoApproval.maxRisk).toBe('low');

      const envs = await listTenantEnvironments(deps(), w.admin);
      expect(envs.find((e) => e.name === 'prod')).toMatchObject({
        detail: 'EU and US',
        regions: ['eu-de', 'us-south'],
        rollbackEnabled: false,
      });
      // Not named by version 2: left as it was.
      expect(envs.find((e) => e.name === 'staging')).toMatchObject({ purpose: 'pre_prod' });

      const events = (await readAuditLog(deps(), w.admin, {})).filter((e) => e.action === 'config.applied');
      expect(events.map((e) => [e.before, (e.after as { version: number }).version])).toEqual([
        [null, 1],
        [{ version: 1 }, 2],
      ]);
      expect((events[1]?.after as { environments?: string[] } | undefined)?.environments).toEqual([
        'updated prod',
      ]);
    });

    it('refuses a bad config naming the field path, and stores nothing of it', async () => {
      const w = await world();
      const audit = (await verifyAuditChain(deps(), w.admin)).count;
      const e = await failure(
        applyTenantConfig(deps(), w.admin, {
          document: {
            environments: [
              { name: 'qa', purpose: 'pre_prod' },
              { name: 'perf', purpose: 'testing' },
            ],
          },
        }),
      );
      expect(e.code).toBe('invalid_input');
      expect(e.details).toMatchObject({
        field: 'environments[1].purpose',
        validValues: ['production', 'pre_prod'],
      });
      expect(e.message).toMatch(
        /^environments\[1\]\.purpose: 'testing' is not valid; use one of: production, pre_prod/,
      );
      expect((await loadTenantConfig(deps().db, w.admin.tenantId)).version).toBe(1);
      expect((await listTenantEnvironments(deps(), w.admin)).map((env) => env.name).sort()).toEqual([
        'prod',
        'staging',
      ]);
      expect((await verifyAuditChain(deps(), w.admin)).count).toBe(audit);
    });
  });

  describe('inventory', () => {
    it('appends one revision per add, holding the previous entries, and names the bad entry of a batch', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.ship('web', '1.0.0');
      await w.ship('api', '1.1.0');
      const master = await getInventory(deps(), w.pipeline, {});
      expect(master.revision?.seq).toBe(3);
      expect(master.entries.map((e) => `${e.name} ${e.version}`)).toEqual(['api 1.1.0', 'web 1.0.0']);

      const entry = (name: string, commitSha: string) => ({
        name,
        version: '1',
        artifact: `docker://r/${name}`,
        commitSha,
        repositoryUrl: 'https://git.example/acme/x',
        pipelineRunId: 'ci-x',
      });
      const e = await failure(
        addInventoryEntries(deps(), w.pipeline, {
          entries: [entry('a', 'a'.repeat(40)), entry('b', 'nope')],
        }),
      );
      expect(e.details.field).toBe('entries[1].commitSha');
      expect((await getInventory(deps(), w.pipeline, {})).revision?.seq).toBe(3);
    });

    it('records nothing for a failed CI run unless skipping is turned off', async () => {
      const w = await world();
      const input = (skip?: string) => ({
        ciStatus: 'failure',
        ...(skip === undefined ? {} : { skipInventoryUpdateOnFailure: skip }),
        entries: [
          {
            name: 'hotfix',
            version: '1',
            artifact: 'docker://r/hotfix',
            commitSha: 'b'.repeat(40),
            repositoryUrl: 'https://git.example/acme/hotfix',
            pipelineRunId: 'ci-hotfix',
          },
        ],
      });
      const skipped = await addInventoryEntries(deps(), w.pipeline, input());
      expect(skipped).toMatchObject({ updated: false, revision: null });
      expect((await addInventoryEntries(deps(), w.pipeline, input('1'))).updated).toBe(false);
      expect((await getInventory(deps(), w.pipeline, {})).revision).toBeNull();
      const recorded = await addInventoryEntries(deps(), w.pipeline, input('0'));
      expect(recorded).toMatchObject({ updated: true, revision: { seq: 1 } });
    });
  });
});
