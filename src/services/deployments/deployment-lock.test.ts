import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { lockStaleMs } from '../../domain/deployment.js';
import type { AppError } from '../../domain/errors.js';
import { findChangeRequests } from '../changes/change-request-queries.js';
import { applyTenantConfig } from '../config/config-service.js';
import { renewLock } from './await-approval.js';
import { getDeployment } from './deployment-support.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, advance, world } = deploymentTestbed(dialect);

  describe('the lock', () => {
    it('refuses a second begin on the same environment and region, naming the running deployment', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin();
      const e = await failure(w.begin());
      expect(e.code).toBe('conflict');
      expect(e.message).toContain(`prod/default is being deployed by run ${first.run.id}`);
      expect(e.details).toMatchObject({ field: 'environment', lockedBy: first.run.id });
      // Nothing of the refused begin is kept.
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
      // Another environment is not locked.
      await w.promoteTo('staging');
      expect((await w.begin({ environment: 'staging' })).run.phase).toBe('implementing');
    });

    it('lets another run in once the lease lapses, and the old run can no longer renew it', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin({ lockTtlSeconds: 1 });
      advance(500);
      expect((await failure(w.begin())).code).toBe('conflict');
      advance(600);
      const second = await w.begin();
      expect(second.run.phase).toBe('implementing');
      expect(second.changeRequest.id).not.toBe(first.changeRequest.id);
      const renew = await failure(renewLock(deps(), w.pipeline, first.run.id, 60));
      expect(renew.details.lockedBy).toBe(second.run.id);
      await renewLock(deps(), w.pipeline, second.run.id, 60);
    });

    it('lets a rerun with the same CR take over an interrupted run once it stopped renewing its lock', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin({ pipelineRunId: 'cd-1' });
      // While the holder renews its lock (it is alive), even a rerun with its CR is refused.
      expect(
        (await failure(w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number }))).code,
      ).toBe('conflict');
      advance(lockStaleMs + 1);
      const rerun = await w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number });
      expect(rerun.run).toMatchObject({ flow: 'fast_path', phase: 'implementing' });
      expect(rerun.run.stages.find((s) => s.name === 'gate')?.detail).toMatch(
        /continuing an interrupted deployment/,
      );
      expect((await getDeployment(deps(), w.pipeline, first.run.id)).run.phase).toBe('abandoned');
      expect((await failure(w.finish(first.run.id))).code).toBe('illegal_transition');
      const done = await w.finish(rerun.run.id);
      expect(done.changeRequest.state).toBe('closed');
      // The abandoned run no longer holds anything: the environment is free.
      expect((await w.begin({ forceRedeploy: true })).run.phase).toBe('implementing');
    });

    it('locks each region of an environment separately', async () => {
      const w = await world();
      await applyTenantConfig(deps(), w.admin, {
        document: { environments: [{ name: 'prod', purpose: 'production', regions: ['eu-de', 'us-south'] }] },
      });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      expect((await failure(w.begin())).details).toMatchObject({
        field: 'region',
        validValues: ['eu-de', 'us-south'],
      });
      const eu = await w.begin({ region: 'eu-de' });
      const us = await w.begin({ region: 'us-south' });
      expect([eu.run.phase, us.run.phase]).toEqual(['implementing', 'implementing']);
      expect(eu.changeRequest.title).toBe('Deploy api 1.0.0 to prod/eu-de');
      expect((await failure(w.begin({ region: 'eu-de' }))).details.lockedBy).toBe(eu.run.id);
    });

    // `<env>_latest` is one label per environment, so a deployment to one region becomes the base of
    // the delta (and of "nothing to deploy") for every other region of the environment.
    it('computes the delta of a region against what was deployed to that region', async () => {
      const w = await world();
      await applyTenantConfig(deps(), w.admin, {
        document: { environments: [{ name: 'prod', purpose: 'production', regions: ['eu-de', 'us-south'] }] },
      });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      await w.finish((await w.begin({ region: 'eu-de' })).run.id);
      const us = await w.begin({ region: 'us-south' });
      expect(us.run.delta.map((d) => `${d.change} ${d.name}`)).toEqual(['added api']);
      expect(us.run.baseRevisionId).toBeNull();
    });

    /** Starts `n` begins at once and sorts out who got through. */
    async function race(begin: (extra: Record<string, unknown>) => Promise<unknown>, n = 8) {
      const results = await Promise.allSettled(
        Array.from({ length: n }, (_, i) => begin({ pipelineRunId: `cd-${i}` })),
      );
      return {
        won: results.filter((r) => r.status === 'fulfilled'),
        lost: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AppError] : [])),
      };
    }

    it('lets exactly one of several concurrent begins through', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const { won, lost } = await race(w.begin);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const e of lost) expect(e).toMatchObject({ code: 'conflict', details: { field: 'environment' } });
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
    });

    it('lets exactly one of several concurrent begins take over a lapsed lease', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      await w.begin({ lockTtlSeconds: 1 });
      advance(5000);
      const { won, lost } = await race(w.begin);
      expect(won).toHaveLength(1);
      for (const e of lost) expect(e).toMatchObject({ code: 'conflict' });
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(2);
    });
  });
});
