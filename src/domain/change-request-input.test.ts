import { describe, expect, it } from 'vitest';
import { validateChangeCreate, validateChangeUpdate } from './change-request-input.js';

const base = {
  priority: 'low',
  assignee: 'Dev@Example.com',
  customerImpact: 'no_impact',
  deploymentImpact: 'large',
};

describe('change request input', () => {
  it('fills defaults: type normal, outage 0, a title from type and environment', () => {
    const { type, fields } = validateChangeCreate({ ...base, environment: 'prod' });
    expect(type).toBe('normal');
    expect(fields).toMatchObject({
      outageMinutes: 0,
      title: 'normal change to prod',
      assignee: 'dev@example.com',
      risk: null,
    });
  });

  it('reads a date alone as midnight UTC and accepts times without seconds or with offsets', () => {
    const at = (plannedStart: string) => validateChangeCreate({ ...base, plannedStart }).fields.plannedStart;
    expect(at('2026-12-03')).toBe(Date.parse('2026-12-03T00:00:00Z'));
    expect(at('2028-02-29')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(at('2026-12-01T10:00Z')).toBe(Date.parse('2026-12-01T10:00:00Z'));
    expect(at('2026-12-01T10:00:00.250+02:00')).toBe(Date.parse('2026-12-01T08:00:00.250Z'));
  });

  it('lists every missing required field', () => {
    expect(() => validateChangeCreate({})).toThrow(
      'missing required fields: priority, assignee, customerImpact, deploymentImpact',
    );
  });

  it.each([
    [{ type: 'urgent' }, /type: 'urgent' is not valid; use one of: standard, normal, emergency/],
    [
      { customerImpact: 'none' },
      /customerImpact: 'none' is not valid; use one of: critical, high, moderate, low, no_impact/,
    ],
    [{ deploymentImpact: 'medium' }, /use one of: small, large/],
    [{ risk: 'extreme' }, /risk: 'extreme' is not valid; use one of: low, moderate, high, critical/],
    [{ outageMinutes: -5 }, /outageMinutes: '-5' must be a whole number/],
    [{ outageMinutes: 1.5 }, /outageMinutes/],
    [{ assignee: 'dev@localhost' }, /not an email address/],
    [
      { plannedStart: '2026-02-02T10:00:00Z', plannedEnd: '2026-02-02T09:00:00Z' },
      /plannedEnd: must be after plannedStart/,
    ],
    [{ title: '   ' }, /title: must not be empty/],
    [{ title: 'a\u0000b' }, /title: contains control characters/],
    [{ plannedStart: '2026-02-30' }, /plannedStart: '2026-02-30' is not a date-time/],
    [{ plannedStart: '2026-02-28T24:00:00Z' }, /plannedStart/],
    [
      { plannedStart: '2026-02-02T10:00:00' },
      /plannedStart: '2026-02-02T10:00:00' is not a date-time; use ISO-8601 with a zone/,
    ],
  ])('refuses %j', (input, message) => {
    expect(() => validateChangeCreate({ ...base, ...input })).toThrow(message);
  });

  it('patches only present keys, clears with null, and protects required fields', () => {
    const { fields } = validateChangeCreate(base);
    expect(validateChangeUpdate({ risk: 'high', description: null }, fields)).toEqual({
      risk: 'high',
      description: null,
    });
    expect(() => validateChangeUpdate({ assignee: null }, fields)).toThrow(
      'assignee: is required and cannot be cleared',
    );
    expect(() => validateChangeUpdate({}, fields)).toThrow(/nothing to update/);
    expect(() => validateChangeUpdate({ state: 'closed' }, fields)).toThrow(/unknown field state/);
  });
});
