import { describe, expect, it } from 'vitest';
import { validateChangeCreate, validateChangeUpdate } from './change-request-input.js';
import {
  checkComponentNames,
  componentNames,
  validateComponentCreate,
  validateComponentUpdate,
} from './component.js';
import { AppError } from './errors.js';
import { validateGroupCreate, validateGroupUpdate } from './group.js';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a validation error');
}

describe('group input', () => {
  it('lowercases, de-duplicates and sorts members; keeps IdP group names as issued', () => {
    expect(
      validateGroupCreate({
        name: 'payments',
        members: ['Bob@Example.com', 'alice@example.com', 'bob@example.com'],
        idpGroups: ['Payments-Oncall', 'CN=pay,OU=groups'],
      }),
    ).toEqual({
      name: 'payments',
      description: null,
      members: ['alice@example.com', 'bob@example.com'],
      idpGroups: ['CN=pay,OU=groups', 'Payments-Oncall'],
    });
  });

  it('refuses a name that is not a slug, unknown fields and empty members, naming the field', () => {
    expect(errorOf(() => validateGroupCreate({ name: 'Payments Team' })).details.field).toBe('name');
    expect(errorOf(() => validateGroupCreate({ name: 'p', owner: 'x' })).message).toMatch(
      /unknown field owner/,
    );
    expect(errorOf(() => validateGroupCreate({ name: 'p', members: ['a', ' '] })).details.field).toBe(
      'members[1]',
    );
    expect(errorOf(() => validateGroupCreate({ name: 'p', members: 'a' })).message).toBe(
      'members: must be a list',
    );
  });

  it('updates the description and IdP groups only; null clears', () => {
    expect(validateGroupUpdate({ description: null, idpGroups: null })).toEqual({
      description: null,
      idpGroups: [],
    });
    expect(errorOf(() => validateGroupUpdate({})).message).toMatch(/nothing to update.*add-member/);
    expect(errorOf(() => validateGroupUpdate({ members: [] })).message).toMatch(/unknown field members/);
  });
});

describe('component input', () => {
  it('accepts inventory entry names and defaults to all environments', () => {
    expect(
      validateComponentCreate({ name: 'acme/payments-api@eu', ownerGroup: 'payments', criticality: 'tier1' }),
    ).toEqual({
      name: 'acme/payments-api@eu',
      ownerGroup: 'payments',
      criticality: 'tier1',
      environments: [],
      description: null,
    });
  });

  it('refuses a bad name, a missing owner and an unknown tier, listing the tiers', () => {
    expect(
      errorOf(() => validateComponentCreate({ name: 'pay api', ownerGroup: 'p', criticality: 'tier1' }))
        .message,
    ).toMatch(/^name: 'pay api' may hold letters, digits/);
    expect(errorOf(() => validateComponentCreate({ name: 'api', criticality: 'tier1' })).message).toBe(
      'missing required field: ownerGroup',
    );
    const tier = errorOf(() =>
      validateComponentCreate({ name: 'api', ownerGroup: 'p', criticality: 'gold' }),
    );
    expect(tier.details).toMatchObject({
      field: 'criticality',
      validValues: ['tier1', 'tier2', 'tier3', 'tier4'],
    });
  });

  it('patches with null clearing environments back to all, but never the owner or tier', () => {
    expect(validateComponentUpdate({ environments: null, description: 'x' })).toEqual({
      environments: [],
      description: 'x',
    });
    expect(errorOf(() => validateComponentUpdate({ ownerGroup: null })).message).toBe(
      'ownerGroup: is required and cannot be cleared',
    );
    expect(errorOf(() => validateComponentUpdate({ name: 'renamed' })).message).toMatch(/unknown field name/);
  });
});

describe('components on a change request', () => {
  const base = {
    priority: 'low',
    assignee: 'dev@example.com',
    customerImpact: 'low',
    deploymentImpact: 'small',
  };

  it('defaults to none, and stores distinct names sorted', () => {
    expect(validateChangeCreate(base).fields.components).toEqual([]);
    expect(validateChangeCreate({ ...base, components: ['web', 'api', 'web'] }).fields.components).toEqual([
      'api',
      'web',
    ]);
    expect(componentNames('components', ['team/api@2', 'a.b_c-d'])).toEqual(['a.b_c-d', 'team/api@2']);
  });

  it('refuses names an inventory entry could not have', () => {
    expect(errorOf(() => validateChangeCreate({ ...base, components: ['ok', '-bad'] })).details.field).toBe(
      'components[1]',
    );
    expect(errorOf(() => validateChangeCreate({ ...base, components: 'api' })).message).toBe(
      'components: must be a list',
    );
  });

  it('clears to an empty list on update, and treats the same names as no change', () => {
    const current = validateChangeCreate({ ...base, components: ['api'] }).fields;
    expect(validateChangeUpdate({ components: null }, current)).toEqual({ components: [] });
    expect(validateChangeUpdate({ components: ['api'] }, current)).toEqual({ components: ['api'] });
  });

  it('accepts any names while nothing is registered, and afterwards only registered ones', () => {
    expect(() => checkComponentNames(['anything'], [])).not.toThrow();
    expect(() => checkComponentNames(['api'], ['api', 'web'])).not.toThrow();
    const e = errorOf(() => checkComponentNames(['api', 'ghost', 'spook'], ['api', 'web']));
    expect(e.message).toBe(
      "components: 'ghost', 'spook' are not registered; use one of: api, web, or register it with changegate component create",
    );
    expect(e.details).toMatchObject({ field: 'components', unknown: ['ghost', 'spook'] });
    const many = Array.from({ length: 25 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    expect(errorOf(() => checkComponentNames(['ghost'], many)).message).toMatch(
      /svc-19 \(and 5 more: changegate component list\)/,
    );
  });
});
