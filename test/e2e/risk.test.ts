import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';

const config = `
environments:
  - name: prod
    purpose: production
customFields:
  type: object
  properties:
    dataClass: { enum: [pii, internal, public] }
    reviewers: { type: integer, minimum: 1, default: 1 }
  required: [dataClass]
  additionalProperties: false
risk:
  history: { minChanges: 1 }
`;

const change = [
  'cr',
  'create',
  '--environment',
  'prod',
  '--component',
  'payments',
  '--priority',
  'high',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'moderate',
  '--deployment-impact',
  'large',
  '--risk',
  'moderate',
];

/** Custom fields and risk told to the CLI; every step's exit code, stdout and stderr. */
async function story(dir: string, cli: (args: string[]) => ReturnType<typeof runCli>) {
  writeFileSync(join(dir, 'changegate.yaml'), config);
  writeFileSync(
    join(dir, 'bad.yaml'),
    'customFields:\n  type: object\n  properties:\n    dataClass: { enum: pii }\n',
  );
  const steps: { args: string[]; code: number; out: string; err: string }[] = [];
  const step = async (...args: string[]) => {
    const r = await cli(args);
    steps.push({ args, code: r.code, out: r.stdout, err: r.stderr });
    return r;
  };
  await step('config', 'apply', '-f', 'bad.yaml');
  await step('config', 'apply', '-f', 'changegate.yaml');
  await step('group', 'create', 'payments-team', '--member', 'pay@example.com');
  await step('component', 'create', 'payments', '--owner', 'payments-team', '--criticality', 'tier2');
  await step(...change, '--field', 'dataClass=secret', '--field', 'reviewers=0');
  await step(...change, '--field', 'dataClass=pii', '--json');
  await step('cr', 'risk', 'CHG0000001');
  await step('cr', 'get', 'CHG0000001');
  // A failed change to payments in prod: the next assessment learns from it.
  await step(...change, '--type', 'emergency', '--field', 'dataClass=internal');
  await step('cr', 'request-approval', 'CHG0000002');
  await step('cr', 'transition', 'CHG0000002', 'implement');
  await step('cr', 'close', 'CHG0000002', '--category', 'unsuccessful');
  await step('cr', 'assess', 'CHG0000001', '--json');
  await step('cr', 'assess', 'CHG0000001');
  return steps;
}

const normalize = (text: string) =>
  text
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>');

describe('custom fields and risk assessment through the CLI', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'changegate-risk-'));
    dirs.push(d);
    return d;
  };
  let server: ServerProcess | undefined;

  beforeAll(() => assertBuilt());
  afterAll(() => {
    server?.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses bad schemas and values with their paths, assesses risk and learns from a failure, locally and remotely', async () => {
    const localDir = tmp();
    const local = await story(localDir, (args) =>
      runCli([...args, '--as', 'cm@example.com'], { cwd: localDir }),
    );

    const serverDir = tmp();
    const home = { CHANGEGATE_HOME: join(serverDir, 'data') };
    const token = await runCli(['token', 'create', '--name', 'cm@example.com', '--role', 'admin', '--json'], {
      cwd: serverDir,
      env: home,
    });
    expect(token.code, token.stderr).toBe(0);
    server = await startServer([], { cwd: serverDir, env: home });
    const clientDir = tmp();
    const remote = await story(clientDir, (args) =>
      runCli(args, {
        cwd: clientDir,
        env: { CHANGEGATE_SERVER: server?.url, CHANGEGATE_TOKEN: JSON.parse(token.stdout).secret },
      }),
    );

    expect(local.map((s) => s.code)).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(remote.map((s) => s.code)).toEqual(local.map((s) => s.code));
    for (let i = 2; i < local.length; i++) {
      const what = local[i]?.args.join(' ');
      expect(normalize(remote[i]?.out ?? ''), what).toBe(normalize(local[i]?.out ?? ''));
      expect(remote[i]?.err, what).toBe(local[i]?.err);
    }
    const at = (i: number) => local[i] as { out: string; err: string };

    expect(at(0).err).toBe('error: customFields.properties.dataClass.enum: must be array\n');
    expect(at(4).err).toBe(
      "error: customFields.dataClass: must be one of pii, internal, public (got 'secret'); customFields.reviewers: must be >= 1 (got 0)\n",
    );
    const created = JSON.parse(at(5).out);
    expect(created.customFields).toEqual({ dataClass: 'pii', reviewers: 1 });
    expect(created.riskAssessment).toMatchObject({ level: 'high', score: 66, impact: 3, likelihood: 3 });
    expect(at(6).out).toContain('CHG0000001  risk high (declared moderate; assessed high, score 66)');
    expect(at(6).out).toMatch(
      /impact\s+criticality\s+tier2 \(payments\)\s+3\s+most critical component payments is tier2/,
    );
    expect(at(7).out).toMatch(/risk\s+high \(declared moderate; assessed high, score 66\)/);
    expect(at(7).out).toMatch(/custom fields\s+dataClass=pii, reviewers=1/);

    const reassessed = JSON.parse(at(12).out);
    expect(reassessed).toMatchObject({
      number: 'CHG0000001',
      declared: 'moderate',
      effective: 'critical',
      changed: true,
      assessed: { level: 'critical', likelihood: 4 },
    });
    const historyFactor = reassessed.assessed.factors.find((f: { factor: string }) => f.factor === 'history');
    expect(historyFactor).toMatchObject({ value: '1 of 1 failed', points: 2 });
    expect(historyFactor.explanation).toContain('CHG0000002 closed unsuccessful');
    expect(at(13).out).toContain('reassessed: unchanged');
    // 28 CLI processes, on a machine that may be busy: a generous limit (no timing is asserted).
  }, 180_000);
});
