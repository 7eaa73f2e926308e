import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../test/support/actors.js';
import { dialects, testApp } from '../../test/support/dialects.js';
import { startFakeIdp } from '../../test/support/fake-idp.js';
import { applyTenantConfig } from '../services/config/config-service.js';
import { buildServer } from './build-server.js';

describe.each(dialects)('OIDC sign-in over HTTP on %s', (dialect) => {
  let idp: Awaited<ReturnType<typeof startFakeIdp>>;
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: Awaited<ReturnType<typeof buildServer>>;
  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    server.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });

  beforeAll(async () => {
    idp = await startFakeIdp();
    t = await testApp(dialect, 'oidc', {}, { oidc: { cooldownMs: 0 } });
    const identity = (audience: string) => ({
      oidc: {
        issuer: idp.issuer,
        audience,
        usernameClaim: 'email',
        groupsClaim: 'realm_access.roles',
        roles: [
          { group: 'cab', role: 'change_manager' },
          { group: 'sre', role: 'approver' },
          { group: 'devs', role: 'requester' },
        ],
        defaultRole: 'viewer',
      },
    });
    await applyTenantConfig(t.app.deps, await actorIn(t.app, 'default', 'admin'), {
      document: { identity: identity('changegate') },
    });
    await applyTenantConfig(t.app.deps, await actorIn(t.app, 'acme', 'admin'), {
      document: { identity: { oidc: { ...identity('changegate-acme').oidc, defaultRole: null } } },
    });
    server = await buildServer(t.app);
  });
  afterAll(async () => {
    await server.close();
    await t.close();
    await idp.close();
  });

  const person = (email: string, roles: string[], audience = 'changegate') =>
    idp.sign({ sub: email, email, realm_access: { roles } }, { audience });

  it('signs a person in with the role their IdP group maps to, and names them in the record', async () => {
    const dev = await person('dev@example.com', ['devs']);
    const created = await call(dev, 'POST', '/api/v1/change-requests', validChange);
    expect(created.statusCode).toBe(201);
    expect(created.json().requestedBy).toBe('dev@example.com');
    const cab = await person('carol@example.com', ['cab', 'sre']);
    const number = created.json().number as string;
    await call(dev, 'POST', `/api/v1/change-requests/${number}/request-approval`);
    const approved = await call(cab, 'POST', `/api/v1/change-requests/${number}/approve`, { comment: 'ok' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().approval).toBe('approved');
  });

  it('gives the default role to an unmapped person, and refuses what that role may not do', async () => {
    const guest = await person('guest@example.com', ['marketing']);
    expect((await call(guest, 'GET', '/api/v1/change-requests')).statusCode).toBe(200);
    const refused = await call(guest, 'POST', '/api/v1/change-requests', validChange);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/role 'viewer' lacks the permission 'change:create'/);
  });

  it('routes a token to the tenant of its audience, and refuses an unmapped person where there is no default role', async () => {
    const acmeDev = await person('dev@acme.example', ['devs'], 'changegate-acme');
    const created = await call(acmeDev, 'POST', '/api/v1/change-requests', validChange);
    expect(created.statusCode).toBe(201);
    // The default tenant's CRs are not acme's: its list holds only its own.
    const acmeList = (await call(acmeDev, 'GET', '/api/v1/change-requests')).json().items as {
      requestedBy: string;
    }[];
    expect(acmeList.map((c) => c.requestedBy)).toEqual(['dev@acme.example']);
    const nobody = await call(
      await person('x@acme.example', ['marketing'], 'changegate-acme'),
      'GET',
      '/api/v1/change-requests',
    );
    expect(nobody.statusCode).toBe(403);
    expect(nobody.json().error.message).toMatch(/none of your groups/);
  });

  it('refuses an expired token, a foreign audience and garbage with 401', async () => {
    const expired = await idp.sign(
      { sub: 'a', email: 'a@example.com', realm_access: { roles: ['cab'] } },
      { expiresIn: Math.floor(Date.now() / 1000) - 300 },
    );
    expect((await call(expired, 'GET', '/api/v1/change-requests')).statusCode).toBe(401);
    const foreign = await person('a@example.com', ['cab'], 'another-app');
    const answer = await call(foreign, 'GET', '/api/v1/change-requests');
    expect(answer.statusCode).toBe(401);
    expect(answer.json().error.message).toMatch(/no tenant accepts tokens/);
    expect((await call('not-a-token', 'GET', '/api/v1/change-requests')).statusCode).toBe(401);
  });

  it('accepts tokens signed with a rotated key', async () => {
    await idp.rotate(`key-${dialect}`);
    const rotated = await idp.sign(
      { sub: 'r', email: 'r@example.com', realm_access: { roles: ['sre'] } },
      { kid: `key-${dialect}` },
    );
    expect((await call(rotated, 'GET', '/api/v1/change-requests')).statusCode).toBe(200);
  });
});
