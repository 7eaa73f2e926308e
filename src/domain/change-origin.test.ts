import { describe, expect, it } from 'vitest';
import { validateChangeCreate, validateChangeUpdate } from './change-request-input.js';

const base = { priority: 'low', assignee: 'a@b.co', customerImpact: 'low', deploymentImpact: 'small' };

describe('change request origin', () => {
  it('is internal unless a vendor performs the change', () => {
    expect(validateChangeCreate(base).fields.origin).toBe('internal');
    expect(validateChangeCreate({ ...base, origin: 'vendor' }).fields.origin).toBe('vendor');
  });

  it('refuses other values, listing the valid ones, and clears back to internal', () => {
    expect(() => validateChangeCreate({ ...base, origin: 'contractor' })).toThrow(/origin.*internal, vendor/);
    const current = validateChangeCreate({ ...base, origin: 'vendor' }).fields;
    expect(validateChangeUpdate({ origin: null }, current)).toEqual({ origin: 'internal' });
  });
});
