import { describe, expect, it } from 'vitest';
import {
  type ActorCli,
  expectSameAnswers,
  recordSteps,
  stepAt,
  stepRange,
  storyHarness,
} from '../support/story-harness.js';

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
async function story(cli: ActorCli) {
  const { steps, step } = recordSteps(cli, 'cm@example.com');
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

describe('groups and components through the CLI', () => {
  const harness = storyHarness('catalog');

  it('registers, refuses and audits the same way in local and remote mode', async () => {
    const { local, remote } = await harness.bothWays({ 'cm@example.com': 'change_manager' }, story);

    expect(local.map((s) => s.code)).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 2, 0]);
    // The audit log differs only by the server's own token and tenant events; compare everything else.
    expectSameAnswers(local, remote, { steps: stepRange(0, local.length - 1) });

    const at = (i: number) => stepAt(local, i);
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
