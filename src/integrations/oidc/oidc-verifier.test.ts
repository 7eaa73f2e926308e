import { createHmac } from 'node:crypto';
import { exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.js';
import { b64json, startFakeIdp } from '../../../test/support/fake-idp.js';
import { parseIdentityConfig } from '../../domain/identity-config.js';
import { OidcVerifier } from './oidc-verifier.js';

let idp: Awaited<ReturnType<typeof startFakeIdp>>;
beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());

const config = () =>
  parseIdentityConfig({
    oidc: { issuer: idp.issuer, audience: 'changegate', roles: [{ group: 'sre', role: 'approver' }] },
  })?.oidc as NonNullable<ReturnType<typeof parseIdentityConfig>>['oidc'] & object;

describe('OidcVerifier against a JWKS endpoint on loopback', () => {
  it('accepts a token signed by a published key, for the right issuer and audience', async () => {
    const verifier = new OidcVerifier();
    const claims = await verifier.verify(await idp.sign({ sub: 'u1', email: 'ann@example.com' }), config());
    expect(claims).toMatchObject({ sub: 'u1', email: 'ann@example.com', aud: 'changegate' });
  });

  it('picks up a rotated key: an unknown key id makes it fetch the keys again', async () => {
    const verifier = new OidcVerifier({ cooldownMs: 0 });
    await verifier.verify(await idp.sign({ sub: 'u1' }), config());
    await idp.rotate('key-2');
    const claims = await verifier.verify(await idp.sign({ sub: 'u2' }, { kid: 'key-2' }), config());
    expect(claims.sub).toBe('u2');
  });

  it('caches the keys: many verifications, few requests to the provider', async () => {
    const verifier = new OidcVerifier();
    const token = await idp.sign({ sub: 'u1' });
    await verifier.verify(token, config());
    const before = idp.requests();
    for (let i = 0; i < 20; i++) await verifier.verify(token, config());
    expect(idp.requests()).toBe(before);
  });

  it('refuses an expired token, a wrong audience and a wrong issuer, saying which check failed', async () => {
    const verifier = new OidcVerifier();
    const expired = await failure(
      verifier.verify(
        await idp.sign({ sub: 'u' }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
        config(),
      ),
    );
    expect(expired).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/expired/) });
    const audience = await failure(
      verifier.verify(await idp.sign({ sub: 'u' }, { audience: 'someone-else' }), config()),
    );
    expect(audience.message).toMatch(/aud/);
    const issuer = await failure(
      verifier.verify(await idp.sign({ sub: 'u' }, { issuer: 'https://evil.example.com' }), config()),
    );
    expect(issuer.message).toMatch(/iss/);
  });

  it('refuses a tampered token', async () => {
    const verifier = new OidcVerifier();
    const [header, , signature] = (await idp.sign({ sub: 'u', groups: ['viewer'] })).split('.');
    const forged = `${header}.${b64json({ sub: 'u', groups: ['cab'], iss: idp.issuer, aud: 'changegate', exp: Math.floor(Date.now() / 1000) + 300 })}.${signature}`;
    expect((await failure(verifier.verify(forged, config()))).message).toMatch(/signature/);
  });

  it("refuses alg 'none' and HMAC signed with the issuer's public key", async () => {
    const verifier = new OidcVerifier();
    const payload = b64json({
      sub: 'u',
      iss: idp.issuer,
      aud: 'changegate',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    const none = `${b64json({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expect((await failure(verifier.verify(none, config()))).code).toBe('unauthenticated');
    // The classic confusion attack: HS256 keyed with the RSA public key the issuer publishes.
    const publicKey = idp.publicKey();
    if (!publicKey) throw new Error('no key');
    const pem = await exportSPKI(publicKey);
    const head = b64json({ alg: 'HS256', typ: 'JWT', kid: 'key-1' });
    const mac = createHmac('sha256', pem).update(`${head}.${payload}`).digest('base64url');
    const confused = await failure(verifier.verify(`${head}.${payload}.${mac}`, config()));
    expect(confused).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/algorithm/) });
  });

  it('refuses a key the issuer no longer publishes', async () => {
    const verifier = new OidcVerifier({ cooldownMs: 0, cacheMaxAgeMs: 0 });
    await idp.rotate('key-3');
    const token = await idp.sign({ sub: 'u' }, { kid: 'key-3' });
    await verifier.verify(token, config());
    idp.retire('key-3');
    expect((await failure(verifier.verify(token, config()))).code).toBe('unauthenticated');
  });

  it('says the provider is unavailable (not that the token is bad) when it cannot be reached', async () => {
    const verifier = new OidcVerifier({ timeoutMs: 500 });
    const gone = { ...config(), issuer: 'http://127.0.0.1:9', jwksUri: null, algorithms: null };
    expect((await failure(verifier.verify(await idp.sign({ sub: 'u' }), gone))).code).toBe('unavailable');
  });
});
