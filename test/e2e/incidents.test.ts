import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

const change = [
  'cr',
  'create',
  '--title',
  'Payments release',
  '--environment',
  'prod',
  '--priority',
  'high',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'low',
  '--deployment-impact',
  'small',
];

type Cli = (who: string, args: string[]) => ReturnType<typeof runCli>;

/** Conflicts, a major incident, its block and the commander's authorization, told to the CLI. */
async function story(cli: Cli) {
  const steps: { args: string[]; code: number; out: string; err: string }[] = [];
  const step = async (who: string, ...args: string[]) => {
    const r = await cli(who, args);
    steps.push({ args, code: r.code, out: r.stdout, err: r.stderr });
    return r;
  };
  await step('manager@example.com', 'env', 'create', 'prod', '--purpose', 'production');
  await step(
    'dana@example.com',
    ...change,
    '--component',
    'payments',
    '--risk',
    'high',
    '--planned-start',
    '2027-03-01T22:00:00Z',
    '--planned-end',
    '2027-03-01T23:00:00Z',
    '--json',
  );
  await step(
    'dana@example.com',
    ...change,
    '--component',
    'payments',
    '--component',
    'web',
    '--risk',
    'low',
    '--planned-start',
    '2027-03-01T22:30:00Z',
    '--planned-end',
    '2027-03-02T00:00:00Z',
    '--json',
  );
  await step('dana@example.com', 'cr', 'conflicts', 'CHG0000001');
  await step('dana@example.com', 'cr', 'conflicts', 'CHG0000002', '--json');
  await step(
    'sre@example.com',
    'incident',
    'create',
    '--title',
    'Payments down',
    '--component',
    'payments',
    '--env',
    'prod',
    '--major',
    '--commander',
    'carol@example.com',
    '--severity',
    'sev1',
    '--json',
  );
  await step('dana@example.com', 'cr', 'request-approval', 'CHG0000001');
  await step('bob@example.com', 'cr', 'approve', 'CHG0000001', '--comment', 'ok');
  await step(
    'bob@example.com',
    'incident',
    'authorize',
    'INC0000001',
    '--change',
    'CHG0000001',
    '--reason',
    'me',
  );
  await step(
    'carol@example.com',
    'incident',
    'authorize',
    'INC0000001',
    '--change',
    'CHG0000001',
    '--reason',
    'the fix for the incident',
  );
  await step('bob@example.com', 'cr', 'approve', 'CHG0000001', '--comment', 'ok', '--json');
  await step('sre@example.com', 'incident', 'link', 'INC0000001', 'CHG0000002');
  await step('dana@example.com', 'cr', 'get', 'CHG0000001');
  await step('dana@example.com', 'incident', 'get', 'INC0000001', '--json');
  await step('dana@example.com', 'incident', 'list', '--open');
  await step('carol@example.com', 'incident', 'resolve', 'INC0000001');
  await step('manager@example.com', 'audit', 'log', '--json');
  return steps;
}

const normalize = (text: string) =>
  text
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>')
    // Where an incident came from differs by design: local mode is the CLI, remote the API.
    .replace(/"source": "(cli|api)"/g, '"source": "<source>"')
    .replace(/ via (cli|api)\b/g, ' via <source>');

