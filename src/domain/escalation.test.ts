import { describe, expect, it } from 'vitest';
import {
  type DueStep,
  eligibleGroups,
  escalationAudit,
  escalationOf,
  escalationPayload,
} from './escalation.js';

const step: DueStep = {
  id: 'S1',
  tenantId: 'T1',
  tenantSlug: 'acme',
  changeRequestId: 'C1',
  changeRequestNumber: 'CHG0000007',
  round: 2,
  seq: 1,
  name: 'cab',
  approverGroup: 'cab',
  escalateTo: ['cab-backup', 'change-managers'],
  escalationLevel: 0,
  slaMs: 3_600_000,
  dueAt: Date.parse('2026-03-02T12:00:00Z'),
};
const now = Date.parse('2026-03-02T12:00:10Z');

describe('escalationOf', () => {
  it('brings in the next group with a fresh SLA window counted from now', () => {
    expect(escalationOf(step, now)).toEqual({
      kind: 'escalated',
      level: 1,
      from: ['cab'],
      to: 'cab-backup',
      dueAt: now + 3_600_000,
    });
    expect(escalationOf({ ...step, escalationLevel: 1 }, now)).toMatchObject({
      level: 2,
      from: ['cab', 'cab-backup'],
      to: 'change-managers',
    });
  });

  it('reports the step overdue once every level was reached, naming everyone who may answer', () => {
    expect(escalationOf({ ...step, escalationLevel: 2 }, now)).toEqual({
      kind: 'overdue',
      level: 2,
      groups: ['cab', 'cab-backup', 'change-managers'],
    });
    expect(escalationOf({ ...step, escalateTo: [] }, now)).toEqual({
      kind: 'overdue',
      level: 0,
      groups: ['cab'],
    });
  });

  it('starts no new window for a step without an SLA', () => {
    expect(escalationOf({ ...step, slaMs: null }, now)).toMatchObject({ kind: 'escalated', dueAt: null });
    expect(escalationOf({ ...step, slaMs: 0 }, now)).toMatchObject({ kind: 'escalated', dueAt: null });
  });
});

describe('eligibleGroups', () => {
  it('is the approver group plus the escalation groups reached so far', () => {
    expect(eligibleGroups(step, 0)).toEqual(['cab']);
    expect(eligibleGroups(step, 2)).toEqual(['cab', 'cab-backup', 'change-managers']);
  });
});

describe('escalation payload and audit record', () => {
  it('name the change request, the step and the deadlines in ISO-8601', () => {
    const outcome = escalationOf(step, now);
    expect(escalationPayload(step, outcome)).toEqual({
      tenant: 'acme',
      changeRequest: { id: 'C1', number: 'CHG0000007' },
      step: { id: 'S1', name: 'cab', round: 2, seq: 1 },
      from: ['cab'],
      to: 'cab-backup',
      level: 1,
      previousDueAt: '2026-03-02T12:00:00.000Z',
      dueAt: '2026-03-02T13:00:10.000Z',
    });
    expect(escalationAudit(step, outcome)).toEqual({
      before: { escalationLevel: 0, dueAt: '2026-03-02T12:00:00.000Z' },
      after: {
        step: { id: 'S1', name: 'cab', round: 2, seq: 1 },
        from: ['cab'],
        to: 'cab-backup',
        escalationLevel: 1,
        dueAt: '2026-03-02T13:00:10.000Z',
      },
    });
    const overdue = { ...step, escalationLevel: 2 };
    expect(escalationAudit(overdue, escalationOf(overdue, now)).after).toMatchObject({
      groups: ['cab', 'cab-backup', 'change-managers'],
      dueAt: null,
    });
  });
});
