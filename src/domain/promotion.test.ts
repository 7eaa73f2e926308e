import { describe, expect, it } from 'vitest';
import { customerImpacts, deploymentImpacts, priorities, riskLevels } from './change-request.js';
import { AppError } from './errors.js';
import { validateGlobs, validateLabels, validatePromotionFields } from './promotion.js';

const valid = {
  priority: 'high',
  assignee: 'Dev@Example.com',
  customerImpact: 'no_impact',
  deploymentImpact: 'small',
};

/** The AppError `fn` throws (or fails the test). */
function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an error');
}

describe('validatePromotionFields', () => {
  it('accepts the required fields, lower-cases the assignee and leaves the rest null', () => {
    expect(validatePromotionFields(valid)).toEqual({
      priority: 'high',
      assignee: 'dev@example.com',
      description: null,
      purpose: null,
      impact: null,
      customerImpact: 'no_impact',
      deploymentImpact: 'small',
      backoutPlan: null,
      risk: null,
    });
  });

  it('keeps the optional texts trimmed, and empty ones as null', () => {
    const fields = validatePromotionFields({
      ...valid,
      description: '  Release 2.4  ',
      purpose: 'Fix checkout',
      impact: '',
      backoutPlan: 'Roll back',
      risk: 'critical',
    });
    expect(fields).toMatchObject({
      description: 'Release 2.4',
      purpose: 'Fix checkout',
      impact: null,
      backoutPlan: 'Roll back',
      risk: 'critical',
    });
    expect(validatePromotionFields({ ...valid, risk: '' }).risk).toBeNull();
    expect(validatePromotionFields({ ...valid, risk: null }).risk).toBeNull();
  });

  it('names every missing required field', () => {
    const e = errorOf(() => validatePromotionFields({}));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe('missing required fields: priority, assignee, customerImpact, deploymentImpact');
    expect(e.details).toMatchObject({
      field: 'priority',
      missing: ['priority', 'assignee', 'customerImpact', 'deploymentImpact'],
    });
    const one = errorOf(() => validatePromotionFields({ ...valid, deploymentImpact: '' }));
    expect(one.message).toBe('missing required field: deploymentImpact');
  });

  it.each([
    ['priority', 'urgent', priorities],
    ['customerImpact', 'none', customerImpacts],
    ['deploymentImpact', 'medium', deploymentImpacts],
    ['risk', 'extreme', riskLevels],
  ] as const)('refuses a bad %s, listing the valid values', (field, bad, values) => {
    const e = errorOf(() => validatePromotionFields({ ...valid, [field]: bad }));
    expect(e.code).toBe('invalid_input');
    expect(e.details.field).toBe(field);
    expect(e.details.validValues).toEqual(values);
    expect(e.message).toBe(`${field}: '${bad}' is not valid; use one of: ${values.join(', ')}`);
  });

  it('refuses an assignee that is not an email address', () => {
    const e = errorOf(() => validatePromotionFields({ ...valid, assignee: 'dev at example' }));
    expect(e.details.field).toBe('assignee');
    expect(e.message).toMatch(/'dev at example' is not an email address/);
    expect(() => validatePromotionFields({ ...valid, assignee: 'dev@localhost' })).toThrow(/not an email/);
  });

  it('refuses unknown fields, listing the known ones', () => {
    const e = errorOf(() => validatePromotionFields({ ...valid, colour: 'red' }));
    expect(e.details.field).toBe('colour');
    expect(e.details.validValues).toContain('backoutPlan');
  });

  it('refuses a description over the limit and non-text values', () => {
    expect(() => validatePromotionFields({ ...valid, description: 'x'.repeat(10_001) })).toThrow(
      /description: is 10001 characters long; the limit is 10000/,
    );
    expect(() => validatePromotionFields({ ...valid, purpose: 42 })).toThrow(/purpose: must be a string/);
  });
});

describe('validateLabels', () => {
  it('accepts absent labels as none', () => {
    expect(validateLabels(undefined)).toEqual([]);
    expect(validateLabels(null)).toEqual([]);
  });

  it('trims and removes duplicates, keeping the first order', () => {
    expect(validateLabels(['emergency', ' hotfix ', 'emergency'])).toEqual(['emergency', 'hotfix']);
  });

  it('refuses labels that are not slugs, naming the position', () => {
    const e = errorOf(() => validateLabels(['ok', 'Not OK']));
    expect(e.details.field).toBe('labels[1]');
    expect(e.message).toMatch(/must be lowercase letters, digits/);
    expect(() => validateLabels([''])).toThrow(/labels\[0\]: must not be empty/);
    expect(() => validateLabels([7])).toThrow(/labels\[0\]: must be a string/);
  });

  it('refuses a value that is not a list', () => {
    expect(errorOf(() => validateLabels('emergency')).details.field).toBe('labels');
  });
});

describe('validateGlobs', () => {
  it('accepts absent globs as none and keeps given ones trimmed, in order', () => {
    expect(validateGlobs('include', undefined)).toEqual([]);
    expect(validateGlobs('include', null)).toEqual([]);
    expect(validateGlobs('include', ['api-*', ' web/** '])).toEqual(['api-*', 'web/**']);
  });

  it('refuses a non-list, an empty pattern and an over-long one, naming the field', () => {
    expect(errorOf(() => validateGlobs('exclude', 'api-*')).message).toBe(
      'exclude: must be a list of glob patterns',
    );
    expect(errorOf(() => validateGlobs('exclude', ['a', ' '])).details.field).toBe('exclude[1]');
    expect(() => validateGlobs('include', ['x'.repeat(201)])).toThrow(/include\[0\]: is 201 characters long/);
  });
});
