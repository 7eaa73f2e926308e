import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { lockStaleMs } from '../../domain/deployment.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { findEvidence } from '../evidence/evidence-service.js';
import { evidenceSummary } from '../evidence/evidence-summary.js';
import { getInventory } from '../inventory/inventory-service.js';
import { awaitApproval, renewLock } from './await-approval.js';
import { beginRollback } from './begin-rollback.js';
import { getDeployment } from './deployment-support.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, advance, world } = deploymentTestbed(dialect);

  describe('audit', () => {
    it('records every write of the flows in an intact chain', async () => {
      const w = await world();
      const actions = async (fn: () => Promise<unknown>) => {
        const before = (await verifyAuditChain(deps(), w.pipeline)).count;
        await fn();
        const events = await readAuditLog(deps(), w.pipeline, { afterSeq: before });
        return events.map((e) => e.action);
      };
      expect(await actions(() => w.ship('api', '1.0.0'))).toEqual(['inventory.updated', 'evidence.added']);
      expect(await actions(() => w.promoteTo())).toEqual(['promotion.created']);
      let runId = '';
      const begun = await actions(async () => {
        runId = (await w.begin()).run.id;
      });
      expect(begun).toEqual(
        expect.arrayContaining([
          'change_request.created',
          'change_request.attached',
          'change_request.implementation_started',
        ]),
      );
      const finished = await actions(() => w.finish(runId));
      expect(finished).toEqual(
        expect.arrayContaining([
          'evidence.added',
          'change_request.attached',
          'change_request.transitioned',
          'change_request.closed',
          'deployment.finished',
        ]),
      );
      expect(finished.at(-1)).toBe('deployment.finished');
      const report = await verifyAuditChain(deps(), w.pipeline);
      expect(report).toMatchObject({ ok: true, firstBad: null });
    });

    it('records a begin that takes over an interrupted run', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin({ pipelineRunId: 'cd-1' });
      advance(lockStaleMs + 1);
      const before = (await verifyAuditChain(deps(), w.pipeline)).count;
      const rerun = await w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number });
      expect(rerun.run.flow).toBe('fast_path');
      // The run was replaced, the lock moved and the old run abandoned: an auditor must be able to see that.
      const events = await readAuditLog(deps(), w.pipeline, { afterSeq: before });
      expect(events.length).toBeGreaterThan(0);
      expect((await verifyAuditChain(deps(), w.pipeline)).ok).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it("keeps one tenant's runs, inventory, evidence and promotions out of another's reach", async () => {
      const a = await world();
      const done = await a.deployed('api', '1.0.0');
      await a.ship('web', '1.0.0');
      await a.promoteTo();
      const waiting = await a.begin({ pipelineRunId: 'cd-a' });
      const b = await world();
      const notFound = async (p: Promise<unknown>) => expect((await failure(p)).code).toBe('not_found');

      await notFound(getDeployment(deps(), b.pipeline, done.run.id));
      await notFound(getDeployment(deps(), b.pipeline, 'cd-a'));
      await notFound(b.finish(waiting.run.id));
      await notFound(awaitApproval(deps(), b.pipeline, waiting.run.id, { waitMs: 0 }));
      await notFound(renewLock(deps(), b.pipeline, waiting.run.id, 60));
      await notFound(getChangeRequest(deps(), b.pipeline, done.changeRequest.id));
      await notFound(b.begin({ changeRequestId: done.changeRequest.id }));
      await notFound(
        beginRollback(deps(), b.pipeline, { environment: 'prod', changeRequestId: done.changeRequest.id }),
      );
      await notFound(getInventory(deps(), b.pipeline, { environment: 'prod', label: 'prod_latest' }));
      expect(await findEvidence(deps(), b.pipeline, {})).toEqual([]);
      expect((await getInventory(deps(), b.pipeline, {})).revision).toBeNull();
      // A's promotions and deployments do not exist for B.
      expect((await failure(b.begin())).message).toMatch(/nothing has been promoted to 'prod'/);
      expect((await failure(evidenceSummary(deps(), b.pipeline, 'prod'))).message).toMatch(
        /nothing has been promoted/,
      );
      expect((await failure(b.promoteTo('staging', { source: 'prod' }))).message).toMatch(
        /nothing has been deployed to 'prod'/,
      );
      // B's inventory is its own, and A's lock does not block B.
      await b.ship('api', '9.0.0');
      expect(
        (await getInventory(deps(), b.pipeline, {})).entries.map((e) => `${e.name} ${e.version}`),
      ).toEqual(['api 9.0.0']);
      expect(
        (await getInventory(deps(), a.pipeline, {})).entries.map((e) => `${e.name} ${e.version}`),
      ).toEqual(['api 1.0.0', 'web 1.0.0']);
      await b.promoteTo();
      expect((await b.begin()).run.phase).toBe('implementing');
      expect((await verifyAuditChain(deps(), a.pipeline)).ok).toBe(true);
      expect((await verifyAuditChain(deps(), b.pipeline)).ok).toBe(true);
    });
  });
});
