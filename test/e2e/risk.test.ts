import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ActorCli,
  expectSameAnswers,
  recordSteps,
  stepAt,
  stepRange,
  storyHarness,
} from '../support/story-harness.js';

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
async function story(cli: ActorCli, dir: string) {
  writeFileSync(join(dir, 'changegate.yaml'), config);
  writeFileSync(
    join(dir, 'bad.yaml'),
    'customFields:\n  type: object\n  properties:\n    dataClass: { enum: pii }\n',
  );
  const { steps, step } = recordSteps(cli, 'cm@example.com');
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

describe('custom fields and risk assessment through the CLI', () => {
  const harness = storyHarness('risk');

  it('refuses bad schemas and values with their paths, assesses risk and learns from a failure, locally and remotely', async () => {
    const { local, remote } = await harness.bothWays({ 'cm@example.com': 'admin' }, story);

    expect(local.map((s) => s.code)).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expectSameAnswers(local, remote, { steps: stepRange(2, local.length) });
    const at = (i: number) => stepAt(local, i);

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
