import { describe, expect, it } from 'vitest';
import { checksWithAcceptance, deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { verifyAuditChain } from '../audit/audit-queries.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { addEvidence, findEvidence } from '../evidence/evidence-service.js';
import { evidenceSummary } from '../evidence/evidence-summary.js';

describe.each(dialects)('deployment services on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  describe('begin and finish', () => {
    it('auto-approves a ready deployment, closes its CR successful and moves prod_latest', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin({ pipelineRunId: 'cd-1' });
      expect(begun.run).toMatchObject({
        flow: 'standard',
        phase: 'implementing',
        createdChangeRequest: true,
      });
      expect(begun.changeRequest).toMatchObject({
        state: 'implement',
        approval: 'approved',
        type: 'normal',
        deploymentReady: true,
        title: 'Deploy api 1.0.0 to prod',
        pipelineRunId: 'cd-1',
        targetEnvironmentPurpose: 'production',
      });
      expect(begun.autoApproval?.approved).toBe(true);
      expect(begun.attachments).toEqual(['deployment_bom', 'delta_summary']);
      expect(await w.latest()).toBeUndefined();

      const done = await w.finish(begun.run.id);
      expect(done.run).toMatchObject({ phase: 'finished', status: 'successful_deployment' });
      expect(done.changeRequest).toMatchObject({ state: 'closed', closeCategory: 'successful' });
      expect(done.attachments).toEqual(['deployment_bom', 'delta_summary', 'closing_summary', 'merged_sbom']);
      expect(await w.latest()).toBe(begun.run.targetRevisionId);
      const closing = JSON.parse(await w.attachment(done.changeRequest.number, 'closing_summary'));
      expect(closing).toMatchObject({
        outcome: 'deployed',
        deploymentReady: true,
        changeRequest: done.changeRequest.number,
      });
      expect(closing.entries[0].evidence.map((e: { evidenceTypeId: string }) => e.evidenceTypeId)).toEqual([
        'acceptance_tests',
        'unit_tests',
      ]);
      // The lock is released and the delta is now empty.
      expect((await failure(w.begin())).message).toMatch(/nothing to deploy.*--force-redeploy/);
      expect((await w.begin({ forceRedeploy: true })).run.phase).toBe('implementing');
    });

    it('sends a deployment that is not ready for approval and waits without holding the lock', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const waiting = await w.begin();
      expect(waiting.run.phase).toBe('awaiting_approval');
      expect(waiting.changeRequest).toMatchObject({
        state: 'authorize',
        approval: 'requested',
        deploymentReady: false,
      });
      expect(waiting.autoApproval?.reasons[0]).toMatch(/deployment ready: no/);
      const e = await failure(w.finish(waiting.run.id));
      expect(e.code).toBe('illegal_transition');
      expect(e.message).toMatch(/awaiting approval.*waiting for its change request to be approved/);
      // Another run may take the environment meanwhile.
      expect((await w.begin({ outageMinutes: 5 })).run.phase).toBe('awaiting_approval');
    });

    it('does not auto-approve a deployment with an outage or a risk above the limit', async () => {
      const w = await world({ autoApproval: { maxRisk: 'low' } });
      await w.ship('api', '1.0.0');
      const fields = {
        priority: 'high',
        assignee: 'dev@example.com',
        customerImpact: 'low',
        deploymentImpact: 'small',
      };
      await w.promoteTo('prod', { fields: { ...fields, risk: 'moderate' } });
      const risky = await w.begin();
      expect(risky.changeRequest).toMatchObject({
        approval: 'requested',
        deploymentReady: true,
        risk: 'moderate',
      });
      expect(risky.autoApproval?.reasons).toContain("risk: moderate above the auto-approval limit 'low'");

      await w.promoteTo('staging', { fields });
      const outage = await w.begin({ environment: 'staging', outageMinutes: 10 });
      expect(outage.changeRequest).toMatchObject({ approval: 'requested', outageMinutes: 10 });
      expect(outage.autoApproval).toEqual({
        approved: false,
        reasons: [
          'deployment ready: yes',
          'outage: 10 minutes (planned downtime needs a human approval)',
          "risk: low within the auto-approval limit 'low'",
        ],
      });
    });

    it('closes successful_with_issues when a post-deployment rule fails at closure', async () => {
      const w = await world({ evidenceChecks: checksWithAcceptance });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin();
      // Post-deployment rules do not gate the deployment.
      expect(begun.changeRequest.approval).toBe('approved');
      expect(begun.attachments).toContain('evidence_checks_config');
      const done = await w.finish(begun.run.id, { acceptanceStatus: undefined });
      expect(done.changeRequest.closeCategory).toBe('successful_with_issues');
      expect(done.changeRequest.closeNotes).toMatch(/acceptance_tests missing/);
      expect(await w.latest()).toBe(begun.run.targetRevisionId);
    });

    it('closes successful when the acceptance step satisfies the post-deployment rule', async () => {
      const w = await world({ evidenceChecks: checksWithAcceptance });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin();
      const done = await w.finish(begun.run.id, { acceptanceStatus: 'success' });
      expect(done.changeRequest.closeCategory).toBe('successful');
      const acceptance = await findEvidence(deps(), w.pipeline, { type: 'acceptance_tests' });
      expect(acceptance).toHaveLength(1);
      expect(acceptance[0]).toMatchObject({
        environment: 'prod',
        result: 'success',
        pipelineRunId: begun.run.pipelineRunId,
      });
    });

    it('leaves a failed deployment in review as unsuccessful with the rollback documents, prod_latest unchanged', async () => {
      const w = await world();
      const first = await w.deployed('api', '1.0.0');
      await w.ship('api', '1.1.0');
      await w.promoteTo();
      const begun = await w.begin();
      const failed = await w.finish(begun.run.id, {
        acceptanceStatus: 'failure',
        rollbackStatus: 'success',
        rollbackLogs: 'helm rollback api 1\nrestored api 1.0.0\n',
      });
      expect(failed.run).toMatchObject({
        phase: 'finished',
        status: 'failed_deployment_successful_rollback',
      });
      expect(failed.changeRequest).toMatchObject({ state: 'review', closeCategory: 'unsuccessful' });
      expect(failed.attachments).toEqual([
        'deployment_bom',
        'delta_summary',
        'rollback_logs',
        'closing_summary',
        'merged_sbom',
      ]);
      expect(await w.attachment(failed.changeRequest.number, 'rollback_logs')).toBe(
        'helm rollback api 1\nrestored api 1.0.0\n',
      );
      const closing = JSON.parse(await w.attachment(failed.changeRequest.number, 'closing_summary'));
      expect(closing).toMatchObject({ outcome: 'rolled back', revision: { id: first.run.targetRevisionId } });
      expect(closing.entries.map((e: { version: string }) => e.version)).toEqual(['1.0.0']);
      const sbom = JSON.parse(await w.attachment(failed.changeRequest.number, 'merged_sbom'));
      expect(sbom.metadata.component.version).toBe('revision-1');
      expect(await w.latest()).toBe(first.run.targetRevisionId);
      // The lock is released: the next attempt may begin (and waits for approval, the failed acceptance
      // tests being evidence against api 1.1.0 now).
      const next = await w.begin();
      expect(next.run.phase).toBe('awaiting_approval');
      expect(next.changeRequest.deploymentReady).toBe(false);
    });

    it('reports a failed rollback, and no rollback where the environment has it disabled', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const prod = await w.begin();
      const rollbackFailed = await w.finish(prod.run.id, {
        deployStatus: 'failure',
        acceptanceStatus: undefined,
        rollbackStatus: 'failure',
      });
      expect(rollbackFailed.run.status).toBe('failed_deployment_failed_rollback');
      expect(await w.attachment(rollbackFailed.changeRequest.number, 'rollback_logs')).toBe(
        '(no rollback output was captured)\n',
      );
      expect(
        JSON.parse(await w.attachment(rollbackFailed.changeRequest.number, 'closing_summary')),
      ).toMatchObject({
        outcome: 'rollback failed',
        entries: [],
      });

      await w.promoteTo('staging');
      const staging = await w.begin({ environment: 'staging' });
      // A rollback status for an environment without rollback is refused, not silently dropped.
      expect(
        (await failure(w.finish(staging.run.id, { acceptanceStatus: 'failure', rollbackStatus: 'success' })))
          .details,
      ).toMatchObject({ field: 'rollbackStatus' });
      const noRollback = await w.finish(staging.run.id, { acceptanceStatus: 'failure' });
      expect(noRollback.run.status).toBe('failed_deployment_no_rollback');
      expect(noRollback.changeRequest).toMatchObject({ state: 'review', closeCategory: 'unsuccessful' });
      expect(noRollback.attachments).toEqual(['deployment_bom', 'delta_summary']);
      expect(await w.latest('staging')).toBeUndefined();
    });

    // finishDeployment judges closure on every target entry when the delta has no added/changed entry,
    // while beginDeployment and evidenceSummary judged the (empty) set of delta entries.
    it('judges a deployment that only removes entries on the same entries at closure as at begin', async () => {
      const w = await world();
      const api = await w.ship('api', '1.0.0');
      await w.ship('legacy', '1.0.0');
      await w.promoteTo();
      await w.finish((await w.begin()).run.id);
      await w.promoteTo('staging', { include: ['api'] });
      await w.finish((await w.begin({ environment: 'staging' })).run.id);
      const p = await w.promoteTo('prod', { source: 'staging' });
      expect(p.delta.map((d) => `${d.change} ${d.name}`)).toEqual(['removed legacy']);
      // A finding on api, which this deployment does not change.
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'code_vulnerability_scan',
        result: 'failure',
        tool: 'trivy',
        assets: [api.artifact],
      });
      const preview = await evidenceSummary(deps(), w.pipeline, 'prod');
      expect(preview.readiness.ready).toBe(true);
      const begun = await w.begin();
      expect(begun.changeRequest).toMatchObject({ approval: 'approved', deploymentReady: true });
      const done = await w.finish(begun.run.id);
      expect(done.changeRequest.closeCategory).toBe('successful');
    });

    // The pipeline run id becomes a label of the target revision at begin; `prod_latest` (or a CR number)
    // as a run id moves that label before anything was deployed.
    it('does not let a pipeline run id move prod_latest', async () => {
      const w = await world();
      const first = await w.deployed('api', '1.0.0');
      await w.ship('api', '2.0.0');
      await w.promoteTo();
      let begun: Awaited<ReturnType<typeof w.begin>>;
      try {
        begun = await w.begin({ pipelineRunId: 'prod_latest' });
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'pipelineRunId' } });
        return;
      }
      expect(await w.latest()).toBe(first.run.targetRevisionId);
      await w.finish(begun.run.id, { deployStatus: 'failure', acceptanceStatus: undefined });
      expect(await w.latest()).toBe(first.run.targetRevisionId);
    });

    it('refuses to finish a run twice, and refuses contradictory step results', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin();
      const bad = await failure(
        w.finish(begun.run.id, { deployStatus: 'failure', acceptanceStatus: 'success' }),
      );
      expect(bad.details.field).toBe('acceptanceStatus');
      await w.finish(begun.run.id);
      const audit = (await verifyAuditChain(deps(), w.pipeline)).count;
      const again = await failure(
        w.finish(begun.run.id, { deployStatus: 'failure', acceptanceStatus: undefined }),
      );
      expect(again.code).toBe('illegal_transition');
      expect(again.message).toMatch(/is finished; only a deployment in implement can be finished/);
      expect(
        (await getChangeRequest(deps(), w.pipeline, begun.changeRequest.number)).changeRequest.closeCategory,
      ).toBe('successful');
      expect((await verifyAuditChain(deps(), w.pipeline)).count).toBe(audit);
      expect((await failure(w.finish('no-such-run'))).code).toBe('not_found');
    });

    it('runs an emergency change without waiting and owes its follow-ups', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo('prod', { labels: ['emergency'] });
      const begun = await w.begin();
      expect(begun.run).toMatchObject({ flow: 'emergency', phase: 'implementing' });
      expect(begun.changeRequest).toMatchObject({
        type: 'emergency',
        state: 'implement',
        approval: 'retro_pending',
      });
      const done = await w.finish(begun.run.id);
      expect(done.changeRequest.closeCategory).toBe('successful_with_issues');
      expect(done.obligations.map((o) => o.kind).sort()).toEqual([
        'evidence_remediation',
        'retrospective_approval',
        'root_cause_analysis',
      ]);
    });
  });
});
