import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeploymentDto } from '../../src/api/pipeline-schemas.js';
import type { ChangeRequestDto, ChangeRequestPageDto } from '../../src/api/schemas.js';
import { assertBuilt } from '../support/cli-process.js';
import {
  build,
  changeRequest,
  changeRequestCount,
  createWorld,
  deploy,
  download,
  labels,
  type PipelineWorld,
  people,
  ship,
  sleep,
  steps,
  waitForFile,
} from '../support/pipeline-fixture.js';

/**
 * The gate and the lock, on SQLite only (the matrix suites cover the dialects): waiting for an
 * approval, what auto-approval refuses, empty deltas, and one deployment per environment at a time,
 * including deployments whose process was killed. Default gating: no evidence checks configured.
 */

// The CLI under test must be built from the current sources.
beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const envNames = [
  'prod-wait',
  'prod-outage',
  'prod-risk',
  'prod-never',
  'prod-redeploy',
  'prod-lock',
  'prod-lease',
  'prod-takeover',
  'prod-stale',
];
const config = `
environments:
${envNames.map((name) => `  - name: ${name}\n    purpose: production`).join('\n')}
  - name: prod-takeover-rb
    purpose: production
    rollbackEnabled: true
autoApproval:
  maxRisk: moderate
`;

/** Polls until the environment has a CR in the state (the one a background deploy created). */
async function waitForChangeRequest(w: PipelineWorld, env: string, state: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const page = await w.json<ChangeRequestPageDto>(['cr', 'list', '--environment', env, '--state', state]);
    if (page.items[0]) return page.items[0].number;
    await sleep(200);
  }
  throw new Error(`no change request in ${state} for ${env}`);
}

