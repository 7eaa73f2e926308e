import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

// About 40 CLI runs, locally and against a server.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

/** Who acts: dana requests changes, the change manager batches, schedules and approves them. */
type Who = 'dana' | 'cm';
const people: Record<Who, string> = { dana: 'dana@example.com', cm: 'cm@example.com' };
const window = ['--start', '2099-03-07T22:00:00Z', '--end', '2099-03-08T02:00:00Z'];

const change = (title: string, environment: string) => [
  'cr',
  'create',
  '--title',
  title,
  '--environment',
  environment,
  '--priority',
  'moderate',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'low',
  '--deployment-impact',
  'small',
];

/** A maintenance night told to the CLI; every step's exit code, stdout and stderr. */
async function story(cli: (args: string[], who: Who) => ReturnType<typeof runCli>) {
  const steps: { args: string[]; code: number; out: string; err: string }[] = [];
  const step = async (who: Who, ...args: string[]) => {
    const r = await cli(args, who);
    steps.push({ args, code: r.code, out: r.stdout, err: r.stderr });
    return r;
  };
  await step('cm', 'env', 'create', 'staging', '--purpose', 'pre_prod');
  await step('cm', 'env', 'create', 'prod', '--purpose', 'production');
  await step('dana', ...change('Migrate orders DB', 'prod'));
  await step('dana', ...change('Deploy API 2.0', 'staging'));
  await step('cm', ...change('Rotate load balancer certs', 'prod'));
  await step(
    'cm',
    'batch',
    'create',
    '--name',
    'march-night',
    '--title',
    'March maintenance night',
    ...window,
    '--change',
    'CHG0000001',
    '--change',
    'CHG0000002',
    '--json',
  );
  await step('cm', 'batch', 'add', 'march-night', 'CHG0000003');
  // 7: a freeze over the night refuses the whole batch
  await step(
    'cm',
    'window',
    'create',
    'q1-close',
    '--kind',
    'freeze',
    '--env',
    'prod',
    '--start',
    '2099-03-07T00:00:00Z',
    '--end',
    '2099-03-09T00:00:00Z',
    '--reason',
    'quarter close',
  );
  await step('cm', 'batch', 'schedule', 'BAT0000001');
  await step('cm', 'window', 'delete', 'q1-close');
  await step('cm', 'batch', 'schedule', 'BAT0000001', '--json');
  // 11: approval requested for all three; the manager approves the batch and is refused their own CR
  for (const [who, ref] of [
    ['dana', 'CHG0000001'],
    ['dana', 'CHG0000002'],
    ['cm', 'CHG0000003'],
  ] as const)
    await step(who, 'cr', 'request-approval', ref);
  await step('cm', 'batch', 'approve', 'march-night', '--comment', 'CAB 2099-03-05', '--json');
  await step('cm', 'batch', 'get', 'march-night');
  await step('cm', 'cr', 'get', 'CHG0000001');
  // 17: nothing left that the manager may approve
  await step('cm', 'batch', 'approve', 'march-night');
  await step('cm', 'batch', 'list');
  await step('cm', 'audit', 'log', '--json');
  return steps;
}

const normalize = (text: string) =>
  text
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, (t) => (t.startsWith('2099') ? t : '<time>'));

describe('change batches through the CLI', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'changegate-batches-'));
    dirs.push(d);
    return d;
  };
  let server: ServerProcess | undefined;

  beforeAll(() => assertBuilt());
  afterAll(() => {
    server?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('batches CRs, refuses a frozen window, schedules and approves them together, locally and remotely', async () => {
    const localDir = tmp();
    const local = await story((args, who) => runCli([...args, '--as', people[who]], { cwd: localDir }));

    const serverDir = tmp();
    const home = { CHANGEGATE_HOME: join(serverDir, 'data') };
    const tokens: Partial<Record<Who, string>> = {};
    for (const [who, role] of [
      ['cm', 'change_manager'],
      ['dana', 'requester'],
    ] as const) {
      const token = await runCli(['token', 'create', '--name', people[who], '--role', role, '--json'], {
        cwd: serverDir,
        env: home,
      });
      expect(token.code, token.stderr).toBe(0);
      tokens[who] = JSON.parse(token.stdout).secret;
    }
    server = await startServer([], { cwd: serverDir, env: home });
    const clientDir = tmp();
    const remote = await story((args, who) =>
      runCli(args, {
        cwd: clientDir,
        env: { CHANGEGATE_SERVER: server?.url, CHANGEGATE_TOKEN: tokens[who] },
      }),
    );

    expect(
      local.map((s) => s.code),
      local.map((s) => s.err).join(''),
    ).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]);
    const differing = remote
      .filter((r, i) => r.code !== local[i]?.code)
      .map((r) => `${r.args.join(' ')}: ${r.err}`);
    expect(
      remote.map((s) => s.code),
      differing.join('\n'),
    ).toEqual(local.map((s) => s.code));
    for (let i = 0; i < local.length - 1; i++) {
      const what = local[i]?.args.join(' ');
      expect(normalize(remote[i]?.out ?? ''), what).toBe(normalize(local[i]?.out ?? ''));
      expect(remote[i]?.err, what).toBe(local[i]?.err);
    }

    const at = (i: number) => local[i] as { out: string; err: string };
    expect(JSON.parse(at(5).out)).toMatchObject({
      number: 'BAT0000001',
      name: 'march-night',
      plannedStart: '2099-03-07T22:00:00.000Z',
      phase: 'planning',
      memberCount: 2,
    });
    expect(at(8).err).toContain(
      "error: BAT0000001 cannot be scheduled for 2099-03-07T22:00:00.000Z – 2099-03-08T02:00:00.000Z: CHG0000001 is blocked by freeze 'q1-close'",
    );
    expect(at(8).err).toContain('CHG0000003 is blocked by freeze');
    const scheduled = JSON.parse(at(10).out);
    expect(scheduled.members.map((m: { outcome: string }) => m.outcome)).toEqual([
      'rescheduled',
      'rescheduled',
      'rescheduled',
    ]);
    const approval = JSON.parse(at(14).out);
    expect(approval).toMatchObject({ batch: 'BAT0000001', counted: 2, refused: 1, failed: 0, skipped: 0 });
    expect(approval.results[2]).toMatchObject({
      number: 'CHG0000003',
      outcome: 'refused',
      code: 'separation_of_duties',
    });
    expect(at(15).out).toMatch(/^ {2}ready {8}no$/m);
    expect(at(15).out).toMatch(/^ {4}- CHG0000003 waits for approval$/m);
    expect(at(15).out).toMatch(/^ {2}approvals {4}1 requested, 2 approved$/m);
    expect(at(15).out).toMatch(
      /CHG0000002\s+Deploy API 2\.0\s+staging\s+-\s+scheduled\s+approved\s+its window, from 2099-03-07T22:00:00\.000Z/,
    );
    expect(at(16).out).toMatch(/^ {2}batch: BAT0000001 \(march-night\)$/m);
    expect(at(17).out).toContain('BAT0000001: 0 counted, 1 refused, 0 failed, 2 skipped');
    expect(at(18).out).toMatch(
      /BAT0000001\s+march-night\s+awaiting_approval\s+no\s+3\s+2099-03-07T22:00:00\.000Z/,
    );

    const actions = (JSON.parse(at(19).out) as { action: string; actor: string }[])
      .filter((e) => e.action.startsWith('batch.'))
      .map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual([
      'cm@example.com batch.created',
      'cm@example.com batch.members_added',
      'cm@example.com batch.scheduled',
    ]);
  });
});
