import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * An OpenID provider on a loopback port, as a test oracle: a discovery document and a JWKS endpoint
 * serving real RS256 keys, which a test can rotate; tokens are signed with jose like an IdP would.
 */
export async function startFakeIdp() {
  const keys: { kid: string; pair: KeyPair; jwk: JWK }[] = [];
  let requests = 0;
  const addKey = async (kid: string) => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    keys.push({ kid, pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } });
  };
  await addKey('key-1');
  const server: Server = createServer((req, res) => {
    requests++;
    const send = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      send({
        issuer,
        jwks_uri: `${issuer}/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (req.url === '/keys') {
      send({ keys: keys.map((k) => k.jwk) });
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    /** How many requests the provider answered (to see caching at work). */
    requests: () => requests,
    /** Publishes a new key (the old one stays published, as IdPs do during a rotation). */
    rotate: async (kid: string) => addKey(kid),
    /** Stops publishing a key. */
    retire: (kid: string) => {
      const i = keys.findIndex((k) => k.kid === kid);
      if (i >= 0) keys.splice(i, 1);
    },
    publicKey: (kid = 'key-1') => keys.find((k) => k.kid === kid)?.pair.publicKey,
    async sign(
      claims: Record<string, unknown>,
      options: { kid?: string; issuer?: string; audience?: string; expiresIn?: string | number } = {},
    ): Promise<string> {
      const kid = options.kid ?? keys.at(-1)?.kid ?? 'key-1';
      const key = keys.find((k) => k.kid === kid);
      if (!key) throw new Error(`no key ${kid}`);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? 'changegate')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(key.pair.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Base64url of JSON, for hand-made (forged) tokens. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
