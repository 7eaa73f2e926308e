import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { getInventory } from '../inventory/inventory-service.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  describe('promote', () => {
    it('promotes only the names the include globs select and the exclude globs leave', async () => {
      const w = await world();
      for (const name of ['api', 'web', 'worker-a', 'worker-b']) await w.ship(name, '1.0.0');
      const p = await w.promoteTo('prod', { include: ['worker-*', 'api'], exclude: ['worker-b'] });
      expect(p.names).toEqual(['api', 'worker-a']);
      expect(p.delta.map((d) => `${d.change} ${d.name}`)).toEqual(['added api', 'added worker-a']);
      const prod = await getInventory(deps(), w.pipeline, { environment: 'prod' });
      expect(prod.entries.map((e) => e.name)).toEqual(['api', 'worker-a']);
      expect(prod.revision).toMatchObject({ seq: 1, reason: 'promotion' });
    });

    it('says when everything has already been promoted', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const e = await failure(w.promoteTo());
      expect(e.code).toBe('conflict');
      expect(e.message).toMatch(
        /^All changes have already been promoted: 'prod' already holds what 'master' has$/,
      );
      const narrowed = await failure(w.promoteTo('prod', { include: ['api'] }));
      expect(narrowed.message).toMatch(/already been promoted.*for the selected names/);
      expect((await getInventory(deps(), w.pipeline, { environment: 'prod' })).revision?.seq).toBe(1);
    });

    it('promotes from an environment what was last deployed there, removing names the source lacks', async () => {
      const w = await world();
      await w.ship('legacy', '1.0.0');
      await w.promoteTo('prod', { include: ['legacy'] });
      const api = await w.ship('api', '1.0.0');
      // staging gets api 1.0.0 deployed, then api 1.1.0 promoted but not deployed.
      await w.promoteTo('staging', { include: ['api'] });
      const staged = await w.begin({ environment: 'staging' });
      await w.finish(staged.run.id);
      await w.ship('api', '1.1.0');
      await w.promoteTo('staging', { include: ['api'] });

      const narrowed = await w.promoteTo('prod', { source: 'staging', include: ['api'] });
      expect(narrowed.names).toEqual(['api']);
      const p = await w.promoteTo('prod', { source: 'staging' });
      expect(p.names).toEqual(['legacy']);
      expect(p.delta.map((d) => `${d.change} ${d.name} ${d.fromVersion} → ${d.toVersion}`)).toEqual([
        'removed legacy 1.0.0 → null',
      ]);
      const prod = await getInventory(deps(), w.pipeline, { environment: 'prod' });
      expect(prod.entries.map((e) => [e.name, e.id])).toEqual([['api', api.id]]);
      expect(p.sourceRevisionId).toBe(await w.latest('staging'));
    });

    it('refuses a source with nothing deployed, the same source and target, and an unknown target', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      expect((await failure(w.promoteTo('prod', { source: 'staging' }))).message).toMatch(
        /nothing has been deployed to 'staging' yet/,
      );
      expect((await failure(w.promoteTo('prod', { source: 'prod' }))).details.field).toBe('target');
      expect((await failure(w.promoteTo('qa'))).message).toMatch(
        /environment: 'qa' does not exist; use one of/,
      );
      const empty = await world();
      expect((await failure(empty.promoteTo())).message).toMatch(/the 'master' inventory is empty/);
    });
  });
});