describe('gates and locks (sqlite)', () => {
  let w: PipelineWorld;

  // Two deployments are killed first: a rerun takes over a lock only after 30 s without renewal, so
  // their reruns come last, when that time has passed.
  let killedAt = 0;
  const killed: Record<string, string> = {};
  beforeAll(async () => {
    w = await createWorld('sqlite', 'gates', config);
    for (const [env, name] of [
      ['prod-takeover-rb', 'takeover-rb-api'],
      ['prod-takeover', 'takeover-api'],
    ] as const) {
      await ship(w, env, [build(name, '1.0.0')]);
      killed[env] = await killMidDeploy(w, env);
    }
    killedAt = Date.now();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a killed deployment keeps its lock until the lease ends, and a rerun with its CR at once is refused too', async () => {
    const number = killed['prod-takeover'] as string;
    const count = await changeRequestCount(w);
    for (const args of [steps.ok, [...steps.ok, '--change-request-id', number]]) {
      const blocked = await w.cli(['deploy', '--env', 'prod-takeover', ...args]);
      expect(blocked.code, blocked.stderr).toBe(2);
      expect(blocked.stderr).toMatch(/prod-takeover\/default is being deployed by run [0-9A-Z]{26} /);
      expect(blocked.stderr).toContain(`take it over with --change-request-id ${number}`);
    }
    expect(await changeRequestCount(w)).toBe(count);
  });

  it('--wait-for-approval deploys once another process approves during the wait', async () => {
    await ship(w, 'prod-wait', [build('wait-api', '1.0.0')], { evidence: 'failure' });
    const waiting = w.start([
      'deploy',
      '--env',
      'prod-wait',
      ...steps.ok,
      '--wait-for-approval',
      '30s',
      '--json',
    ]);
    const number = await waitForChangeRequest(w, 'prod-wait', 'authorize');
    await w.json(['cr', 'approve', number, '--comment', 'approved while it waits'], people.approver);
    const r = await waiting.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      flow: 'standard',
      status: 'successful_deployment',
      changeRequest: {
        number,
        state: 'closed',
        approval: 'approved',
        closeCategory: 'successful_with_issues',
      },
    });
    expect(r.stderr).toContain(`waiting up to 30 s for ${number} to be approved`);
  });

  it('--wait-for-approval ends with exit 2 and the approver’s comment when the change is rejected', async () => {
    await ship(w, 'prod-wait', [build('wait-api', '1.0.1')], { evidence: 'failure' });
    const waiting = w.start([
      'deploy',
      '--env',
      'prod-wait',
      ...steps.ok,
      '--wait-for-approval',
      '30s',
      '--json',
    ]);
    const number = await waitForChangeRequest(w, 'prod-wait', 'authorize');
    await w.json(['cr', 'reject', number, '--comment', 'not during the freeze'], people.approver);
    const r = await waiting.done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${number} was rejected by ${people.approver}: not during the freeze`);
    expect(r.stderr).not.toContain('▸ deploy');
    expect(JSON.parse(r.stdout)).toMatchObject({
      phase: 'abandoned',
      rejection: { approver: people.approver, comment: 'not during the freeze' },
      changeRequest: { number, approval: 'rejected' },
    });
    // Rejected is final for that CR: deploying under it is refused too.
    const rerun = await w.cli(['deploy', '--env', 'prod-wait', ...steps.ok, '--change-request-id', number]);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).not.toContain('▸ deploy');
  });

  it('--wait-for-approval with no decision before the deadline exits 3 with the rerun command', async () => {
    const r = await w.cli(['deploy', '--env', 'prod-wait', ...steps.ok, '--wait-for-approval', '1s']);
    expect(r.code, r.stderr).toBe(3);
    const number = /(CHG\d+) awaits approval/.exec(r.stderr)?.[1] as string;
    expect(number).toBeDefined();
    expect(r.stderr).toContain(`--wait-for-approval 1s --change-request-id ${number}`);
    expect((await changeRequest(w, number)).approval).toBe('requested');
    const bad = await w.cli(['deploy', '--env', 'prod-wait', ...steps.ok, '--wait-for-approval', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--wait-for-approval: 'soon' is not a duration/);
  });

  it('does not auto-approve a ready deployment with planned downtime', async () => {
    await ship(w, 'prod-outage', [build('outage-api', '1.0.0')]);
    const run = await deploy(w, 'prod-outage', [...steps.ok, '--outage-minutes', '30']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.doc).toMatchObject({
      deploymentReady: true,
      changeRequest: { state: 'authorize', approval: 'requested' },
      autoApproval: { approved: false },
    });
    expect(run.doc.autoApproval?.reasons).toContain(
      'outage: 30 minutes (planned downtime needs a human approval)',
    );
    expect((await changeRequest(w, run.doc.changeRequest.number)).outageMinutes).toBe(30);
  });

  it('does not auto-approve a ready deployment whose risk is above the configured maxRisk', async () => {
    await ship(w, 'prod-risk', [build('risk-api', '1.0.0')], { promote: ['--risk', 'high'] });
    const run = await deploy(w, 'prod-risk');
    expect(run.code, run.stderr).toBe(3);
    expect(run.doc).toMatchObject({ deploymentReady: true, changeRequest: { approval: 'requested' } });
    expect(run.doc.autoApproval?.reasons).toContain("risk: high above the auto-approval limit 'moderate'");
    expect((await changeRequest(w, run.doc.changeRequest.number)).risk).toBe('high');
  });

  it('tells to promote first when nothing was promoted to the environment', async () => {
    const r = await w.cli(['deploy', '--env', 'prod-never', ...steps.ok]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /nothing has been promoted to 'prod-never' yet; promote first: changegate promote/,
    );
  });

  it('refuses an empty delta without a CR unless --force-redeploy, and deploys it under a manual CR', async () => {
    await ship(w, 'prod-redeploy', [build('redeploy-api', '1.0.0')]);
    expect((await deploy(w, 'prod-redeploy')).code).toBe(0);
    const count = await changeRequestCount(w);

    const again = await w.cli(['deploy', '--env', 'prod-redeploy', ...steps.ok]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /nothing to deploy: prod-redeploy\/default already runs revision \d+.*--force-redeploy/,
    );
    expect(await changeRequestCount(w)).toBe(count);

    const forced = await deploy(w, 'prod-redeploy', [...steps.ok, '--force-redeploy']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.doc).toMatchObject({
      delta: [],
      deploymentReady: true,
      changeRequest: { state: 'closed', closeCategory: 'successful' },
    });
    expect((await changeRequest(w, forced.doc.changeRequest.number)).title).toBe(
      'Redeploy prod-redeploy (no changes)',
    );

    // "No code or configuration changed": a manual, approved CR explains the redeployment.
    const manual = await w.json<ChangeRequestDto>(
      [
        'cr',
        'create',
        '--title',
        'Restart after certificate rotation',
        '--environment',
        'prod-redeploy',
        '--priority',
        'low',
        '--assignee',
        'ops@example.com',
        '--customer-impact',
        'no_impact',
        '--deployment-impact',
        'small',
      ],
      people.manager,
    );
    await w.json(['cr', 'request-approval', manual.number], people.manager);
    await w.json(['cr', 'approve', manual.number], people.approver);
    const run = await deploy(w, 'prod-redeploy', [...steps.ok, '--change-request-id', manual.number]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.doc).toMatchObject({ flow: 'manual', delta: [], changeRequest: { number: manual.number } });
  });

  it('lets one deployment at a time hold an environment: a second one, even with the first one’s CR, fails fast naming it', async () => {
    await ship(w, 'prod-lock', [build('lock-api', '1.0.0')]);
    const marker = join(w.dir, 'lock-deploying');
    const release = join(w.dir, 'lock-release');
    const first = w.start([
      'deploy',
      '--env',
      'prod-lock',
      '--pipeline-run-id',
      'cd-lock-1',
      '--deploy-cmd',
      `touch '${marker}' && while [ ! -f '${release}' ]; do sleep 0.1; done`,
      '--acceptance-cmd',
      'true',
      '--json',
    ]);
    await waitForFile(marker);
    const number = await waitForChangeRequest(w, 'prod-lock', 'implement');
    const count = await changeRequestCount(w);
    const second = await w.cli(['deploy', '--env', 'prod-lock', ...steps.ok]);
    // A live deployment is never taken over, not even by a rerun with its CR.
    const sameCr = await w.cli(['deploy', '--env', 'prod-lock', ...steps.ok, '--change-request-id', number]);
    writeFileSync(release, '');
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    const firstRun = JSON.parse(done.stdout) as DeploymentDto;
    expect(firstRun.changeRequest).toMatchObject({ number, state: 'closed' });
    for (const refused of [second, sameCr]) {
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(
        `prod-lock/default is being deployed by run ${firstRun.runId} (pipeline run cd-lock-1, ${number})`,
      );
      expect(refused.stderr).not.toContain('▸ deploy');
    }
    expect(await changeRequestCount(w)).toBe(count);
  });

  it('lets a killed deployment’s lock lapse after its --lock-ttl, so the next deployment proceeds', async () => {
    await ship(w, 'prod-lease', [build('lease-api', '1.0.0')]);
    const marker = join(w.dir, 'lease-deploying');
    const killed = w.start([
      'deploy',
      '--env',
      'prod-lease',
      '--lock-ttl',
      '2',
      '--deploy-cmd',
      `touch '${marker}' && sleep 60`,
      '--acceptance-cmd',
      'true',
    ]);
    await waitForFile(marker);
    killed.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    const stranded = await waitForChangeRequest(w, 'prod-lease', 'implement');
    await sleep(3_000);
    const next = await deploy(w, 'prod-lease');
    expect(next.code, next.stderr).toBe(0);
    expect(next.doc.changeRequest.number).not.toBe(stranded);
    expect(next.doc.changeRequest).toMatchObject({ state: 'closed', closeCategory: 'successful' });
  });

  it('does not let a deployment that lost its lock finish over a newer one and move prod_latest back', async () => {
    await ship(w, 'prod-stale', [build('stale-api', '1.0.0')]);
    const marker = join(w.dir, 'stale-deploying');
    const killed = w.start([
      'deploy',
      '--env',
      'prod-stale',
      '--lock-ttl',
      '2',
      '--pipeline-run-id',
      'stale-run',
      '--deploy-cmd',
      `touch '${marker}' && sleep 60`,
      '--acceptance-cmd',
      'true',
    ]);
    await waitForFile(marker);
    killed.kill('SIGKILL');
    await killed.done;
    await sleep(3_000);
    await ship(w, 'prod-stale', [build('stale-api', '2.0.0')]);
    const newer = await deploy(w, 'prod-stale');
    expect(newer.code, newer.stderr).toBe(0);
    const deployed = await labels(w, 'prod-stale');
    expect(deployed['prod-stale_latest']).toBe(deployed[newer.doc.changeRequest.number]);

    // The interrupted run's CI step reports back late: 2.0.0 is what runs, so 1.0.0 must not become latest.
    const late = await w.cli([
      'deploy',
      'finish',
      '--run',
      'stale-run',
      '--deploy-status',
      'success',
      '--acceptance-status',
      'success',
    ]);
    expect(late.code, late.stderr).toBe(2);
    expect(late.stderr).toMatch(/^error: .*(lock|supersede|newer)/im);
    expect((await labels(w, 'prod-stale'))['prod-stale_latest']).toBe(deployed['prod-stale_latest']);
  });

  it('a killed deployment is completed on the fast path by a rerun with its CR once it stopped renewing its lock', async () => {
    const number = killed['prod-takeover'] as string;
    await sleep(killedAt + 31_000 - Date.now());
    const rerun = await deploy(w, 'prod-takeover', [...steps.ok, '--change-request-id', number]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.doc).toMatchObject({
      flow: 'fast_path',
      status: 'successful_deployment',
      changeRequest: { number, state: 'closed', closeCategory: 'successful' },
    });
    expect(rerun.doc.stages.find((s) => s.name === 'gate')?.detail).toMatch(
      /continuing an interrupted deployment/,
    );
    const l = await labels(w, 'prod-takeover');
    expect(l['prod-takeover_latest']).toBe(l[number]);
  });

  it('a killed deployment rolls back inline when its rerun fails', async () => {
    const number = killed['prod-takeover-rb'] as string;
    await sleep(killedAt + 31_000 - Date.now());
    const rerun = await deploy(w, 'prod-takeover-rb', [
      '--change-request-id',
      number,
      '--deploy-cmd',
      'echo still broken; exit 1',
      '--acceptance-cmd',
      'true',
      '--rollback-cmd',
      'echo rolled back takeover-rb-api',
    ]);
    expect(rerun.code, rerun.stderr).toBe(4);
    expect(rerun.doc).toMatchObject({
      flow: 'fast_path',
      status: 'failed_deployment_successful_rollback',
      changeRequest: { number, state: 'review', closeCategory: 'unsuccessful' },
    });
    expect(await download(w, number, 'rollback_logs')).toContain('rolled back takeover-rb-api');
    expect(await labels(w, 'prod-takeover-rb')).not.toHaveProperty('prod-takeover-rb_latest');
  });
});

/** Starts a deployment, SIGKILLs it (and its step) during the deploy step; returns the CR it left in implement. */
async function killMidDeploy(w: PipelineWorld, env: string): Promise<string> {
  const marker = join(w.dir, `${env}-deploying`);
  const started = w.start([
    'deploy',
    '--env',
    env,
    '--deploy-cmd',
    `touch '${marker}' && sleep 60`,
    '--acceptance-cmd',
    'true',
  ]);
  await waitForFile(marker);
  started.kill('SIGKILL');
  expect((await started.done).signal).toBe('SIGKILL');
  return waitForChangeRequest(w, env, 'implement');
}
