import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const config = `
environments:
  - name: prod
    purpose: production
approvalPolicy:
  rules:
    - name: owners
      when: { environmentPurposes: [production] }
      steps:
        - group: $owners
          sla: 4h
          escalateTo: [platform-leads]
    - name: cab-high-risk
      when: { risk: high }
      steps:
        - name: cab
          group: cab
          dualControl: true
          sla: 8h
`;

/** Approval routing through the built CLI: policy applied, a chain built and approved by several people. */
describe('approval policy through the CLI', () => {
  let dir = '';
  let server: ServerProcess | undefined;
  const cli = (...args: string[]) => runCli(args, { cwd: dir });
  const as = (who: string, ...args: string[]) => cli(...args, '--as', who);
  const json = async (who: string, ...args: string[]) => {
    const r = await as(who, ...args, '--json');
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'changegate-policy-'));
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks a file locally, applies it, and routes a high-risk change through owners then a dual-control CAB', async () => {
    const file = join(dir, 'changegate.yaml');
    writeFileSync(join(dir, 'bad.yaml'), config.replace('dualControl: true', 'dualControl: yes please'));
    const bad = await cli('policy', 'check', '-f', join(dir, 'bad.yaml'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/approvalPolicy\.rules\[1\]\.steps\[0\]\.dualControl: must be true or false/);
    writeFileSync(file, config);
    const check = await cli('policy', 'check', '-f', file);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/approval policy: 2 rules/);

    await json('cm@example.com', 'config', 'apply', '-f', file);
    const admin = (...args: string[]) => json('cm@example.com', ...args);
    await admin('group', 'create', 'payments', '--member', 'olga@example.com');
    await admin('group', 'create', 'platform-leads', '--member', 'lena@example.com');
    await admin('group', 'create', 'cab', '--member', 'carl@example.com', '--member', 'cora@example.com');
    await admin('component', 'create', 'payments-api', '--owner', 'payments', '--criticality', 'tier1');
    const shown = await admin('policy', 'show');
    expect(shown).toMatchObject({
      configVersion: 1,
      policy: { rules: [{ name: 'owners' }, { name: 'cab-high-risk' }] },
    });

    const cr = await json(
      'rita@example.com',
      ...[
        'cr',
        'create',
        '--title',
        'Rotate payments keys',
        '--priority',
        'high',
        '--assignee',
        'dev@example.com',
      ],
      ...['--customer-impact', 'low', '--deployment-impact', 'small', '--environment', 'prod'],
      ...['--component', 'payments-api', '--risk', 'high'],
    );
    const explained = await admin('policy', 'explain', cr.number);
    expect(explained.steps.map((s: { group: string }) => s.group)).toEqual(['payments', 'cab']);
    await json('rita@example.com', 'cr', 'request-approval', cr.number);

    const outsider = await as('carl@example.com', 'cr', 'approve', cr.number);
    expect(outsider.code).toBe(2);
    expect(outsider.stderr).toMatch(/carl@example\.com is not a member of payments/);
    await json('olga@example.com', 'cr', 'approve', cr.number);
    const first = await json('carl@example.com', 'cr', 'approve', cr.number);
    expect(first).toMatchObject({ approval: 'requested', state: 'authorize' });
    const again = await as('carl@example.com', 'cr', 'approve', cr.number);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already approved step 2 \(cab\)/);
    const done = await json('cora@example.com', 'cr', 'approve', cr.number);
    expect(done).toMatchObject({ approval: 'approved', state: 'scheduled' });

    const approvals = await admin('cr', 'approvals', cr.number);
    expect(approvals).toMatchObject({ changeRequest: cr.number, approval: 'approved' });
    expect(
      approvals.rounds[0].steps.map(
        (s: { group: string; status: string; approved: number; required: number }) => [
          s.group,
          s.status,
          `${s.approved} of ${s.required}`,
        ],
      ),
    ).toEqual([
      ['payments', 'approved', '1 of 1'],
      ['cab', 'approved', '2 of 2'],
    ]);
    expect(approvals.rounds[0].steps[1].approvals.map((a: { approver: string }) => a.approver)).toEqual([
      'carl@example.com',
      'cora@example.com',
    ]);
    expect(
      approvals.decision.rules.map((r: { rule: string; matched: boolean }) => [r.rule, r.matched]),
    ).toEqual([
      ['owners', true],
      ['cab-high-risk', true],
    ]);
    const human = await as('cm@example.com', 'cr', 'approvals', cr.number);
    expect(human.stdout).toMatch(/^ {2}2\. cab {2}group cab {2}2 of 2 \(dual control\) {2}approved/m);

    // The same answers from a server, over HTTP.
    server = await startServer([], { cwd: dir });
    const token = await json(
      'cm@example.com',
      'token',
      'create',
      '--name',
      'viewer@example.com',
      '--role',
      'viewer',
    );
    const remote = await runCli(['cr', 'approvals', cr.number, '--json'], {
      cwd: dir,
      env: { CHANGEGATE_SERVER: server.url, CHANGEGATE_TOKEN: token.secret },
    });
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toEqual(approvals);
    const remotePolicy = await runCli(['policy', 'show', '--json'], {
      cwd: dir,
      env: { CHANGEGATE_SERVER: server.url, CHANGEGATE_TOKEN: token.secret },
    });
    expect(JSON.parse(remotePolicy.stdout)).toEqual(shown);
  });
});
