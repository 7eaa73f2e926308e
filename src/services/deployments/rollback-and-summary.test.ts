import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { verifyAuditChain } from '../audit/audit-queries.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { addEvidence } from '../evidence/evidence-service.js';
import { evidenceSummary } from '../evidence/evidence-summary.js';
import { addInventoryEntries } from '../inventory/inventory-service.js';
import { beginRollback } from './begin-rollback.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  describe('rollback and evidence summary', () => {
    it('returns prod to an earlier deployment under a new linked emergency CR', async () => {
      const w = await world();
      const v1 = await w.deployed('api', '1.0.0');
      const v2 = await w.deployed('api', '2.0.0');
      const refused = await failure(
        beginRollback(deps(), w.pipeline, { environment: 'prod', changeRequestId: v2.changeRequest.number }),
      );
      expect(refused.message).toMatch(/is what prod\/default runs now/);
      const rollback = await beginRollback(deps(), w.pipeline, {
        environment: 'prod',
        changeRequestId: v1.changeRequest.number,
      });
      expect(rollback.run).toMatchObject({
        flow: 'rollback',
        phase: 'implementing',
        targetRevisionId: v1.run.targetRevisionId,
      });
      expect(rollback.changeRequest).toMatchObject({
        type: 'emergency',
        state: 'implement',
        approval: 'retro_pending',
      });
      expect(rollback.run.delta.map((d) => `${d.name} ${d.fromVersion} → ${d.toVersion}`)).toEqual([
        'api 2.0.0 → 1.0.0',
      ]);
      const links = (await getChangeRequest(deps(), w.pipeline, rollback.changeRequest.number)).links;
      expect(links.map((l) => [l.kind, l.target])).toEqual([['rollback_of', v1.changeRequest.number]]);
      const done = await w.finish(rollback.run.id);
      expect(done.changeRequest.state).toBe('closed');
      expect(await w.latest()).toBe(v1.run.targetRevisionId);
    });

    it('previews readiness and the delta without writing anything', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.ship('web', '1.0.0', 'failure');
      await w.promoteTo();
      const audit = (await verifyAuditChain(deps(), w.pipeline)).count;
      const summary = await evidenceSummary(deps(), w.pipeline, 'prod');
      expect(summary.delta.map((d) => d.name)).toEqual(['api', 'web']);
      expect(summary.readiness.ready).toBe(false);
      expect(summary.readiness.summary).toMatch(/1 of 2 entries ready; 1 failing: web \(unit_tests failed\)/);
      expect(summary.baseRevision).toBeNull();
      expect((await verifyAuditChain(deps(), w.pipeline)).count).toBe(audit);
      expect((await failure(evidenceSummary(deps(), w.pipeline, 'staging'))).message).toMatch(
        /nothing has been promoted to 'staging'/,
      );
    });

    // The evidence index and readiness must normalise repository URLs alike (fixed in 29d2f4e).
    it('finds evidence on the commit whatever the case of a .git suffix', async () => {
      const w = await world();
      const sha = 'c'.repeat(40);
      await addInventoryEntries(deps(), w.pipeline, {
        entries: [
          {
            name: 'api',
            version: '1.0.0',
            artifact: 'docker://registry.example/api:1.0.0',
            commitSha: sha,
            repositoryUrl: 'https://git.example/acme/api.GIT',
            pipelineRunId: 'ci-git',
          },
        ],
      });
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        assets: [`https://git.example/acme/api#${sha}`],
      });
      await w.promoteTo();
      expect((await evidenceSummary(deps(), w.pipeline, 'prod')).readiness.ready).toBe(true);
    });
  });
});
