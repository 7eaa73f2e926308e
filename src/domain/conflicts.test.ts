import { describe, expect, it } from 'vitest';
import { conflictBetween, findConflicts, type PlannedChange, whyNoConflictPossible } from './conflicts.js';

const at = (hhmm: string, day = '2026-03-01') => Date.parse(`${day}T${hhmm}:00Z`);

function change(number: string, overrides: Partial<PlannedChange> = {}): PlannedChange {
  return {
    number,
    state: 'scheduled',
    environment: 'prod',
    components: ['payments'],
    plannedStart: at('22:00'),
    plannedEnd: at('23:00'),
    ...overrides,
  };
}

describe('conflict detection', () => {
  it('flags overlapping plans on a shared component in the same environment, on both sides, with an explanation', () => {
    const a = change('CHG0000012');
    const b = change('CHG0000013', {
      components: ['payments', 'web'],
      plannedStart: at('22:30'),
      plannedEnd: at('00:00', '2026-03-02'),
    });
    const ab = conflictBetween(a, b);
    const ba = conflictBetween(b, a);
    expect(ab?.number).toBe('CHG0000013');
    expect(ba?.number).toBe('CHG0000012');
    expect(ab?.overlap).toEqual(ba?.overlap);
    expect(ab?.overlap).toEqual({ start: at('22:30'), end: at('23:00') });
    expect(ba?.explanation).toBe(
      'CHG0000012 also changes payments in prod, 2026-03-01 22:00–23:00 UTC overlaps 2026-03-01 22:30–2026-03-02 00:00 UTC',
    );
  });

  it('does not flag windows that only touch: [a, b) and [b, c)', () => {
    const a = change('CHG0000001');
    const b = change('CHG0000002', { plannedStart: at('23:00'), plannedEnd: at('23:30') });
    expect(conflictBetween(a, b)).toBeNull();
    expect(conflictBetween(b, a)).toBeNull();
  });

  it('ignores other environments, other components, finished changes and the change itself', () => {
    const a = change('CHG0000001');
    expect(conflictBetween(a, change('CHG0000002', { environment: 'staging' }))).toBeNull();
    expect(conflictBetween(a, change('CHG0000003', { components: ['web'] }))).toBeNull();
    expect(conflictBetween(a, change('CHG0000004', { state: 'canceled' }))).toBeNull();
    expect(conflictBetween(a, change('CHG0000005', { state: 'closed' }))).toBeNull();
    expect(conflictBetween(a, a)).toBeNull();
  });

  it('says why a change without a planned window or components conflicts with nothing', () => {
    const noPlan = change('CHG0000001', { plannedEnd: null });
    const noComponents = change('CHG0000002', { components: [] });
    expect(whyNoConflictPossible(noPlan)).toMatch(/CHG0000001 has no planned window/);
    expect(whyNoConflictPossible(noComponents)).toMatch(/CHG0000002 names no components/);
    expect(findConflicts(noPlan, [change('CHG0000003')])).toEqual([]);
    expect(findConflicts(change('CHG0000003'), [noPlan, noComponents])).toEqual([]);
    expect(whyNoConflictPossible(change('CHG0000004'))).toBeNull();
  });

  it('lists conflicts in order of their planned start', () => {
    const subject = change('CHG0000001', { plannedStart: at('20:00'), plannedEnd: at('23:59') });
    const later = change('CHG0000003', { plannedStart: at('22:00') });
    const earlier = change('CHG0000002', { plannedStart: at('21:00') });
    expect(findConflicts(subject, [later, earlier]).map((c) => c.number)).toEqual([
      'CHG0000002',
      'CHG0000003',
    ]);
  });

  it('keeps two regions of one environment apart, and a CR without a region meets both', () => {
    const eu = change('CHG0000101', { region: 'eu-de' });
    const us = change('CHG0000102', { region: 'us-south' });
    const all = change('CHG0000103', { region: null });
    expect(conflictBetween(eu, us)).toBeNull();
    expect(conflictBetween(eu, all)?.number).toBe('CHG0000103');
    expect(conflictBetween(all, us)?.number).toBe('CHG0000102');
  });
});
