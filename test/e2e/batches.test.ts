import { describe, expect, it, vi } from 'vitest';
import {
  type ActorCli,
  expectSameAnswers,
  normalizeIdsAndTimes,
  recordSteps,
  stepAt,
  stepRange,
  storyHarness,
} from '../support/story-harness.js';

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
async function story(cli: ActorCli) {
  const { steps, stepAs } = recordSteps(cli, people.cm);
  const step = (who: Who, ...args: string[]) => stepAs(people[who], ...args);
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

describe('change batches through the CLI', () => {
  const harness = storyHarness('batches');

  it('batches CRs, refuses a frozen window, schedules and approves them together, locally and remotely', async () => {
    const { local, remote } = await harness.bothWays(
      { [people.cm]: 'change_manager', [people.dana]: 'requester' },
      story,
    );

    expect(
      local.map((s) => s.code),
      local.map((s) => s.err).join(''),
    ).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]);
    // The 2099 instants are the batch's own window: they must match, so only other times are normalised.
    expectSameAnswers(local, remote, {
      steps: stepRange(0, local.length - 1),
      normalize: (text) => normalizeIdsAndTimes(text, (t) => t.startsWith('2099')),
    });

    const at = (i: number) => stepAt(local, i);
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
