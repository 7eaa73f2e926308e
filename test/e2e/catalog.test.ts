import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

// Dozens of CLI processes, locally and against a server: slow on a loaded 2-core machine, never timed.
vi.setConfig({ testTimeout: 120_000 });

const crFlags = [
  'cr',
  'create',
  '--environment',
  'prod',
  '--priority',
  'low',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'low',
  '--deployment-impact',
  'small',
];

/** The registry story told to the CLI; every step's exit code, stdout and stderr, for local and remote alike. */
async function story(cli: (args: string[]) => ReturnType<typeof runCli>) {
  const steps: { args: string[]; code: number; out: string; err: string }[] = [];
  const step = async (...args: string[]) => {
    const r = await cli(args);
    steps.push({ args, code: r.code, out: r.stdout, err: r.stderr });
    return r;
  };
  await step('env', 'create', 'prod', '--purpose', 'production');
  // No registry yet: a CR may name any component.
  await step(...crFlags, '--component', 'anything', '--json');
  await step(
    'group',
    'create',
    'payments',
    '--description',
    'Payments team',
    '--member',
    'Alice@Example.com',
    '--idp-group',
    'CN=payments,OU=groups',
    '--json',
  );
  await step('group', 'add-member', 'payments', 'bob@example.com');
  await step('component', 'create', 'team/api', '--owner', 'ghosts', '--criticality', 'tier1');
  await step(
    'component',
    'create',
    'team/api',
    '--owner',
    'payments',
    '--criticality',
    'tier1',
    '--environment',
    'prod',
    '--json',
  );
  await step('component', 'list');
  await step('group', 'list');
  await step(...crFlags, '--component', 'team/api', '--component', 'ghost');
  await step(...crFlags, '--component', 'team/api', '--json');
  await step('cr', 'get', 'CHG0000002');
  await step('group', 'delete', 'payments');
  await step(
    'component',
    'update',
    'team/api',
    '--criticality',
    'tier2',
    '--clear',
    'environments',
    '--json',
  );
  await step('component', 'get', 'team/api');
  await step('component', 'delete', 'team/api', '--json');
  await step('group', 'remove-member', 'payments', 'alice@example.com');
  await step('group', 'delete', 'payments', '--json');
  await step('group', 'get', 'payments');
  await step('audit', 'log', '--json');
  return steps;
}

const normalize = (text: string) =>
  text
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>');

describe('groups and components through the CLI', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'changegate-catalog-'));
    dirs.push(d);
    return d;
  };
  let server: ServerProcess | undefined;

  beforeAll(() => assertBuilt());
  afterAll(() => {
    server?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('registers, refuses and audits the same way in local and remote mode', async () => {
    const localDir = tmp();
    const local = await story((args) => runCli([...args, '--as', 'cm@example.com'], { cwd: localDir }));

    const serverDir = tmp();
    const home = { CHANGEGATE_HOME: join(serverDir, 'data') };
    const token = await runCli(
      ['token', 'create', '--name', 'cm@example.com', '--role', 'change_manager', '--json'],
      {
        cwd: serverDir,
        env: home,
      },
    );
    expect(token.code, token.stderr).toBe(0);
    server = await startServer([], { cwd: serverDir, env: home });
    const clientDir = tmp();
    const remote = await story((args) =>
      runCli(args, {
        cwd: clientDir,
        env: { CHANGEGATE_SERVER: server?.url, CHANGEGATE_TOKEN: JSON.parse(token.stdout).secret },
      }),
    );

    expect(local.map((s) => s.code)).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 2, 0]);
    expect(remote.map((s) => s.code)).toEqual(local.map((s) => s.code));
    // The audit log differs only by the server's own token and tenant events; compare everything else.
    for (let i = 0; i < local.length - 1; i++) {
      const what = local[i]?.args.join(' ');
      expect(normalize(remote[i]?.out ?? ''), what).toBe(normalize(local[i]?.out ?? ''));
      expect(remote[i]?.err, what).toBe(local[i]?.err);
    }

    const at = (i: number) => local[i] as { out: string; err: string };
    expect(JSON.parse(at(1).out).components).toEqual(['anything']);
    expect(JSON.parse(at(2).out)).toMatchObject({
      members: ['alice@example.com'],
      idpGroups: ['CN=payments,OU=groups'],
    });
    expect(at(4).err).toBe(
      "error: ownerGroup: group 'ghosts' does not exist; use one of: payments, or create it with changegate group create ghosts\n",
    );
    expect(at(6).out).toBe(
      'NAME      OWNER     CRITICALITY  ENVIRONMENTS  DESCRIPTION\nteam/api  payments  tier1        prod\n',
    );
    expect(at(8).err).toBe(
      "error: components: 'ghost' is not registered; use one of: team/api, or register it with changegate component create\n",
    );
    expect(JSON.parse(at(9).out)).toMatchObject({ number: 'CHG0000002', components: ['team/api'] });
    expect(at(10).out).toMatch(/^ {2}components {9}team\/api$/m);
    expect(at(11).err).toMatch(
      /^error: group 'payments' owns component team\/api; give it another owner first/,
    );
    expect(JSON.parse(at(12).out)).toMatchObject({ criticality: 'tier2', environments: [] });
    expect(at(13).out).toMatch(/^ {2}environments all$/m);
    expect(at(17).err).toBe("error: group 'payments' was not found\n");

    const actions = (JSON.parse(at(18).out) as { action: string; actor: string }[])
      .filter((e) => /^(group|component)\./.test(e.action))
      .map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(
      [
        'group.created',
        'group.member_added',
        'component.created',
        'component.updated',
        'component.deleted',
        'group.member_removed',
        'group.deleted',
      ].map((a) => `cm@example.com ${a}`),
    );
    const remoteActions = (JSON.parse(remote.at(-1)?.out ?? '[]') as { action: string }[])
      .filter((e) => /^(group|component)\./.test(e.action))
      .map((e) => e.action);
    expect(remoteActions).toEqual(actions.map((a) => a.split(' ')[1]));
  });
});
