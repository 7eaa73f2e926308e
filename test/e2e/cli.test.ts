import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, cliPath, runCli } from '../support/cli-process.js';
import {
  type ActorCli,
  expectSameAnswers,
  normalizeIdsAndTimes,
  recordSteps,
  stepRange,
  storyHarness,
} from '../support/story-harness.js';

const crFlags = [
  '--title',
  'Upgrade payments API',
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
  '--backout-plan',
  'redeploy 2.4.0',
  '--outage-minutes',
  '0',
  '--planned-start',
  '2026-03-01T22:00:00Z',
];

/** The same story told to the CLI: returns every command's result so local and remote can be compared. */
async function story(cli: ActorCli, dir: string) {
  const { steps, stepAs } = recordSteps(cli, 'admin');
  const step = (who: string, args: string[]) => stepAs(who, ...args);
  await step('admin', ['env', 'create', 'prod', '--purpose', 'production', '--detail', 'EU west', '--json']);
  await step('admin', ['env', 'list']);
  await step('alice@example.com', ['cr', 'create', ...crFlags, '--json']);
  await step('alice@example.com', ['cr', 'create', ...crFlags]);
  await step('alice@example.com', [
    'cr',
    'update',
    'CHG0000001',
    '--risk',
    'moderate',
    '--clear',
    'backout-plan',
    '--json',
  ]);
  await step('alice@example.com', ['cr', 'request-approval', 'CHG0000001', '--json']);
  await step('alice@example.com', ['cr', 'approve', 'CHG0000001', '--comment', 'self', '--json']);
  await step('bob@example.com', ['cr', 'approve', 'CHG0000001', '--comment', 'ship it', '--json']);
  await step('alice@example.com', ['cr', 'comment', 'CHG0000001', 'starting now', '--json']);
  writeFileSync(join(dir, 'bom.json'), '{"components":[]}');
  await step('alice@example.com', [
    'cr',
    'attach',
    'CHG0000001',
    join(dir, 'bom.json'),
    '--kind',
    'deployment_bom',
    '--json',
  ]);
  await step('alice@example.com', ['cr', 'attachments', 'CHG0000001', '--json']);
  await step('alice@example.com', ['cr', 'transition', 'CHG0000001', 'implement', '--json']);
  await step('alice@example.com', [
    'cr',
    'close',
    'CHG0000001',
    '--category',
    'successful',
    '--notes',
    'done',
    '--json',
  ]);
  await step('alice@example.com', ['cr', 'cancel', 'CHG0000002', '--reason', 'duplicate', '--json']);
  await step('alice@example.com', ['cr', 'get', 'CHG0000001']);
  await step('alice@example.com', ['cr', 'list', '--state', 'closed,canceled']);
  await step('alice@example.com', ['cr', 'list', '--json', '--limit', '1']);
  await step('alice@example.com', [
    'cr',
    'create',
    ...crFlags.slice(0, -6),
    '--priority',
    'urgent',
    '--json',
  ]);
  await step('alice@example.com', ['cr', 'get', 'CHG0000099']);
  await step('alice@example.com', ['cr', 'transition', 'CHG0000001', 'new']);
  await step('admin', ['audit', 'verify', '--json']);
  await step('admin', ['audit', 'log', '--cr', 'CHG0000001', '--json']);
  return steps;
}

