import { describe, expect, it } from 'vitest';
import type { AppError } from './errors.js';
import { claimValues, parseIdentityConfig, roleFromClaims } from './identity-config.js';

const oidc = (over: Record<string, unknown> = {}) => ({
  oidc: {
    issuer: 'https://login.example.com/realms/acme/',
    audience: 'changegate',
    roles: [{ group: 'cab', role: 'change_manager' }],
    ...over,
  },
});

function refused(document: unknown): AppError {
  try {
    parseIdentityConfig(document);
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('parseIdentityConfig', () => {
  it('fills the defaults and drops a trailing slash from the issuer', () => {
    expect(parseIdentityConfig(oidc())?.oidc).toEqual({
      issuer: 'https://login.example.com/realms/acme',
      audience: 'changegate',
      jwksUri: null,
      algorithms: null,
      usernameClaim: 'sub',
      groupsClaim: 'groups',
      roles: [{ group: 'cab', role: 'change_manager' }],
      defaultRole: null,
    });
    expect(parseIdentityConfig(null)).toBeNull();
  });

  it('refuses plain http except on localhost, and names the field', () => {
    expect(refused(oidc({ issuer: 'http://login.example.com' })).details.field).toBe('identity.oidc.issuer');
    expect(parseIdentityConfig(oidc({ issuer: 'http://127.0.0.1:8443' }))?.oidc?.issuer).toBe(
      'http://127.0.0.1:8443',
    );
  });

  it('refuses symmetric and unsigned algorithms, an admin default, unknown roles and keys', () => {
    expect(refused(oidc({ algorithms: ['HS256'] })).details).toMatchObject({
      field: 'identity.oidc.algorithms[0]',
    });
    expect(refused(oidc({ algorithms: ['none'] })).details.field).toBe('identity.oidc.algorithms[0]');
    expect(refused(oidc({ defaultRole: 'admin' })).details.field).toBe('identity.oidc.defaultRole');
    expect(refused(oidc({ roles: [{ group: 'x', role: 'root' }] })).details).toMatchObject({
      field: 'identity.oidc.roles[0].role',
      validValues: expect.arrayContaining(['viewer', 'admin']),
    });
    expect(refused(oidc({ groupClaim: 'groups' })).message).toMatch(/did you mean 'groupsClaim'/);
    expect(refused(oidc({ roles: [] })).details.field).toBe('identity.oidc.roles');
  });
});

describe('roleFromClaims', () => {
  const config = parseIdentityConfig(
    oidc({
      groupsClaim: 'realm_access.roles',
      roles: [
        { group: 'cab', role: 'change_manager' },
        { group: 'sre', role: 'approver' },
      ],
      defaultRole: 'viewer',
    }),
  )?.oidc;
  if (!config) throw new Error('no config');

  it('gives the first mapped role the token carries, reading nested claims', () => {
    expect(roleFromClaims(config, { realm_access: { roles: ['sre', 'cab'] } })).toBe('change_manager');
    expect(roleFromClaims(config, { realm_access: { roles: ['sre'] } })).toBe('approver');
  });

  it('falls back to the default role, or nobody', () => {
    expect(roleFromClaims(config, { realm_access: { roles: ['marketing'] } })).toBe('viewer');
    expect(roleFromClaims({ ...config, defaultRole: null }, {})).toBeNull();
  });

  it('reads a claim that is a string, a list, or absent', () => {
    expect(claimValues({ groups: 'a' }, 'groups')).toEqual(['a']);
    expect(claimValues({ groups: ['a', 1, 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(claimValues({}, 'a.b.c')).toEqual([]);
  });
});
