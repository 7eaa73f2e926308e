import { describe, expect, it } from 'vitest';
import { type ChangeState, changeStates } from './change-request.js';
import {
  decideApproval,
  decideRequestApproval,
  decideTransition,
  transitions,
} from './change-request-state.js';

const cr = (
  state: ChangeState,
  approval = 'not_requested',
  type = 'normal',
  implementedBy: string | null = null,
) =>
  ({
    number: 'CHG0000001',
    state,
    approval,
    type,
    requestedBy: 'alice@example.com',
    implementedBy,
  }) as Parameters<typeof decideTransition>[0] & { requestedBy: string; implementedBy: string | null };

describe('change request state machine', () => {
  it('allows exactly the transitions in the table', () => {
    for (const from of changeStates) {
      for (const to of changeStates) {
        const allowed =
          transitions[from].includes(to) &&
          to !== 'closed' &&
          to !== 'canceled' &&
          !(from === 'authorize' && to === 'implement');
        const attempt = () => decideTransition(cr(from, 'approved'), to);
        if (allowed) expect(attempt, `${from} → ${to}`).not.toThrow();
        else
          expect(attempt, `${from} → ${to}`).toThrow(expect.objectContaining({ code: 'illegal_transition' }));
      }
    }
  });

  it('names the allowed targets when a transition is refused', () => {
    expect(() => decideTransition(cr('new'), 'implement')).toThrow(
      /cannot move from 'new' to 'implement'; allowed from 'new': assess, authorize, canceled/,
    );
    expect(() => decideTransition(cr('closed'), 'review')).toThrow(/'closed' is final/);
  });

  it('needs approval to schedule or implement a normal change', () => {
    expect(() => decideTransition(cr('authorize', 'requested'), 'scheduled')).toThrow(
      /must be approved first/,
    );
    expect(decideTransition(cr('authorize', 'approved'), 'scheduled')).toEqual({
      state: 'scheduled',
      approval: 'approved',
    });
  });

  it('lets an emergency change implement unapproved and marks the approval retro_pending', () => {
    expect(decideTransition(cr('authorize', 'requested', 'emergency'), 'implement')).toEqual({
      state: 'implement',
      approval: 'retro_pending',
    });
    expect(() => decideTransition(cr('authorize', 'approved', 'normal'), 'implement')).toThrow(
      /only an emergency change/,
    );
    expect(decideTransition(cr('authorize', 'approved', 'emergency'), 'implement')).toEqual({
      state: 'implement',
      approval: 'approved',
    });
    expect(() => decideTransition(cr('scheduled', 'requested', 'normal'), 'implement')).toThrow(
      /must be approved first/,
    );
  });

  it('requests approval when entering authorize from new or assess', () => {
    expect(decideTransition(cr('new'), 'authorize')).toEqual({ state: 'authorize', approval: 'requested' });
    expect(decideRequestApproval(cr('assess', 'rejected'))).toEqual({
      state: 'authorize',
      approval: 'requested',
    });
    expect(() => decideRequestApproval(cr('authorize', 'requested'))).toThrow(/already 'requested'/);
    expect(() => decideRequestApproval(cr('implement', 'not_requested'))).toThrow(
      /only in new, assess or authorize/,
    );
  });

  it('never lets whoever deployed the change decide it', () => {
    expect(() =>
      decideApproval(cr('implement', 'retro_pending', 'emergency', 'bob'), 'approved', 'Bob'),
    ).toThrow(/bob deployed CHG0000001/i);
  });

  it('never lets the requester decide, whatever the letter case', () => {
    expect(() => decideApproval(cr('authorize', 'requested'), 'approved', ' Alice@Example.com ')).toThrow(
      expect.objectContaining({ code: 'separation_of_duties' }),
    );
  });

  it('approves into scheduled, rejects back to assess, and settles a retrospective approval in place', () => {
    expect(decideApproval(cr('authorize', 'requested'), 'approved', 'bob')).toEqual({
      state: 'scheduled',
      approval: 'approved',
    });
    expect(decideApproval(cr('authorize', 'requested'), 'rejected', 'bob')).toEqual({
      state: 'assess',
      approval: 'rejected',
    });
    expect(decideApproval(cr('review', 'retro_pending'), 'approved', 'bob')).toEqual({
      state: 'review',
      approval: 'approved',
    });
    expect(() => decideApproval(cr('new', 'not_requested'), 'approved', 'bob')).toThrow(/only a requested/);
  });
});
