import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { approvalPollMs } from '../src/services/deployments/await-approval.js';
import {
  cli,
  expectOk,
  type Finished,
  type Mode,
  type ModeSetup,
  max,
  modeSetup,
  parseDeployment,
  printTimeResult,
  publishRelease,
  startCli,
  type TimeResult,
  workspace,
} from './deploy-overhead.js';
import { type BenchResult, fmt, header, isMain, log, median, runStandalone, sizeFromEnv } from './support.js';

/*
 * Benchmark: how soon `deploy --wait-for-approval` starts its deploy step once a person approves.
 * The deploy step is `date +%s%N > stamp`, so the instant it started is on disk; the approval is a
 * separate `cr approve` process. Baseline: one `cr get` as a process, the CLI's own round trip.
 */

interface Sample {
  /** Deploy step start minus the approval's decidedAt (recorded inside its transaction): an upper bound. */
  fromDecision: number;
  /** Deploy step start minus the exit of the `cr approve` process (after its commit): a lower bound. */
  fromApproveExit: number;
  approveMs: number;
  crGetMs: number;
}

async function oneRun(
  ws: Awaited<ReturnType<typeof workspace>>,
  setup: ModeSetup,
  release: number,
  stampFile: string,
): Promise<Sample> {
  await publishRelease(ws.api, {
    release,
    entries: 3,
    evidencePerEntry: 2,
    sbomComponents: 20,
    sharedComponents: 5,
  });
  rmSync(stampFile, { force: true });
  const what = `deploy --wait-for-approval (${setup.mode}, release ${release})`;
  // Planned downtime always needs a person's approval, even for a ready delta.
  const deploy = startCli(
    [
      'deploy',
      '--env',
      'prod',
      '--outage-minutes',
      '5',
      '--wait-for-approval',
      '2m',
      '--deploy-cmd',
      `date +%s%N > '${stampFile}'`,
      '--acceptance-cmd',
      'true',
      '--json',
    ],
    setup.pipelineEnv,
  );
  let approve: Finished;
  let done: Finished;
  let number = '';
  try {
    [, number = ''] = await deploy.stderrLine(/waiting up to \d+ s for (\S+) to be approved/);
    // Land the decision at a random point of the waiting side's poll cycle.
    await sleep(Math.random() * approvalPollMs);
    approve = expectOk(
      `cr approve ${number}`,
      await cli(
        ['cr', 'approve', number, '--comment', 'bench approval', ...setup.approverArgs],
        setup.approverEnv,
      ),
    );
    done = await deploy.done;
  } catch (error) {
    // A deploy left waiting would hold the run (and this process) for its whole --wait-for-approval.
    deploy.child.kill('SIGKILL');
    throw error;
  }
  const d = parseDeployment(what, done);
  expectOk(what, done);
  if (d.status !== 'successful_deployment') throw new Error(`${what}: status ${d.status}\n${done.stderr}`);
  const stampNs = BigInt(readFileSync(stampFile, 'utf8').trim());
  const startedAt = Number(stampNs / 1000n) / 1000;
  const cr = await ws.api.getChangeRequest(number);
  const approval = cr.approvals.find((a) => a.decision === 'approved' && a.approver === 'alice');
  if (!approval) throw new Error(`${number} has no approval by alice: ${JSON.stringify(cr.approvals)}`);
  const crGet = expectOk(`cr get ${number}`, await cli(['cr', 'get', number], setup.approverEnv));
  return {
    fromDecision: startedAt - Date.parse(approval.decidedAt),
    fromApproveExit: startedAt - approve.exitedAt,
    approveMs: approve.ms,
    crGetMs: crGet.ms,
  };
}

async function latencyFor(mode: Mode, runs: number): Promise<Sample[]> {
  const ws = await workspace(`approval-${mode}`);
  let setup: ModeSetup | undefined;
  try {
    setup = await modeSetup(ws, mode);
    const stampFile = join(ws.home, 'deploy-step-started');
    const samples: Sample[] = [];
    for (let release = 0; release <= runs; release++) {
      const s = await oneRun(ws, setup, release, stampFile);
      const line =
        `from decision ${fmt(s.fromDecision)} ms, from \`cr approve\` exit ${fmt(s.fromApproveExit)} ms; ` +
        `cr approve ${fmt(s.approveMs)} ms, cr get ${fmt(s.crGetMs)} ms`;
      if (release === 0) log(`   ${mode} warm-up: ${line}`);
      else {
        log(`   ${mode} run ${release}: ${line}`);
        samples.push(s);
      }
    }
    return samples;
  } finally {
    await setup?.close();
    await ws.close();
  }
}

/** Benchmark: approval-to-resume latency of `deploy --wait-for-approval`, local and remote mode. */
export async function benchApprovalLatency(): Promise<TimeResult[]> {
  const runs = sizeFromEnv('BENCH_APPROVAL_RUNS', 10, 2);
  header(`approval to resume: \`deploy --wait-for-approval\` vs one \`cr get\` process (${runs} runs)`);
  const results: TimeResult[] = [];
  for (const mode of ['local', 'remote'] as const) {
    const samples = await latencyFor(mode, runs);
    const fromDecision = samples.map((s) => s.fromDecision);
    const fromExit = samples.map((s) => s.fromApproveExit);
    const worst = max(fromDecision);
    const result: TimeResult = {
      name: `approval to resume (${mode})`,
      unit: 'ms',
      subject: median(fromDecision),
      baseline: median(samples.map((s) => s.crGetMs)),
      baselineLabel: `one \`cr get\` as a process (${mode} mode)`,
      lowerIsBetter: true,
      notes: [
        `${mode === 'local' ? 'local mode: the waiting CLI polls the SQLite file itself' : 'remote mode: the waiting CLI holds an await-approval request; the server polls'} every ${approvalPollMs} ms`,
        `figure: approval decidedAt (set in its transaction, before the commit) to the deploy step's first instant`,
        `  (\`date +%s%N\` in --deploy-cmd); median of ${runs} runs after one warm-up, max ${fmt(worst)} ms`,
        `from the \`cr approve\` process's exit (after the commit) instead: median ${fmt(median(fromExit))} ms, max ${fmt(max(fromExit))} ms`,
        `design promise "resumes within one second of the decision": ${worst < 1000 ? 'met' : 'NOT met'} in every run (max ${fmt(worst)} ms)`,
        `the \`cr approve\` process itself took ${fmt(median(samples.map((s) => s.approveMs)))} ms (median)`,
      ],
    };
    printTimeResult(result);
    results.push(result);
  }
  return results;
}

if (isMain(import.meta.url)) runStandalone(() => benchApprovalLatency().then((r) => r[0] as BenchResult));
