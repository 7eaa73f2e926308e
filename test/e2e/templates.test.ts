import { describe, expect, it } from 'vitest';
import {
  type ActorCli,
  expectSameAnswers,
  recordSteps,
  stepAt,
  stepRange,
  storyHarness,
} from '../support/story-harness.js';

const fromTemplate = ['cr', 'create', '--template', 'config-tweak', '--assignee', 'dev@example.com'];

/** Templates and checklists told to the CLI; every step's exit code, stdout and stderr. */
async function story(cli: ActorCli) {
  const { steps, step } = recordSteps(cli, 'cm@example.com');
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

describe('templates and checklists through the CLI', () => {
  const harness = storyHarness('templates');

  it('pre-approves inside the scope, refuses outside it, and gates implement on the checklist, locally and remotely', async () => {
    const { local, remote } = await harness.bothWays({ 'cm@example.com': 'change_manager' }, story);

    expect(local.map((s) => s.code)).toEqual([0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    expectSameAnswers(local, remote, { steps: stepRange(0, local.length - 1) });

    const at = (i: number) => stepAt(local, i);
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