describe('incidents and conflicts through the CLI', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'changegate-incidents-'));
    dirs.push(d);
    return d;
  };
  let server: ServerProcess | undefined;

  beforeAll(() => assertBuilt());
  afterAll(() => {
    server?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('flags conflicts, blocks approval during a major incident until its commander authorizes, locally and remotely', async () => {
    const localDir = tmp();
    const local = await story((who, args) => runCli([...args, '--as', who], { cwd: localDir }));

    const serverDir = tmp();
    const home = { CHANGEGATE_HOME: join(serverDir, 'data') };
    const tokens: Record<string, string> = {};
    for (const [name, role] of [
      ['manager@example.com', 'change_manager'],
      ['dana@example.com', 'requester'],
      ['sre@example.com', 'requester'],
      ['bob@example.com', 'approver'],
      ['carol@example.com', 'approver'],
    ] as const) {
      const r = await runCli(['token', 'create', '--name', name, '--role', role, '--json'], {
        cwd: serverDir,
        env: home,
      });
      expect(r.code, r.stderr).toBe(0);
      tokens[name] = JSON.parse(r.stdout).secret;
    }
    server = await startServer([], { cwd: serverDir, env: home });
    const clientDir = tmp();
    const remote = await story((who, args) =>
      runCli(args, {
        cwd: clientDir,
        env: { CHANGEGATE_SERVER: server?.url, CHANGEGATE_TOKEN: tokens[who] },
      }),
    );

    expect(
      local.map((s) => s.code),
      local.map((s) => s.err).join(''),
    ).toEqual([0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(
      remote.map((s) => s.code),
      remote.map((s) => s.err).join(''),
    ).toEqual(local.map((s) => s.code));
    for (let i = 0; i < local.length - 1; i++) {
      const what = local[i]?.args.join(' ');
      expect(normalize(remote[i]?.out ?? ''), what).toBe(normalize(local[i]?.out ?? ''));
      expect(remote[i]?.err, what).toBe(local[i]?.err);
    }

    const at = (i: number) => local[i] as { out: string; err: string };
    expect(at(3).out).toBe(
      'CHG0000001 conflicts with 1 change request:\n  CHG0000002 also changes payments in prod, 2027-03-01 22:30–2027-03-02 00:00 UTC overlaps 2027-03-01 22:00–23:00 UTC\n',
    );
    expect(JSON.parse(at(4).out)).toMatchObject({
      changeRequest: 'CHG0000002',
      conflicts: [{ changeRequest: 'CHG0000001', components: ['payments'], environment: 'prod' }],
      reason: null,
    });
    expect(JSON.parse(at(5).out)).toMatchObject({ number: 'INC0000001', major: true, status: 'open' });
    expect(at(7).err).toBe(
      `error: CHG0000001 (risk high) may not enter scheduled while major incident INC0000001 'Payments down' is open on payments in prod (commander: carol@example.com). High-risk changes wait until the incident is resolved, unless its commander authorizes them: ask carol@example.com to run: changegate incident authorize INC0000001 --change CHG0000001 --reason "…"\n`,
    );
    expect(at(8).err).toMatch(/^error: only INC0000001's commander \(carol@example\.com\) may authorize/);
    expect(at(9).out).toBe(
      'CHG0000001 may go ahead during INC0000001 (authorized by carol@example.com: the fix for the incident)\n',
    );
    expect(JSON.parse(at(10).out)).toMatchObject({ state: 'scheduled', approval: 'approved' });
    expect(at(12).out).toMatch(/^ {2}conflicts: 1 \(changegate cr conflicts CHG0000001\)$/m);
    expect(at(12).out).toMatch(
      /^ {2}authorized during INC0000001 by carol@example\.com at .*: the fix for the incident$/m,
    );
    expect(JSON.parse(at(13).out)).toMatchObject({
      linkedChanges: [{ changeRequest: 'CHG0000002', linkedBy: 'sre@example.com' }],
      authorizations: [{ changeRequest: 'CHG0000001', authorizedBy: 'carol@example.com' }],
    });
    expect(at(14).out).toMatch(
      /^INC0000001 +open +major incident \(sev1\) +payments in prod +carol@example\.com/m,
    );
    expect(at(15).out).toBe('resolved INC0000001  Payments down\n');
    const actions = (JSON.parse(at(16).out) as { action: string; actor: string }[])
      .filter((e) => /incident/.test(e.action))
      .map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual([
      'sre@example.com incident.created',
      'carol@example.com incident.change_authorized',
      'bob@example.com change_request.incident_block_passed',
      'sre@example.com change_request.incident_linked',
      'sre@example.com incident.change_linked',
      'carol@example.com incident.resolved',
    ]);
    // Two stories of 17 CLI processes each, plus a server: more than the default 30 s on a busy machine.
  }, 180_000);
});
