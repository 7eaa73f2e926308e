import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../support/cli-process.js';
import { type ActorCli, storyHarness } from '../support/story-harness.js';

const fullFile = `
environments:
  - name: prod
    purpose: production
groups:
  - name: payments
    members: [Alice@example.com, bob@example.com]
  - name: cab
    idpGroups: [okta-cab]
components:
  - name: team/api
    ownerGroup: payments
    criticality: tier1
    environments: [prod]
  - name: ledger
    ownerGroup: cab
    criticality: tier2
templates:
  - name: config-bump
    title: Config bump of {components}
    fields: { priority: low, risk: low }
    components: [team/api]
    maxRisk: low
checklists:
  - category: database-schema
    items: [backup-verified, dry-run]
windows:
  - name: weekend
    kind: freeze
    rrule: FREQ=WEEKLY;BYDAY=SA,SU
    startTime: "00:00"
    duration: 1440
    timeZone: Europe/Berlin
    environments: [prod]
    reason: No deployments at the weekend
`;

const badFile = `
components:
  - name: orphan
    ownerGroup: nobody
    criticality: tier3
`;

/** The same steps in local and remote mode: apply, list, update, refuse, re-apply. */
async function story(cli: ActorCli, dir: string) {
  writeFileSync(join(dir, 'changegate.yaml'), fullFile);
  writeFileSync(join(dir, 'bad.yaml'), badFile);
  const steps = [
    ['config', 'apply', '-f', 'changegate.yaml', '--json'],
    ['component', 'list', '--json'],
    ['config', 'show'],
    ['template', 'update', 'config-bump', '--max-risk', 'moderate', '--clear', 'risk', '--json'],
    ['checklist', 'update', 'database-schema', '--item', 'backup-verified', '--json'],
    ['config', 'apply', '-f', 'bad.yaml'],
    ['config', 'apply', '-f', 'changegate.yaml', '--json'],
    ['audit', 'log', '--json'],
  ];
  const results: CliResult[] = [];
  for (const args of steps) results.push(await cli(args, 'cm@example.com'));
  return results;
}

describe('catalog sections of changegate.yaml through the CLI', () => {
  const harness = storyHarness('config-catalog');

  it('applies a full file, lists its components, updates templates and checklists, in local and remote mode', async () => {
    const { local, remote } = await harness.bothWays({ 'cm@example.com': 'change_manager' }, story);

    for (const run of [local, remote]) {
      expect(
        run.map((r) => r.code),
        run.map((r) => r.stderr).join(''),
      ).toEqual([0, 0, 0, 0, 0, 2, 0, 0]);
      const at = (i: number) => run[i] as { stdout: string; stderr: string };
      expect(JSON.parse(at(0).stdout).version).toBe(1);
      expect(
        (JSON.parse(at(1).stdout) as { name: string; ownerGroup: string; criticality: string }[]).map((c) => [
          c.name,
          c.ownerGroup,
          c.criticality,
        ]),
      ).toEqual([
        ['ledger', 'cab', 'tier2'],
        ['team/api', 'payments', 'tier1'],
      ]);
      expect(at(2).stdout + at(2).stderr).toContain(
        'declared in the file: 2 groups, 2 components, 1 template, 1 checklist, 1 window',
      );
      expect(JSON.parse(at(3).stdout)).toMatchObject({ maxRisk: 'moderate', fields: { priority: 'low' } });
      expect(JSON.parse(at(3).stdout).fields).not.toHaveProperty('risk');
      expect(JSON.parse(at(4).stdout).items).toEqual(['backup-verified']);
      expect(at(5).stderr).toMatch(
        /^error: components\[0\]\.ownerGroup: group 'nobody' is neither under groups:/,
      );
      // The file wins again: the template and checklist edited by command are set back to it.
      expect(JSON.parse(at(6).stdout).version).toBe(2);
      const actions = (JSON.parse(at(7).stdout) as { action: string }[])
        .map((e) => e.action)
        .filter((a) => /^(group|component|template|checklist|window|config)\./.test(a));
      expect(actions).toEqual([
        'group.created',
        'group.created',
        'component.created',
        'component.created',
        'template.created',
        'checklist.created',
        'window.created',
        'config.applied',
        'template.updated',
        'checklist.updated',
        'template.updated',
        'checklist.updated',
        'config.applied',
      ]);
    }
    // About 20 CLI processes and a server: generous, for a loaded CI machine.
  }, 120_000);
});