/** Ids, times and hashes differ between two databases; everything else must not. */
function normalize(text: string): string {
  return (
    normalizeIdsAndTimes(text)
      .replace(/\b[0-9a-f]{64}\b/g, '<hash>')
      .replace(/"nextCursor": "[^"]+"/g, '"nextCursor": "<cursor>"')
      .replace(/\/tmp\/[^\s"]+/g, '<path>')
      .replace(/"(closedAt|createdAt|plannedStart)": \d+/g, '"$1": <ms>')
      // The server's log also holds its token creations, so sequence numbers are offset.
      .replace(/"(seq|count)": \d+/g, '"$1": <n>')
      .replace(/closedAt: null → \d+/g, 'closedAt: null → <ms>')
  );
}

describe('changegate CLI end to end', () => {
  const harness = storyHarness('cli');

  it('gives the same answers in local mode and in remote mode against a server', async () => {
    const { local, remote, remoteCli } = await harness.bothWays(
      { admin: 'admin', 'alice@example.com': 'change_manager', 'bob@example.com': 'approver' },
      story,
    );

    // Every step's stdout is compared (stderr is not: this story's checks are on stdout).
    expectSameAnswers(local, remote, { steps: stepRange(0, local.length), normalize, compareStderr: false });
    const ignored = await remoteCli.cli(['cr', 'list', '--as', 'someone-else'], 'admin');
    expect(ignored.code).toBe(2);
    expect(ignored.stderr).toMatch(/--as: only for local mode/);
    expect(local.map((s) => s.code)).toEqual([
      0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0,
    ]);
    const verify = JSON.parse(local.at(-2)?.out ?? '{}');
    expect(verify).toMatchObject({ ok: true, tenant: 'default' });
    const closed = JSON.parse(local[12]?.out ?? '{}');
    expect(closed).toMatchObject({
      number: 'CHG0000001',
      state: 'closed',
      closeCategory: 'successful',
      closeNotes: 'done',
    });
  });

  it('exits 2 with a message naming the field and its valid values, and --json prints the error envelope', async () => {
    const dir = harness.tempDir();
    const bad = await runCli(
      [
        'cr',
        'create',
        ...crFlags.slice(6),
        '--priority',
        'urgent',
        '--customer-impact',
        'low',
        '--deployment-impact',
        'small',
        '--assignee',
        'a@b.co',
      ],
      { cwd: dir },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /priority: 'urgent' is not valid; use one of: critical, high, moderate, low, planning/,
    );
    const json = await runCli(['cr', 'get', 'CHG0000042', '--json'], { cwd: dir });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'not_found' } });
    const usage = await runCli(['env', 'create', 'x', '--purpose', 'staging'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Allowed choices are production, pre_prod/);
    const usageJson = await runCli(['cr', 'frobnicate', '--json'], { cwd: dir });
    expect(usageJson.code).toBe(2);
    expect(JSON.parse(usageJson.stdout)).toMatchObject({ error: { code: 'invalid_input' } });
    const tenantless = await runCli(['tenant', 'create', 'sneaky', '--tenant', 'acme'], { cwd: dir });
    expect(tenantless.code).toBe(2);
    await runCli(['tenant', 'create', 'acme'], { cwd: dir });
    const sneaky = await runCli(['tenant', 'create', 'sneaky', '--tenant', 'acme'], { cwd: dir });
    expect(sneaky.code).toBe(2);
    expect(sneaky.stderr).toMatch(/only admins of the 'default' tenant may create tenants/);
    const file = await runCli(['cr', 'attach', 'CHG0000001', join(dir, 'missing.txt')], { cwd: dir });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/cannot read/);
  });

  it('keeps the database and the default tenant across repeated init', async () => {
    const dir = harness.tempDir();
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    await runCli(['env', 'create', 'stage', '--purpose', 'pre_prod'], { cwd: dir });
    const again = await runCli(['init', '--json'], { cwd: dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ dialect: 'sqlite', tenant: 'default' });
    expect((await runCli(['env', 'list'], { cwd: dir })).stdout).toMatch(/stage\s+pre_prod/);
    expect(readFileSync(join(dir, '.changegate', 'changegate.db')).length).toBeGreaterThan(0);
  });

  it('signs a checkpoint that catches a rewritten log, and honours CHANGEGATE_DB', async () => {
    const dir = harness.tempDir();
    const env = { CHANGEGATE_DB: join(dir, 'elsewhere', 'cg.db'), CHANGEGATE_HOME: join(dir, 'home') };
    await runCli(['env', 'create', 'prod', '--purpose', 'production'], { cwd: dir, env });
    expect(readFileSync(env.CHANGEGATE_DB).length).toBeGreaterThan(0);
    const out = join(dir, 'checkpoint.json');
    const cp = await runCli(['audit', 'checkpoint', '--out', out], { cwd: dir, env });
    expect(cp.code, cp.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ tenant: 'default', sequence: 2 });
    const ok = await runCli(['audit', 'verify', '--checkpoint', out], { cwd: dir, env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 2 audit events/);
    expect(ok.stdout).toMatch(/checkpoint: OK/);
    const forged = { ...JSON.parse(readFileSync(out, 'utf8')), hash: 'f'.repeat(64) };
    writeFileSync(out, JSON.stringify(forged));
    const bad = await runCli(['audit', 'verify', '--checkpoint', out, '--json'], { cwd: dir, env });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, checkpoint: { ok: false } });
    const keyless = await runCli(['audit', 'verify', '--checkpoint', out], {
      cwd: dir,
      env: { ...env, CHANGEGATE_AUDIT_KEY: join(dir, 'no-such-key.pem') },
    });
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(/no audit signing key at/);

    const bytes = Buffer.from([0, 10, 13, 255, 1]);
    writeFileSync(join(dir, 'blob.bin'), bytes);
    const cr = await runCli(
      [
        'cr',
        'create',
        '--priority',
        'low',
        '--assignee',
        'a@b.co',
        '--customer-impact',
        'low',
        '--deployment-impact',
        'small',
      ],
      { cwd: dir, env },
    );
    expect(cr.code, cr.stderr).toBe(0);
    const attached = JSON.parse(
      (await runCli(['cr', 'attach', 'CHG0000001', join(dir, 'blob.bin'), '--json'], { cwd: dir, env }))
        .stdout,
    );
    const piped = await new Promise<Buffer>((resolve) => {
      const child = spawn(
        process.execPath,
        [cliPath, 'cr', 'download', 'CHG0000001', attached.id, '--out', '-'],
        {
          cwd: dir,
          env: { ...cleanEnv(), ...env },
        },
      );
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.on('close', () => resolve(Buffer.concat(chunks)));
    });
    expect(piped.equals(bytes)).toBe(true);
  });

  it('prints a bootstrap admin token on first start and finishes in-flight requests on SIGTERM', async () => {
    const dir = harness.tempDir();
    const s = await harness.serve(dir);
    const token = /CHANGEGATE_TOKEN=(cgt_\S+)/.exec(s.stderr())?.[1];
    expect(token).toBeDefined();
    expect(s.stderr()).toMatch(/changegate listening on http:\/\/127\.0\.0\.1:\d+/);
    const created = await fetch(`${s.url}/api/v1/change-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        priority: 'low',
        assignee: 'a@b.co',
        customerImpact: 'low',
        deploymentImpact: 'small',
      }),
    });
    const cr = (await created.json()) as { id: string };
    // Start an upload, signal the server mid-body, then finish the body: the request must still succeed.
    const url = new URL(`${s.url}/api/v1/change-requests/${cr.id}/attachments?name=slow.txt`);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'content-length': '10' },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('hello');
      setTimeout(() => {
        s.child.kill('SIGTERM');
        setTimeout(() => req.end('world'), 300);
      }, 200);
    });
    const res = await response;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'slow.txt', size: 10 });
    expect(await s.exited).toBe(0);
    const restarted = await harness.serve(dir);
    expect(restarted.stderr()).not.toMatch(/CHANGEGATE_TOKEN=/);
    const list = await fetch(`${restarted.url}/api/v1/change-requests/${cr.id}/attachments`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await list.json()).toHaveLength(1);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  });
});
