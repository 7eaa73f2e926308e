import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

const change = [
  'cr',
  'create',
  '--title',
  'Raise pool size',
  '--priority',
  'high',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'low',
  '--deployment-impact',
  'small',
];

describe('incidents, problems, links and the signed webhook through the built CLI and a real server', () => {
  const dirs: string[] = [];
  let server: ServerProcess | undefined;
  beforeAll(() => assertBuilt());
  afterAll(() => {
    server?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('links incident, problem and fix CR both ways, and takes a signed delivery over HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'changegate-problems-'));
    dirs.push(dir);
    const home = join(dir, 'data');
    const env = { CHANGEGATE_HOME: home };
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '--as', 'sre@example.com'], { cwd: dir, env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    const json = async (...args: string[]) => JSON.parse((await cli(...args, '--json')).stdout);

    await cli('env', 'create', 'prod', '--purpose', 'production');
    await cli(
      'incident',
      'create',
      '--title',
      'Checkout errors',
      '--started',
      '2026-01-01T10:00:00Z',
      '--detected',
      '2026-01-01T10:05:00Z',
    );
    const updated = await json('incident', 'update', 'INC0000001', '--severity', 'sev2', '--env', 'prod');
    expect(updated).toMatchObject({
      severity: 'sev2',
      environment: 'prod',
      detectedAt: '2026-01-01T10:05:00.000Z',
      source: 'cli',
    });
    await cli(...change);
    await cli('incident', 'link', 'INC0000001', 'CHG0000001');
    const opened = await cli('problem', 'create', '--title', 'Pool exhaustion', '--incident', 'INC0000001');
    expect(opened.stdout).toMatch(/^opened PRB0000001 {2}Pool exhaustion$/m);
    expect(opened.stdout).toMatch(/^ {2}incident {5}INC0000001 \(linked by sre@example\.com/m);
    await cli('problem', 'root-cause', 'PRB0000001', '--text', 'Pool sized for last year');
    await cli('problem', 'fix', 'PRB0000001', '--change', 'CHG0000001');

    const cr = await cli('cr', 'get', 'CHG0000001');
    expect(cr.stdout).toMatch(/^ {2}link incident INC0000001$/m);
    expect(cr.stdout).toMatch(/^ {2}link problem fix PRB0000001$/m);
    const incident = await cli('incident', 'get', 'INC0000001');
    expect(incident.stdout).toMatch(/^ {2}linked {7}CHG0000001 by sre@example\.com/m);
    expect(incident.stdout).toMatch(/^ {2}problem {6}PRB0000001 \(linked by sre@example\.com\)$/m);
    const problem = await json('problem', 'get', 'PRB0000001');
    expect(problem).toMatchObject({
      status: 'known_error',
      rootCause: 'Pool sized for last year',
      fixChangeRequest: 'CHG0000001',
      incidents: [{ incident: 'INC0000001' }],
    });
    expect((await json('problem', 'resolve', 'PRB0000001')).status).toBe('resolved');
    const list = await cli('problem', 'list');
    expect(list.stdout).toMatch(/^PRB0000001 +resolved +CHG0000001 +Pool exhaustion$/m);
    const trail = (await json('audit', 'log')) as { action: string }[];
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'incident.updated',
        'incident.change_linked',
        'change_request.incident_linked',
        'problem.incident_linked',
        'incident.problem_linked',
        'problem.fix_linked',
        'change_request.problem_fix_linked',
        'problem.resolved',
      ]),
    );
    const unknownProblem = await runCli(['problem', 'get', 'PRB0000009'], { cwd: dir, env });
    expect(unknownProblem.code).toBe(2);
    expect(unknownProblem.stderr).toContain("problem 'PRB0000009' was not found");

    // The webhook: the secret file on the server host, a delivery signed with openssl as docs/incidents.md shows.
    const secret = 'e2e-webhook-secret-0123456789abcdef';
    mkdirSync(join(home, 'webhook-secrets'), { recursive: true });
    writeFileSync(join(home, 'webhook-secrets', 'default.key'), `${secret}\n`, { mode: 0o600 });
    const token = JSON.parse(
      (
        await runCli(['token', 'create', '--name', 'sre@example.com', '--role', 'requester', '--json'], {
          cwd: dir,
          env,
        })
      ).stdout,
    ).secret as string;
    server = await startServer([], { cwd: dir, env });
    // The same links through the remote client (CHANGEGATE_SERVER): the port's HTTP side.
    const remote = async (...args: string[]) => {
      const r = await runCli([...args, '--json'], {
        cwd: dir,
        env: { CHANGEGATE_SERVER: server?.url, CHANGEGATE_TOKEN: token },
      });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout);
    };
    expect(await remote('problem', 'get', 'PRB0000001')).toEqual({
      ...problem,
      status: 'resolved',
      resolvedAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const second = await remote('problem', 'create', '--title', 'Flaky DNS');
    expect(second).toMatchObject({ number: 'PRB0000002', status: 'open', incidents: [] });
    expect((await remote('problem', 'link', 'PRB0000002', 'INC0000001')).incidents).toMatchObject([
      { incident: 'INC0000001' },
    ]);
    expect((await remote('problem', 'unlink', 'PRB0000002', 'INC0000001')).incidents).toEqual([]);
    expect(await remote('incident', 'unlink', 'INC0000001', 'CHG0000001')).toEqual({
      incident: 'INC0000001',
      changeRequest: 'CHG0000001',
    });
    expect(
      (await remote('incident', 'update', 'INC0000001', '--title', 'Checkout errors (pool)')).title,
    ).toBe('Checkout errors (pool)');
    expect(
      (await remote('problem', 'list', '--status', 'resolved')).map((p: { number: string }) => p.number),
    ).toEqual(['PRB0000001']);
    const body = JSON.stringify({
      externalId: 'alert-42',
      title: 'Payments latency',
      severity: 'sev3',
      environment: 'prod',
    });
    const send = async (payload: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const hex = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret, '-hex'], {
        input: `${timestamp}.${payload}`,
      })
        .toString()
        .trim()
        .split(' ')
        .at(-1);
      return fetch(`${server?.url}/api/v1/hooks/incidents/default`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-changegate-timestamp': timestamp,
          'x-changegate-signature': `sha256=${hex}`,
        },
        body: payload,
      });
    };
    const created = await send(body);
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await created.json()).toMatchObject({
      number: 'INC0000002',
      source: 'webhook',
      externalId: 'alert-42',
    });
    const resent = await send(body);
    expect(resent.status).toBe(200);
    expect(await resent.json()).toMatchObject({ number: 'INC0000002', outcome: 'unchanged' });
    const forged = await fetch(`${server.url}/api/v1/hooks/incidents/default`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-changegate-timestamp': '1',
        'x-changegate-signature': 'sha256=00',
      },
      body,
    });
    expect(forged.status).toBe(401);
    server.child.kill('SIGTERM');
    await server.exited;
    server = undefined;
    const listed = await json('incident', 'list');
    expect(listed.map((i: { number: string; source: string }) => `${i.number} ${i.source}`)).toEqual([
      'INC0000002 webhook',
      'INC0000001 cli',
    ]);
  }, 120_000);
});
