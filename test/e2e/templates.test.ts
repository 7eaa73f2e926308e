import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

// Dozens of CLI processes, locally and against a server: slow on a loaded 2-core machine, never timed.
vi.setConfig({ testTimeout: 120_000 });

const fromTemplate = ['cr', 'create', '--template', 'config-tweak', '--assignee', 'dev@example.com'];

/** Templates and checklists told to the CLI; every step's exit code, stdout and stderr. */
async function story(cli: (args: string[]) => ReturnType<typeof runCli>) {
  const steps: { args: string[]; code: number; out: string; err: string }[] = [];
  const step = async (...args: string[]) => {
    const r = await cli(args);
    steps.push({ args, code: r.code, out: r.stdout, err: r.stderr });
    return r;
  };
  await step('env', 'create', 'staging', '--purpose', 'pre_prod');
  await step(
    'template',
    'create',
    'config-tweak',
    '--title',
    'Config tweak on {environment}',
    '--priority',
    'low',
    '--customer-impact',
    'no_impact',
    '--deployment-impact',
    'small',
    '--risk',
    'low',
    '--environment',
    'staging',
    '--max-risk',
    'moderate',
    '--json',
  );
  await step(...fromTemplate, '--environment', 'staging', '--json');
  await step(...fromTemplate, '--environment', 'staging', '--risk', 'high');
  await step(
    'checklist',
    'create',
    'database-schema',
    '--item',
    'backup-verified',
    '--item',
    'rollback-tested',
  );
  await step(...fromTemplate, '--environment', 'staging', '--category', 'database-schema', '--json');
  await step('cr', 'transition', 'CHG0000002', 'implement');
  await step('cr', 'check', 'CHG0000002', 'backup-verified', '--note', 'snapshot restored');
  await step('cr', 'check', 'CHG0000002', 'rollback-tested', '--json');
  await step('cr', 'checklist', 'CHG0000002');
  await step('cr', 'transition', 'CHG0000002', 'implement', '--json');
  await step('cr', 'get', 'CHG0000002');
  await step('template', 'list');
  await step('audit', 'log', '--json');
  return steps;
}

const normalize = (text: string) =>
  text
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>');

describe('templates and checklists through the CLI', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'changegate-templates-'));
    dirs.push(d);
    return d;
  };
  let server: ServerProcess | undefined;

  beforeAll(() => assertBuilt());
  afterAll(() => {
    server?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('pre-approves inside the scope, refuses outside it, and gates implement on the checklist, locally and remotely', async () => {
    const localDir = tmp();
    const local = await story((args) => runCli([...args, '--as', 'cm@example.com'], { cwd: localDir }));

    const serverDir = tmp();
    const home = { CHANGEGATE_HOME: join(serverDir, 'data') };
    const token = await runCli(
      ['token', 'create', '--name', 'cm@example.com', '--role', 'change_manager', '--json'],
      { cwd: serverDir, env: home },
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

    expect(local.map((s) => s.code)).toEqual([0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    expect(remote.map((s) => s.code)).toEqual(local.map((s) => s.code));
    for (let i = 0; i < local.length - 1; i++) {
      const what = local[i]?.args.join(' ');
      expect(normalize(remote[i]?.out ?? ''), what).toBe(normalize(local[i]?.out ?? ''));
      expect(remote[i]?.err, what).toBe(local[i]?.err);
    }

    const at = (i: number) => local[i] as { out: string; err: string };
    expect(JSON.parse(at(2).out)).toMatchObject({
      number: 'CHG0000001',
      type: 'standard',
      state: 'scheduled',
      approval: 'approved',
      template: 'config-tweak',
      title: 'Config tweak on staging',
      priority: 'low',
    });
    expect(at(3).err).toBe(
      "error: template 'config-tweak' does not cover this change: risk 'high' is above the template's maximum 'moderate'. Change the fields to fit the template, or create a normal change request without --template\n",
    );
    expect(JSON.parse(at(5).out)).toMatchObject({ number: 'CHG0000002', category: 'database-schema' });
    expect(at(6).err).toBe(
      'error: CHG0000002 cannot enter implement: its database-schema checklist has 2 open items: backup-verified, rollback-tested. Complete each with: changegate cr check CHG0000002 backup-verified --note "…"; changegate cr check CHG0000002 rollback-tested --note "…"\n',
    );
    expect(JSON.parse(at(8).out).checklist).toMatchObject({ open: [] });
    expect(at(9).out).toMatch(/^ {4}\[x\] backup-verified \(by cm@example\.com at .*: snapshot restored\)$/m);
    expect(JSON.parse(at(10).out)).toMatchObject({ state: 'implement' });
    expect(at(11).out).toMatch(/^ {2}approved by changegate:template:config-tweak at /m);
    expect(at(11).out).toMatch(/^ {2}checklist database-schema: complete$/m);

    const actions = (JSON.parse(at(13).out) as { action: string; actor: string }[])
      .filter((e) => /^(template|checklist)\.|checklist_item/.test(e.action))
      .map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(
      [
        'template.created',
        'checklist.created',
        'change_request.checklist_item_completed',
        'change_request.checklist_item_completed',
      ].map((a) => `cm@example.com ${a}`),
    );
  });
});
