import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { createGroup } from '../catalog/group-service.js';
import { decideChangeApproval } from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { getChangeApprovals } from './approval-queries.js';

const policy = {
  approvalPolicy: {
    rules: [
      {
        name: 'routine-prod',
        when: { environmentPurposes: ['production'] },
        autoApprovable: true,
        steps: [{ group: 'sre' }],
      },
      { name: 'privileged', when: { labels: ['privileged-access'] }, steps: [{ group: 'security' }] },
    ],
  },
};

describe.each(dialects)('pipeline auto-approval by policy on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  async function policyWorld() {
    const w = await world(policy);
    await createGroup(deps(), w.admin, { name: 'sre', members: ['approver@example.com'] });
    await createGroup(deps(), w.admin, { name: 'security', members: ['sam@example.com'] });
    return w;
  }

  it('auto-approves when every matched rule is auto-approvable, explaining each rule on the CR', async () => {
    const w = await policyWorld();
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const view = await w.begin();
    expect(view.autoApproval?.approved).toBe(true);
    expect(view.autoApproval?.reasons).toEqual([
      'deployment ready: yes',
      'outage: none',
      "risk: low within the auto-approval limit 'moderate'",
      'rule routine-prod: matched (environment purpose production is one of production), auto-approvable',
      'rule privileged: not matched (none of the labels privileged-access)',
    ]);
    const number = view.changeRequest.number;
    const approvals = await getChangeApprovals(deps(), w.pipeline, number);
    expect(approvals.rounds).toEqual([]);
    expect(approvals.changeRequest.approvalDecision).toMatchObject({
      configVersion: 1,
      autoApproval: { approved: true },
      rules: [
        { rule: 'routine-prod', matched: true },
        { rule: 'privileged', matched: false },
      ],
    });
    const { comments } = await getChangeRequest(deps(), w.pipeline, number);
    expect(comments[0]?.body).toMatch(/rule privileged: not matched/);
  });

  it('sends the CR to its chain when a matched rule is not auto-approvable, naming the rule', async () => {
    const w = await policyWorld();
    await w.ship('api', '1.0.0');
    await w.promoteTo('prod', { labels: ['privileged-access'] });
    const view = await w.begin();
    expect(view.run.phase).toBe('awaiting_approval');
    expect(view.autoApproval).toMatchObject({ approved: false });
    expect(view.autoApproval?.reasons).toContain(
      'rule privileged: matched (label privileged-access present), not auto-approvable: needs its approvers',
    );
    const number = view.changeRequest.number;
    const chain = await getChangeApprovals(deps(), w.pipeline, number);
    expect(chain.rounds[0]?.steps.map((s) => [s.step.group, s.step.status])).toEqual([
      ['sre', 'active'],
      ['security', 'waiting'],
    ]);
    await decideChangeApproval(deps(), w.approver, number, 'approved', 'ok');
    const done = await decideChangeApproval(
      deps(),
      { ...w.approver, name: 'sam@example.com' },
      number,
      'approved',
      'ok',
    );
    expect(done).toMatchObject({ approval: 'approved', state: 'scheduled' });
  });
});
