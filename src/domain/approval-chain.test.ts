import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import {
  type ApprovalStep,
  type ChainDecisionInput,
  decideOnChain,
  eligibleGroups,
  isGroupMember,
  newRound,
} from './approval-chain.js';
import type { StepSpec } from './approval-routing.js';

const spec = (group: string, extra: Partial<StepSpec> = {}): StepSpec => ({
  rules: ['r'],
  name: group,
  group,
  required: 1,
  dualControl: false,
  slaMs: null,
  escalateTo: [],
  ...extra,
});

let ids = 0;
const round = (...specs: StepSpec[]) =>
  newRound(specs, { changeRequestId: 'cr', round: 1, newId: () => `s${++ids}`, now: 1_000 });

const members: Record<string, string[]> = {
  owners: ['olga', 'oscar'],
  cab: ['carl', 'cora', 'olga'],
  leads: ['lena'],
};

const decide = (steps: ApprovalStep[], extra: Partial<ChainDecisionInput> & { approver: string }) =>
  decideOnChain({
    number: 'CHG0000001',
    steps,
    approvals: [],
    memberOf: (g) => (members[g] ?? []).includes(extra.approver),
    decision: 'approved',
    now: 5_000,
    retrospective: false,
    ...extra,
  });

describe('approval chains', () => {
  it('starts a round with the first step active and its SLA timer running, the rest waiting', () => {
    const [first, second] = round(spec('owners', { slaMs: 60_000 }), spec('cab', { slaMs: 120_000 }));
    expect(first).toMatchObject({ seq: 1, status: 'active', activatedAt: 1_000, dueAt: 61_000 });
    expect(second).toMatchObject({ seq: 2, status: 'waiting', activatedAt: null, dueAt: null });
  });

  it('counts N of M and activates the next step, with its timer, once the count is reached', () => {
    const steps = round(spec('owners', { required: 2 }), spec('cab', { slaMs: 60_000 }));
    const first = decide(steps, { approver: 'olga' });
    expect(first).toMatchObject({ count: 1, completed: false, updates: [], next: null });
    const second = decide(steps, {
      approver: 'oscar',
      approvals: [{ approver: 'olga', decision: 'approved', stepId: steps[0]?.id }],
    });
    expect(second.count).toBe(2);
    expect(second.updates).toEqual([
      { id: steps[0]?.id, patch: { status: 'approved', decidedAt: 5_000 } },
      { id: steps[1]?.id, patch: { status: 'active', activatedAt: 5_000, dueAt: 65_000 } },
    ]);
    expect(second.completed).toBe(false);
  });

  it('completes the chain when the last step is approved', () => {
    const steps = round(spec('cab'));
    expect(decide(steps, { approver: 'carl' })).toMatchObject({ completed: true, next: null });
  });

  it('refuses someone outside the active step’s groups, naming them', async () => {
    const steps = round(spec('owners'), spec('cab'));
    const e = await failure(Promise.resolve().then(() => decide(steps, { approver: 'carl' })));
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe(
      'carl is not a member of owners, the groups that may decide step 1 (owners) of CHG0000001',
    );
    expect(e.details.eligibleGroups).toEqual(['owners']);
  });

  it('lets the escalation groups reached so far answer, and no others', async () => {
    const [step] = round(spec('owners', { slaMs: 60_000, escalateTo: ['leads', 'cab'] }));
    if (!step) throw new Error('no step');
    expect(eligibleGroups({ ...step, escalationLevel: 1 })).toEqual(['owners', 'leads']);
    expect(decide([{ ...step, escalationLevel: 1 }], { approver: 'lena' }).completed).toBe(true);
    const e = await failure(Promise.resolve().then(() => decide([step], { approver: 'lena' })));
    expect(e.code).toBe('forbidden');
  });

  it('counts one person once per change: not twice on a step, not again on a later step', async () => {
    const steps = round(spec('owners', { required: 2, dualControl: true }), spec('cab'));
    const again = await failure(
      Promise.resolve().then(() =>
        decide(steps, {
          approver: 'olga',
          approvals: [{ approver: 'OLGA', decision: 'approved', stepId: steps[0]?.id }],
        }),
      ),
    );
    expect(again.code).toBe('separation_of_duties');
    expect(again.message).toMatch(
      /olga already approved step 1 \(owners\).*needs another person \(1 of 2 approvals, dual control\)/,
    );
    const advanced = steps.map((s, i) => ({
      ...s,
      status: i === 0 ? ('approved' as const) : ('active' as const),
    }));
    const later = await failure(
      Promise.resolve().then(() =>
        decide(advanced, {
          approver: 'olga',
          approvals: [{ approver: 'olga', decision: 'approved', stepId: steps[0]?.id }],
        }),
      ),
    );
    expect(later.code).toBe('separation_of_duties');
    expect(later.message).toMatch(/one person counts once per change/);
  });

  it('rejects the step and cancels the rest', () => {
    const steps = round(spec('owners'), spec('cab'), spec('leads'));
    const d = decide(steps, { approver: 'oscar', decision: 'rejected' });
    expect(d.rejected).toBe(true);
    expect(d.updates.map((u) => [u.id, u.patch.status])).toEqual([
      [steps[0]?.id, 'rejected'],
      [steps[1]?.id, 'canceled'],
      [steps[2]?.id, 'canceled'],
    ]);
  });

  it('settles an emergency’s retrospective approval with one member of any open step', () => {
    const steps = round(spec('owners'), spec('cab'));
    const d = decide(steps, { approver: 'carl', retrospective: true });
    expect(d.completed).toBe(true);
    expect(d.step.group).toBe('cab');
    expect(d.updates.map((u) => [u.id, u.patch.status])).toEqual([
      [steps[1]?.id, 'approved'],
      [steps[0]?.id, 'canceled'],
    ]);
  });

  it('knows members by lowercased name or by IdP group', () => {
    const group = { members: ['alice@example.com'], idpGroups: ['okta-cab'] };
    expect(isGroupMember(group, { name: 'Alice@Example.com' })).toBe(true);
    expect(isGroupMember(group, { name: 'bob@example.com', idpGroups: ['okta-cab'] })).toBe(true);
    expect(isGroupMember(group, { name: 'bob@example.com', idpGroups: ['OKTA-CAB'] })).toBe(false);
  });
});
