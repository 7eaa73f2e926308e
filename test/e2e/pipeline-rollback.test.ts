import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChangeRequestDto } from '../../src/api/schemas.js';
import { assertBuilt } from '../support/cli-process.js';
import {
  build,
  changeRequest,
  createWorld,
  deploy,
  download,
  downloadJson,
  labels,
  type PipelineWorld,
  people,
  pipelineModes,
  policyWithChecks,
  runDeploy,
  sbomFixture,
  scratchFile,
  ship,
  steps,
} from '../support/pipeline-fixture.js';

/**
 * Failure and recovery (seed 000): the inline rollback, the step-wise `deploy begin` / `deploy finish`
 * used when CI runs the steps itself, and the dedicated full rollback to an earlier deployment.
 */

// The CLI under test must be built from the current sources.
beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const environments = `
  - name: prod-inline
    purpose: production
    rollbackEnabled: true
  - name: prod-first
    purpose: production
    rollbackEnabled: true
  - name: prod-norollback
    purpose: production
  - name: prod-steps
    purpose: production
    rollbackEnabled: true
  - name: prod-full
    purpose: production`;

const preDeployment = ['compliance_profile', 'delta_summary', 'deployment_bom', 'evidence_checks_config'];

describe.each(pipelineModes())('rollbacks and step-wise deployments (%s)', (mode) => {
  let w: PipelineWorld;

  beforeAll(async () => {
    w = await createWorld(mode, 'rollback', policyWithChecks(environments));
  });
  afterAll(async () => {
    await w?.close();
  });

  it('rolls back inline when acceptance fails: exit 4, rollback logs attached, CR in review unsuccessful, prod_latest unchanged', async () => {
    const v1 = build('inline-api', '1.0.0');
    await ship(w, 'prod-inline', [v1], { sbom: sbomFixture('svc-api.cdx-1.5.json') });
    expect((await deploy(w, 'prod-inline')).code).toBe(0);
    const deployed = (await labels(w, 'prod-inline'))['prod-inline_latest'];
    expect(deployed).toBeGreaterThan(0);

    const v2 = build('inline-api', '1.1.0');
    await ship(w, 'prod-inline', [v2]);
    const run = await deploy(w, 'prod-inline', [
      '--deploy-cmd',
      'echo deploying 1.1.0',
      '--acceptance-cmd',
      'echo smoke test failed; exit 1',
      '--rollback-cmd',
      'echo restoring inline-api 1.0.0',
    ]);
    expect(run.code, run.stderr).toBe(4);
    const number = run.doc.changeRequest.number;
    expect(run.doc).toMatchObject({
      flow: 'standard',
      status: 'failed_deployment_successful_rollback',
      rollbackEnabled: true,
      changeRequest: { state: 'review', approval: 'approved', closeCategory: 'unsuccessful' },
    });
    expect(run.doc.stages.map((s) => `${s.name}:${s.status}`).slice(3)).toEqual([
      'deploy:success',
      'acceptance:failure',
      'rollback:success',
      'close:success',
    ]);
    expect(run.stderr).toContain(`deployment failed: failed_deployment_successful_rollback; ${number}`);
    expect([...run.doc.attachments].sort()).toEqual(
      [...preDeployment, 'closing_summary', 'merged_sbom', 'rollback_logs'].sort(),
    );
    expect(await download(w, number, 'rollback_logs')).toContain('restoring inline-api 1.0.0');
    // The closing documents describe the state the rollback restored.
    const closing = await downloadJson<{ outcome: string; entries: { name: string; version: string }[] }>(
      w,
      number,
      'closing_summary',
    );
    expect(closing.outcome).toBe('rolled back');
    expect(closing.entries.map((e) => `${e.name}@${e.version}`)).toEqual(['inline-api@1.0.0']);
    const sbom = await downloadJson<{ components: { name: string; version: string }[] }>(
      w,
      number,
      'merged_sbom',
    );
    const components = sbom.components.map((c) => `${c.name}@${c.version}`);
    expect(components).toContain('inline-api@1.0.0');
    expect(components).toContain('yaml@2.9.1');
    expect(components).not.toContain('inline-api@1.1.0');

    const cr = await changeRequest(w, number);
    expect(cr).toMatchObject({ state: 'review', closeCategory: 'unsuccessful', closedAt: null });
    const l = await labels(w, 'prod-inline');
    expect(l['prod-inline_latest']).toBe(deployed);
    expect(l[number]).toBeGreaterThan(deployed as number);
  });

  it('reports failed_deployment_failed_rollback when the rollback step fails too', async () => {
    const b = build('first-api', '0.1.0');
    await ship(w, 'prod-first', [b]);
    const run = await deploy(w, 'prod-first', [
      '--deploy-cmd',
      'echo cannot pull image; exit 1',
      '--acceptance-cmd',
      'echo never runs',
      '--rollback-cmd',
      'echo rollback broke too; exit 3',
    ]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.doc).toMatchObject({
      status: 'failed_deployment_failed_rollback',
      changeRequest: { state: 'review', closeCategory: 'unsuccessful' },
    });
    expect(run.doc.stages.map((s) => `${s.name}:${s.status}`).slice(3)).toEqual([
      'deploy:failure',
      'rollback:failure',
      'close:success',
    ]);
    expect(run.stderr).not.toContain('▸ acceptance');
    const number = run.doc.changeRequest.number;
    expect(await download(w, number, 'rollback_logs')).toContain('rollback broke too');
    expect((await downloadJson<{ outcome: string }>(w, number, 'closing_summary')).outcome).toBe(
      'rollback failed',
    );
    expect(await labels(w, 'prod-first')).not.toHaveProperty('prod-first_latest');
  });

  it('does not run the rollback step where rollback is not enabled: failed_deployment_no_rollback, no rollback logs', async () => {
    const b = build('norollback-api', '4.0.0');
    await ship(w, 'prod-norollback', [b]);
    const marker = join(w.dir, 'norollback-ran');
    const run = await deploy(w, 'prod-norollback', [
      '--deploy-cmd',
      'echo deploying',
      '--acceptance-cmd',
      'exit 1',
      '--rollback-cmd',
      `touch '${marker}'`,
    ]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.doc).toMatchObject({
      status: 'failed_deployment_no_rollback',
      rollbackEnabled: false,
      changeRequest: { state: 'review', closeCategory: 'unsuccessful' },
    });
    expect(existsSync(marker)).toBe(false);
    expect(run.doc.attachments).not.toContain('rollback_logs');
    expect([...run.doc.attachments].sort()).toEqual(preDeployment);
    expect(await labels(w, 'prod-norollback')).not.toHaveProperty('prod-norollback_latest');
  });

  it('runs a deployment in CI steps: deploy begin, then deploy finish, with the one-shot outcome', async () => {
    const b = build('steps-api', '1.0.0');
    await ship(w, 'prod-steps', [b]);
    const begun = await runDeploy(w, ['deploy', 'begin', '--env', 'prod-steps']);
    expect(begun.code, begun.stderr).toBe(0);
    expect(begun.doc).toMatchObject({
      phase: 'implementing',
      status: null,
      flow: 'standard',
      changeRequest: { state: 'implement', approval: 'approved' },
    });
    const { runId } = begun.doc;
    expect(runId).toMatch(/^[0-9A-Z]{26}$/);
    expect(begun.stderr).toContain(`changegate deploy finish --run ${runId}`);

    const finished = await runDeploy(w, [
      'deploy',
      'finish',
      '--run',
      runId,
      '--deploy-status',
      'success',
      '--acceptance-status',
      'success',
    ]);
    expect(finished.code, finished.stderr).toBe(0);
    const number = finished.doc.changeRequest.number;
    expect(finished.doc).toMatchObject({
      runId,
      phase: 'finished',
      status: 'successful_deployment',
      changeRequest: { state: 'closed', closeCategory: 'successful' },
    });
    expect([...finished.doc.attachments].sort()).toEqual(
      [...preDeployment, 'closing_summary', 'merged_sbom'].sort(),
    );
    const l = await labels(w, 'prod-steps');
    expect(l['prod-steps_latest']).toBe(l[number]);
    expect(l[begun.doc.pipelineRunId]).toBe(l[number]);
    // A run is finished once.
    const again = await w.cli(['deploy', 'finish', '--run', runId, '--deploy-status', 'success']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/only a deployment in implement can be finished/);
  });

  it('stops deploy begin at the gate (exit 3), refuses to finish a waiting run, and records a failed finish with the rollback logs given', async () => {
    const b = build('steps-api', '1.1.0');
    await ship(w, 'prod-steps', [b], { evidence: 'failure' });
    const waiting = await runDeploy(w, ['deploy', 'begin', '--env', 'prod-steps']);
    expect(waiting.code, waiting.stderr).toBe(3);
    const number = waiting.doc.changeRequest.number;
    expect(waiting.doc).toMatchObject({ phase: 'awaiting_approval', status: 'awaiting_approval' });
    expect(waiting.stderr).toContain(
      `changegate deploy begin --env prod-steps --change-request-id ${number}`,
    );

    const early = await w.cli(['deploy', 'finish', '--run', waiting.doc.runId, '--deploy-status', 'success']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/waiting for its change request to be approved/);

    await w.json<ChangeRequestDto>(['cr', 'approve', number, '--comment', 'go'], people.approver);
    const cleared = await runDeploy(w, [
      'deploy',
      'begin',
      '--env',
      'prod-steps',
      '--change-request-id',
      number,
    ]);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.doc).toMatchObject({ flow: 'fast_path', phase: 'implementing' });
    const before = await labels(w, 'prod-steps');

    const logs = scratchFile(w, 'rollback.log', 'helm rollback steps-api 1\nRollback was a success!\n');
    const failed = await runDeploy(w, [
      'deploy',
      'finish',
      '--run',
      cleared.doc.runId,
      '--deploy-status',
      'success',
      '--acceptance-status',
      'failure',
      '--rollback-status',
      'success',
      '--rollback-logs',
      logs,
    ]);
    expect(failed.code, failed.stderr).toBe(4);
    expect(failed.doc).toMatchObject({
      status: 'failed_deployment_successful_rollback',
      changeRequest: { number, state: 'review', closeCategory: 'unsuccessful' },
    });
    expect(await download(w, number, 'rollback_logs')).toBe(
      'helm rollback steps-api 1\nRollback was a success!\n',
    );
    expect((await labels(w, 'prod-steps'))['prod-steps_latest']).toBe(before['prod-steps_latest']);
  });

  it('returns an environment to an earlier deployment with a new linked emergency CR, within --limit and only to concluded successes', async () => {
    const numbers: string[] = [];
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      await ship(w, 'prod-full', [build('full-api', version)]);
      const run = await deploy(w, 'prod-full');
      expect(run.code, run.stderr).toBe(0);
      numbers.push(run.doc.changeRequest.number);
    }
    const [a, b, c] = numbers as [string, string, string];
    const before = await labels(w, 'prod-full');
    expect(before['prod-full_latest']).toBe(before[c]);
    const rollback = (ref: string, extra: string[] = []) =>
      runDeploy(w, ['rollback', '--env', 'prod-full', '--change-request-id', ref, ...steps.ok, ...extra]);
    const refused = async (ref: string, message: RegExp, extra: string[] = []) => {
      const r = await w.cli([
        'rollback',
        '--env',
        'prod-full',
        '--change-request-id',
        ref,
        ...steps.ok,
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    };

    await refused(c, /its revision is what prod-full\/default runs now/);
    await refused(a, /2 successful deployments back and the limit is 1; pass --limit 2/);

    const run = await rollback(b);
    expect(run.code, run.stderr).toBe(0);
    const number = run.doc.changeRequest.number;
    expect(numbers).not.toContain(number);
    expect(run.doc).toMatchObject({
      flow: 'rollback',
      status: 'successful_deployment',
      changeRequest: {
        type: 'emergency',
        approval: 'retro_pending',
        state: 'closed',
        closeCategory: 'successful',
      },
    });
    expect(run.doc.delta).toEqual([
      { name: 'full-api', change: 'changed', fromVersion: '1.2.0', toVersion: '1.1.0' },
    ]);
    expect(run.doc.obligations.map((o) => o.kind).sort()).toEqual([
      'retrospective_approval',
      'root_cause_analysis',
    ]);
    const l = await labels(w, 'prod-full');
    expect(l['prod-full_latest']).toBe(before[b]);
    expect(l[number]).toBe(before[b]);

    const cr = await changeRequest(w, number);
    expect(cr.links).toEqual([expect.objectContaining({ kind: 'rollback_of', target: b })]);
    expect(cr).toMatchObject({ priority: 'moderate', assignee: 'dev@example.com', environment: 'prod-full' });
    expect((await changeRequest(w, b)).links).toEqual([
      expect.objectContaining({ kind: 'rolled_back_by', target: number }),
    ]);

    // Not to a failed deployment, nor to a change request that is still open.
    await ship(w, 'prod-full', [build('full-api', '1.3.0')]);
    const failed = await deploy(w, 'prod-full', ['--deploy-cmd', 'exit 1', '--acceptance-cmd', 'true']);
    expect(failed.code).toBe(4);
    await refused(failed.doc.changeRequest.number, /it is review \(unsuccessful\)/);
    const open = await w.json<ChangeRequestDto>(
      [
        'cr',
        'create',
        '--environment',
        'prod-full',
        '--priority',
        'low',
        '--assignee',
        'ops@example.com',
        '--customer-impact',
        'low',
        '--deployment-impact',
        'small',
      ],
      people.manager,
    );
    await refused(open.number, /cannot roll back to .*: it is new/);
  });
});
