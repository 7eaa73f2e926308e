import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ActorCli,
  expectSameAnswers,
  recordSteps,
  stepAt,
  storyHarness,
  verbatim,
} from '../support/story-harness.js';

const config = `
environments:
  - name: prod
    purpose: production
  - name: staging
    purpose: pre_prod
metrics:
  successScore:
    weights: { changeSuccess: 1, stability: 1, planned: 0, recovery: 0 }
`;

const change = (env: string, type: string) => [
  'cr',
  'create',
  '--environment',
  env,
  '--type',
  type,
  '--priority',
  'high',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'low',
  '--deployment-impact',
  'small',
];

// A window around now that both runs share, so local and remote print the same range.
// One instant for both ends, so the range is exactly two days (the per-day figures depend on it).
const now = Date.now();
const since = new Date(now - 86_400_000).toISOString();
const until = new Date(now + 86_400_000).toISOString();
const range = ['--since', since, '--until', until];

/** Two changes implemented by hand (one failed) and one still open; then the report every way. */
async function story(cli: ActorCli, dir: string) {
  writeFileSync(join(dir, 'changegate.yaml'), config);
  const { steps, step } = recordSteps(cli, 'cm@example.com');
  await step('config', 'apply', '-f', 'changegate.yaml');
  await step('metrics', '--json', ...range);
  await step(...change('prod', 'emergency'));
  await step('cr', 'request-approval', 'CHG0000001');
  await step('cr', 'transition', 'CHG0000001', 'implement');
  await step('cr', 'close', 'CHG0000001', '--category', 'unsuccessful');
  await step(...change('staging', 'emergency'));
  await step('cr', 'request-approval', 'CHG0000002');
  await step('cr', 'transition', 'CHG0000002', 'implement');
  await step('cr', 'close', 'CHG0000002', '--category', 'successful');
  await step(...change('prod', 'normal'));
  await step('metrics', '--json', ...range);
  await step('metrics', '--by', 'env', '--csv', ...range);
  await step('metrics', '--by', 'type', ...range);
  await step('metrics', '--since', '2026-05-01', '--until', '2026-04-01');
  await step('metrics', '--env', 'nowhere', ...range);
  return steps;
}

describe('change metrics through the CLI and the API', () => {
  const harness = storyHarness('metrics');

  it('reports no deployments, then the hand-made changes, as JSON, CSV and a table, locally and remotely alike', async () => {
    const { local, remote } = await harness.bothWays({ 'cm@example.com': 'admin' }, story);

    expect(
      local.map((s) => s.code),
      local.map((s) => s.err).join(''),
    ).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2]);
    // Same range, same counts: the reports must match to the byte, nothing normalised.
    expectSameAnswers(local, remote, { steps: [1, 11, 12, 13, 14, 15], normalize: verbatim });
    const at = (i: number) => stepAt(local, i);

    const empty = JSON.parse(at(1).out);
    expect(empty).toMatchObject({
      definitionsVersion: 1,
      overall: { deployments: 0, changeFailureRate: null, leadTime: { meanMs: null } },
    });
    expect(empty.notes[0]).toMatch(/^no deployments/);

    const report = JSON.parse(at(11).out);
    expect(report.query).toEqual({
      environment: null,
      component: null,
      since,
      until,
      by: null,
      period: 'week',
    });
    expect(report.overall).toMatchObject({
      deployments: 2,
      failedDeployments: 1,
      changeFailureRate: 0.5,
      changes: 3,
      concludedChanges: 2,
      successfulChanges: 1,
      changeSuccessRate: 0.5,
      emergencyChanges: 2,
      // Weights from changegate.yaml: (0.5 × 1 + 0.5 × 1) ÷ 2.
      successScore: 50,
    });
    expect(report.successScoreWeights).toEqual({ changeSuccess: 1, stability: 1, planned: 0, recovery: 0 });

    const csv = at(12).out.split('\r\n');
    expect(csv[0]).toMatch(
      /^environment,deployments,failed_deployments,deployments_per_day,change_failure_rate,/,
    );
    expect(csv.slice(1, 3).map((l) => l.split(',').slice(0, 5))).toEqual([
      ['prod', '1', '1', '0.5', '1'],
      ['staging', '1', '0', '0.5', '0'],
    ]);
    expect(csv[3]).toBe('');

    expect(at(13).out).toMatch(/metric\s+overall\s+emergency\s+normal/);
    expect(at(13).out).toMatch(/change failure rate\s+50\.0%\s+50\.0%\s+–/);
    expect(at(14).err).toMatch(/since: must be before until/);
    expect(at(15).err).toMatch(/nowhere/);
  }, 240_000);
});
