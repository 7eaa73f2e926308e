import { describe, expect, it } from 'vitest';
import { validChange } from '../../../test/support/actors.js';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { decideChangeApproval, requestApproval } from '../changes/change-request-actions.js';
import { findChangeRequests, getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { addEvidence } from '../evidence/evidence-service.js';
import { getDeployment } from './deployment-support.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  describe('a supplied change request', () => {
    it('takes the fast path for a CR the pipeline created for the same target, reusing its delta and summary', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const first = await w.begin({ pipelineRunId: 'cd-1' });
      expect(first.run.phase).toBe('awaiting_approval');
      // Evidence fixed meanwhile: the fast path still shows what the approver saw.
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        pipelineRunId: first.run.delta[0]?.to?.pipelineRunId,
      });
      await decideChangeApproval(deps(), w.approver, first.changeRequest.number, 'approved', 'risk accepted');
      const rerun = await w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number });
      expect(rerun.run).toMatchObject({
        flow: 'fast_path',
        phase: 'implementing',
        createdChangeRequest: false,
      });
      expect(rerun.run.delta).toEqual(first.run.delta);
      expect(rerun.run.readiness).toEqual(first.run.readiness);
      expect((rerun.run.readiness as { ready: boolean }).ready).toBe(false);
      expect(rerun.run.stages.find((s) => s.name === 'change_request')?.detail).toMatch(/fast path/);
      expect(rerun.changeRequest).toMatchObject({ state: 'implement', approval: 'approved' });
      // No new CR and no new documents.
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
      expect(rerun.attachments).toEqual(['deployment_bom', 'delta_summary']);
      expect((await getDeployment(deps(), w.pipeline, first.run.id)).run.phase).toBe('abandoned');
      // Closed by readiness at closure, which now holds.
      const done = await w.finish(rerun.run.id);
      expect(done.changeRequest).toMatchObject({ state: 'closed', closeCategory: 'successful' });
    });

    it('treats the same CR as manual once a new promotion changed the target, and leaves it open', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const first = await w.begin();
      await decideChangeApproval(deps(), w.approver, first.changeRequest.number, 'approved', 'ok');
      await w.ship('api', '1.1.0');
      await w.promoteTo();
      const rerun = await w.begin({ changeRequestId: first.changeRequest.number });
      expect(rerun.run.flow).toBe('manual');
      expect(rerun.run.targetRevisionId).not.toBe(first.run.targetRevisionId);
      expect(rerun.run.delta.map((d) => `${d.name} ${d.toVersion}`)).toEqual(['api 1.1.0']);
      expect((rerun.run.readiness as { ready: boolean }).ready).toBe(true);
      expect(rerun.run.stages.find((s) => s.name === 'change_request')?.detail).toMatch(
        /supplied CR: delta and summary recomputed/,
      );
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
      expect(rerun.attachments.filter((a) => a === 'delta_summary')).toHaveLength(2);

      const done = await w.finish(rerun.run.id);
      expect(done.run.status).toBe('successful_deployment');
      // Left open in review for its owner to close; it cannot be reused for another deployment.
      expect(done.changeRequest).toMatchObject({ state: 'review', closeCategory: null });
      expect((await failure(w.begin({ changeRequestId: first.changeRequest.number }))).code).toBe(
        'illegal_transition',
      );
      expect(done.attachments).toContain('closing_summary');
      expect(done.attachments).toContain('merged_sbom');
      expect(await w.latest()).toBe(rerun.run.targetRevisionId);
    });

    it('deploys a hand-made approved CR with downtime as manual, recomputing the delta', async () => {
      const w = await world();
      await w.deployed('api', '1.0.0');
      const cr = await createChangeRequest(deps(), w.pipeline, {
        ...validChange,
        environment: 'prod',
        outageMinutes: 30,
      });
      await requestApproval(deps(), w.pipeline, cr.number);
      await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'window agreed');
      const run = await w.begin({ changeRequestId: cr.number });
      expect(run.run).toMatchObject({ flow: 'manual', phase: 'implementing', delta: [] });
      expect(run.changeRequest.state).toBe('implement');
    });

    it('refuses a CR made for another environment, locking nothing', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const staging = await createChangeRequest(deps(), w.pipeline, {
        ...validChange,
        environment: 'staging',
      });
      const e = await failure(w.begin({ changeRequestId: staging.number }));
      expect(e.code).toBe('invalid_input');
      expect(e.details.field).toBe('changeRequestId');
      expect(e.message).toMatch(new RegExp(`${staging.number} is for environment 'staging', not 'prod'`));
      expect((await failure(w.begin({ changeRequestId: 'CHG0999999' }))).code).toBe('not_found');
      expect((await w.begin()).run.phase).toBe('implementing');
    });

    it('does not let --emergency override a rejection', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const waiting = await w.begin();
      await decideChangeApproval(
        deps(),
        w.approver,
        waiting.changeRequest.number,
        'rejected',
        'not this one',
      );
      const e = await failure(w.begin({ changeRequestId: waiting.changeRequest.number, emergency: true }));
      expect(e.code).toBe('illegal_transition');
      const cr = (await getChangeRequest(deps(), w.pipeline, waiting.changeRequest.number)).changeRequest;
      expect(cr).toMatchObject({ type: 'normal', state: 'assess', approval: 'rejected' });
    });

    it('refuses a closed CR and one left in review', async () => {
      const w = await world();
      const done = await w.deployed('api', '1.0.0');
      expect((await failure(w.begin({ changeRequestId: done.changeRequest.number }))).code).toBe(
        'illegal_transition',
      );
      await w.ship('api', '1.1.0');
      await w.promoteTo();
      const begun = await w.begin();
      const failed = await w.finish(begun.run.id, { acceptanceStatus: 'failure' });
      const e = await failure(w.begin({ changeRequestId: failed.changeRequest.number }));
      expect(e.code).toBe('illegal_transition');
      expect(e.message).toMatch(/is in review after its deployment \(unsuccessful\)/);
    });
  });
});
