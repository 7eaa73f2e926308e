import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { listApprovalSteps } from '../../store/approval-steps.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { createComponent } from '../catalog/component-service.js';
import { addGroupMember, createGroup } from '../catalog/group-service.js';
import {
  cancelChangeRequest,
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
  updateChangeRequestFields,
} from '../changes/change-request-actions.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { explainApprovalPolicy, getChangeApprovals } from './approval-queries.js';

/** The worked example of docs/approval-policy.md, reduced to what each test needs. */
const examplePolicy = {
  rules: [
    {
      name: 'owners',
      when: { environmentPurposes: ['production'] },
      steps: [{ group: '$owners', sla: '4h' }],
    },
    {
      name: 'cab-high-risk',
      when: { risk: 'high' },
      steps: [{ name: 'cab', group: 'cab', dualControl: true, sla: '8h', escalateTo: ['change-managers'] }],
    },
    {
      name: 'security',
      when: { labels: ['privileged-access', 'crypto-key'] },
      steps: [{ group: 'security' }],
    },
  ],
};

describe.each(dialects)('approval chains on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;

  beforeAll(async () => {
    t = await testApp(dialect, 'approvals');
  });
  afterAll(() => t?.close());

  const deps = () => t.app.deps;

  /** A tenant with prod, the groups of the example and a payments component owned by `payments`. */
  async function tenant(approvalPolicy: unknown = examplePolicy) {
    const admin = await actorIn(t.app, `a${++tenants}`, 'admin@example.com', 'admin');
    await applyTenantConfig(deps(), admin, {
      document: { environments: [{ name: 'prod', purpose: 'production' }], approvalPolicy },
    });
    const groups: Record<string, string[]> = {
      payments: ['olga@example.com', 'oscar@example.com'],
      cab: ['carl@example.com', 'cora@example.com', 'olga@example.com'],
      'change-managers': ['mia@example.com'],
      security: ['sam@example.com'],
      'peer-reviewers': ['pete@example.com'],
    };
    for (const [name, members] of Object.entries(groups))
      await createGroup(deps(), admin, { name, members, idpGroups: name === 'security' ? ['okta-sec'] : [] });
    await createComponent(deps(), admin, {
      name: 'payments-api',
      ownerGroup: 'payments',
      criticality: 'tier1',
    });
    const as = (name: string, role: Actor['role'] = 'approver', idpGroups?: string[]): Actor => ({
      ...admin,
      name,
      role,
      ...(idpGroups ? { idpGroups } : {}),
    });
    const requester = as('rita@example.com', 'requester');
    const change = async (input: Record<string, unknown> = {}) => {
      const cr = await createChangeRequest(deps(), requester, {
        ...validChange,
        environment: 'prod',
        components: ['payments-api'],
        risk: 'low',
        ...input,
      });
      return (await requestApproval(deps(), requester, cr.number)).number;
    };
    const approve = (who: Actor, number: string) =>
      decideChangeApproval(deps(), who, number, 'approved', 'ok');
    const chain = async (number: string) => (await getChangeApprovals(deps(), admin, number)).rounds;
    return { admin, as, requester, change, approve, chain };
  }

  it('builds the chain when approval is requested: first step active with its SLA timer, the rest waiting', async () => {
    const w = await tenant();
    const number = await w.change({ risk: 'high', labels: ['privileged-access'] });
    const [round] = await w.chain(number);
    expect(round?.round).toBe(1);
    expect(
      round?.steps.map(({ step: s }) => [
        s.seq,
        s.rule,
        s.group,
        s.required,
        s.dualControl,
        s.status,
        s.slaMs,
      ]),
    ).toEqual([
      [1, 'owners', 'payments', 1, false, 'active', 4 * 3_600_000],
      [2, 'cab-high-risk', 'cab', 2, true, 'waiting', 8 * 3_600_000],
      [3, 'security', 'security', 1, false, 'waiting', null],
    ]);
    const first = round?.steps[0]?.step;
    expect(first?.dueAt).toBe((first?.activatedAt ?? 0) + 4 * 3_600_000);
    const { changeRequest } = await getChangeApprovals(deps(), w.admin, number);
    expect(changeRequest.approvalDecision).toMatchObject({
      configVersion: 1,
      autoApproval: null,
      rules: [
        { rule: 'owners', matched: true, reasons: ['environment purpose production is one of production'] },
        { rule: 'cab-high-risk', matched: true, reasons: ['risk high ≥ high'] },
        { rule: 'security', matched: true, reasons: ['label privileged-access present'] },
      ],
    });
    const [requested] = (await readAuditLog(deps(), w.admin, { changeRequest: number })).filter(
      (e) => e.action === 'change_request.approval_requested',
    );
    expect((requested?.after as { approvalChain?: unknown } | undefined)?.approvalChain).toEqual({
      round: 1,
      steps: [
        '1. owners: payments, 1 required, sla 4h (rule owners)',
        '2. cab: cab, 2 required, dual control, sla 8h, then change-managers (rule cab-high-risk)',
        '3. security: security, 1 required (rule security)',
      ],
    });
  });

  it('walks the chain step by step: N of M counted, dual control needs two people, then the CR is approved', async () => {
    const w = await tenant();
    const number = await w.change({ risk: 'high' });
    const afterOwners = await w.approve(w.as('oscar@example.com'), number);
    expect(afterOwners).toMatchObject({ state: 'authorize', approval: 'requested' });
    const once = await w.approve(w.as('carl@example.com'), number);
    expect(once.approval).toBe('requested');
    const twice = await failure(w.approve(w.as('carl@example.com'), number));
    expect(twice.code).toBe('separation_of_duties');
    expect(twice.message).toMatch(
      /carl@example.com already approved step 2 \(cab\).*1 of 2 approvals, dual control/,
    );
    const done = await w.approve(w.as('cora@example.com'), number);
    expect(done).toMatchObject({ state: 'scheduled', approval: 'approved' });
    const [round] = await w.chain(number);
    expect(
      round?.steps.map(({ step, approvals }) => [step.status, approvals.map((a) => a.approver)]),
    ).toEqual([
      ['approved', ['oscar@example.com']],
      ['approved', ['carl@example.com', 'cora@example.com']],
    ]);
    const actions = (await readAuditLog(deps(), w.admin, { changeRequest: number })).map((e) => e.action);
    // Owners' step, carl's first cab approval, then cora's completes the chain; carl's refused second wrote nothing.
    expect(actions.slice(-3)).toEqual([
      'change_request.approval_step_approved',
      'change_request.approval_step_approved',
      'change_request.approved',
    ]);
    expect((await verifyAuditChain(deps(), w.admin)).ok).toBe(true);
  });

  it('counts one person once per change: an approver of an earlier step cannot approve a later one', async () => {
    const w = await tenant();
    const number = await w.change({ risk: 'high' });
    await w.approve(w.as('olga@example.com'), number);
    const e = await failure(w.approve(w.as('olga@example.com'), number));
    expect(e.code).toBe('separation_of_duties');
    expect(e.message).toMatch(/one person counts once per change/);
  });

  it('refuses the requester, and anyone outside the active step’s groups with the groups named', async () => {
    const w = await tenant();
    const number = await w.change();
    const own = await failure(w.approve(w.as('rita@example.com'), number));
    expect(own.code).toBe('separation_of_duties');
    const outsider = await failure(w.approve(w.as('carl@example.com'), number));
    expect(outsider.code).toBe('forbidden');
    expect(outsider.message).toBe(
      `carl@example.com is not a member of payments, the groups that may decide step 1 (owners) of ${number}`,
    );
    expect(outsider.details.eligibleGroups).toEqual(['payments']);
    const reject = await failure(
      decideChangeApproval(deps(), w.as('carl@example.com'), number, 'rejected', 'no'),
    );
    expect(reject.code).toBe('forbidden');
    expect((await w.chain(number))[0]?.steps[0]?.approvals).toEqual([]);
  });

  it('counts members of a group through their IdP groups', async () => {
    const w = await tenant();
    const number = await w.change({ labels: ['crypto-key'] });
    await w.approve(w.as('oscar@example.com'), number);
    const viaIdp = await w.approve(w.as('someone@example.com', 'approver', ['okta-sec']), number);
    expect(viaIdp.approval).toBe('approved');
  });

  it('rejects: the step is rejected, the rest canceled, the CR rejected; a new request builds round 2', async () => {
    const w = await tenant();
    const number = await w.change({ risk: 'high' });
    const rejected = await decideChangeApproval(
      deps(),
      w.as('olga@example.com'),
      number,
      'rejected',
      'not now',
    );
    expect(rejected).toMatchObject({ state: 'assess', approval: 'rejected' });
    expect((await w.chain(number))[0]?.steps.map((s) => s.step.status)).toEqual(['rejected', 'canceled']);
    await requestApproval(deps(), w.requester, number);
    const rounds = await w.chain(number);
    expect(rounds.map((r) => [r.round, r.steps.map((s) => s.step.status)])).toEqual([
      [1, ['rejected', 'canceled']],
      [2, ['active', 'waiting']],
    ]);
    // A new round: olga, who rejected in round 1, may approve in round 2.
    expect((await w.approve(w.as('olga@example.com'), number)).approval).toBe('requested');
  });

  it('cancels the open steps when an edit withdraws the approval request, or the CR is canceled', async () => {
    const w = await tenant();
    const number = await w.change();
    const edited = await updateChangeRequestFields(deps(), w.requester, number, { risk: 'moderate' });
    expect(edited).toMatchObject({ state: 'assess', approval: 'not_requested' });
    expect((await w.chain(number))[0]?.steps.map((s) => [s.step.status, s.step.dueAt])).toEqual([
      ['canceled', null],
    ]);
    const late = await failure(w.approve(w.as('oscar@example.com'), number));
    expect(late.code).toBe('illegal_transition');

    const other = await w.change();
    await cancelChangeRequest(deps(), w.requester, other, 'not needed');
    expect((await w.chain(other))[0]?.steps.map((s) => s.step.status)).toEqual(['canceled']);
  });

  it('builds the chain when the CR enters authorize by a transition too', async () => {
    const w = await tenant();
    const cr = await createChangeRequest(deps(), w.requester, {
      ...validChange,
      environment: 'prod',
      components: ['payments-api'],
    });
    await transitionChangeRequest(deps(), w.admin, cr.number, 'authorize');
    expect((await w.chain(cr.number))[0]?.steps.map((s) => s.step.group)).toEqual(['payments']);
  });

  it('adds a mandatory peer review for high risk, whoever requested', async () => {
    const w = await tenant({
      rules: [
        { name: 'peer-review-high-risk', when: { risk: 'high' }, steps: [{ group: 'peer-reviewers' }] },
      ],
    });
    const low = await w.change({ risk: 'low' });
    expect(await w.chain(low)).toEqual([]);
    const high = await w.change({ risk: 'high' });
    expect((await w.chain(high))[0]?.steps.map((s) => s.step.group)).toEqual(['peer-reviewers']);
    // An admin is not a peer reviewer: role alone does not let them decide.
    expect((await failure(w.approve(w.as('admin2@example.com', 'admin'), high))).code).toBe('forbidden');
    expect((await w.approve(w.as('pete@example.com'), high)).approval).toBe('approved');
  });

  it('keeps today’s behaviour without a policy: one approval by anyone whose role may approve', async () => {
    const w = await tenant(null);
    const number = await w.change({ risk: 'critical' });
    expect(await w.chain(number)).toEqual([]);
    const { changeRequest } = await getChangeApprovals(deps(), w.admin, number);
    expect(changeRequest.approvalDecision).toBeNull();
    expect(await w.approve(w.as('anyone@example.com'), number)).toMatchObject({ approval: 'approved' });
  });

  it('refuses to request approval when a step names a group that does not exist, naming the rule, and writes nothing', async () => {
    const w = await tenant({ rules: [{ name: 'dba-review', steps: [{ group: 'dbas' }] }] });
    const cr = await createChangeRequest(deps(), w.requester, { ...validChange, environment: 'prod' });
    const before = (await verifyAuditChain(deps(), w.admin)).count;
    const e = await failure(requestApproval(deps(), w.requester, cr.number));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(
      /approval policy rule dba-review \(step dbas\) names the approver group 'dbas', which does not exist/,
    );
    expect((await verifyAuditChain(deps(), w.admin)).count).toBe(before);
    expect(await listApprovalSteps(deps().db, w.admin.tenantId, cr.id)).toEqual([]);
    const dry = await explainApprovalPolicy(deps(), w.admin, cr.number);
    expect(dry.plan.unknownGroups.map((u) => u.group)).toEqual(['dbas']);
  });

  it('settles an emergency’s retrospective approval with one member of an open step, never the deployer', async () => {
    const w = await tenant();
    const number = await w.change({ type: 'emergency', risk: 'high' });
    await transitionChangeRequest(deps(), w.as('carl@example.com', 'change_manager'), number, 'implement');
    const deployer = await failure(w.approve(w.as('carl@example.com'), number));
    expect(deployer.code).toBe('separation_of_duties');
    const outsider = await failure(w.approve(w.as('sam@example.com'), number));
    expect(outsider.code).toBe('forbidden');
    const settled = await w.approve(w.as('cora@example.com'), number);
    expect(settled).toMatchObject({ state: 'implement', approval: 'approved' });
    expect((await w.chain(number))[0]?.steps.map((s) => s.step.status)).toEqual(['canceled', 'approved']);
  });

  it('does not let a member of an already approved step settle a retrospective approval', async () => {
    const w = await tenant();
    const number = await w.change({ type: 'emergency', risk: 'high' });
    await w.approve(w.as('oscar@example.com'), number);
    await addGroupMember(deps(), w.admin, 'payments', 'paula@example.com');
    await transitionChangeRequest(deps(), w.as('carl@example.com', 'change_manager'), number, 'implement');
    const owner = await failure(w.approve(w.as('paula@example.com'), number));
    expect(owner.code).toBe('forbidden');
    expect(owner.message).toContain('cab');
    const settled = await w.approve(w.as('cora@example.com'), number);
    expect(settled).toMatchObject({ state: 'implement', approval: 'approved' });
    expect((await w.chain(number))[0]?.steps.map((s) => s.step.status)).toEqual(['approved', 'approved']);
  });
});
