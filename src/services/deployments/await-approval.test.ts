import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { decideChangeApproval } from '../changes/change-request-actions.js';
import { addEvidence } from '../evidence/evidence-service.js';
import { awaitApproval } from './await-approval.js';
import { getDeployment } from './deployment-support.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  describe('awaiting approval', () => {
    async function waitingRun() {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      return { w, waiting: await w.begin() };
    }

    it('returns the run still waiting when nothing was decided in time', async () => {
      const { w, waiting } = await waitingRun();
      const view = await awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 });
      expect(view.run.phase).toBe('awaiting_approval');
    });

    it('passes the gate once approved, retaking the lock', async () => {
      const { w, waiting } = await waitingRun();
      const pending = awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      await decideChangeApproval(deps(), w.approver, waiting.changeRequest.number, 'approved', 'ok');
      const view = await pending;
      expect(view.run.phase).toBe('implementing');
      expect(view.changeRequest).toMatchObject({ state: 'implement', approval: 'approved' });
      expect(view.run.stages.filter((s) => s.name === 'gate')).toHaveLength(1);
      expect((await failure(w.begin({ forceRedeploy: true }))).details.lockedBy).toBe(waiting.run.id);
    });

    it('ends the run when the CR is rejected', async () => {
      const { w, waiting } = await waitingRun();
      await decideChangeApproval(
        deps(),
        w.approver,
        waiting.changeRequest.number,
        'rejected',
        'scan must pass',
      );
      const view = await awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 });
      expect(view.run.phase).toBe('abandoned');
      expect(view.rejection).toEqual({ approver: 'approver@example.com', comment: 'scan must pass' });
    });

    it('refuses to pass the gate while another run holds the lock', async () => {
      const { w, waiting } = await waitingRun();
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        pipelineRunId: waiting.run.delta[0]?.to?.pipelineRunId,
      });
      const other = await w.begin();
      expect(other.run.phase).toBe('implementing');
      await decideChangeApproval(deps(), w.approver, waiting.changeRequest.number, 'approved', 'ok');
      const e = await failure(awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 }));
      expect(e.details.lockedBy).toBe(other.run.id);
      expect((await getDeployment(deps(), w.pipeline, waiting.run.id)).run.phase).toBe('awaiting_approval');
    });
  });
});
