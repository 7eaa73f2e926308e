import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { AppError } from '../../domain/errors.js';
import { asymmetricAlgorithms, type OidcConfig } from '../../domain/identity-config.js';

export interface OidcVerifierOptions {
  /** How soon an unknown key id may trigger another JWKS fetch (key rotation). Default 30 s. */
  cooldownMs?: number;
  /** How long fetched keys and discovery documents are trusted without refetching. Default 10 min. */
  cacheMaxAgeMs?: number;
  /** Timeout of each request to the IdP. Default 5 s. */
  timeoutMs?: number;
  /** Clock skew accepted on exp/nbf/iat. Default 30 s. */
  clockToleranceSec?: number;
}

interface Discovered {
  jwksUri: string;
  algorithms: string[];
  fetchedAt: number;
}

/**
 * Verifies IdP-issued JWTs with `jose`: signature against the issuer's published keys (fetched,
 * cached, refetched when an unknown key id shows up, so rotation is picked up), algorithm pinned to
 * what the issuer publishes (never `none`, never HMAC, so a public key cannot be used as a secret),
 * issuer, audience and expiry. One instance per process holds the caches.
 */
export class OidcVerifier {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  private readonly discovered = new Map<string, Discovered>();
  private readonly options: Required<OidcVerifierOptions>;

  constructor(options: OidcVerifierOptions = {}) {
    this.options = {
      cooldownMs: options.cooldownMs ?? 30_000,
      cacheMaxAgeMs: options.cacheMaxAgeMs ?? 600_000,
      timeoutMs: options.timeoutMs ?? 5_000,
      clockToleranceSec: options.clockToleranceSec ?? 30,
    };
  }

  async verify(token: string, config: OidcConfig): Promise<JWTPayload> {
    const { jwksUri, algorithms } = await this.keysOf(config);
    try {
      const { payload } = await jwtVerify(token, this.keySet(jwksUri), {
        // Issuers differ on a trailing slash (Auth0 has one); both spellings name the same issuer.
        issuer: [config.issuer, `${config.issuer}/`],
        audience: config.audience,
        algorithms,
        clockTolerance: this.options.clockToleranceSec,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (error) {
      throw refusal(error);
    }
  }

  private keySet(uri: string) {
    let set = this.keySets.get(uri);
    if (!set) {
      set = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: this.options.cooldownMs,
        cacheMaxAge: this.options.cacheMaxAgeMs,
        timeoutDuration: this.options.timeoutMs,
      });
      this.keySets.set(uri, set);
    }
    return set;
  }

  /** Where the keys are and which algorithms count: from the config, else from the issuer's discovery document. */
  private async keysOf(config: OidcConfig): Promise<{ jwksUri: string; algorithms: string[] }> {
    if (config.jwksUri && config.algorithms)
      return { jwksUri: config.jwksUri, algorithms: config.algorithms };
    const found = await this.discover(config.issuer);
    return {
      jwksUri: config.jwksUri ?? found.jwksUri,
      algorithms: config.algorithms ?? found.algorithms,
    };
  }

  private async discover(issuer: string): Promise<Discovered> {
    const cached = this.discovered.get(issuer);
    if (cached && Date.now() - cached.fetchedAt < this.options.cacheMaxAgeMs) return cached;
    const url = `${issuer}/.well-known/openid-configuration`;
    let doc: Record<string, unknown>;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      doc = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new AppError(
        'unavailable',
        `the identity provider's discovery document ${url} could not be read: ${(error as Error).message}`,
        {
          issuer,
        },
      );
    }
    if (typeof doc.jwks_uri !== 'string') {
      throw new AppError('unavailable', `the discovery document ${url} names no jwks_uri`, { issuer });
    }
    // Pinned to what the issuer publishes, minus anything symmetric or unsigned; RS256 is the OIDC default.
    const published = Array.isArray(doc.id_token_signing_alg_values_supported)
      ? doc.id_token_signing_alg_values_supported.filter((a): a is string => typeof a === 'string')
      : ['RS256'];
    const algorithms = published.filter((a) => (asymmetricAlgorithms as readonly string[]).includes(a));
    if (algorithms.length === 0) {
      throw new AppError(
        'unavailable',
        `the issuer ${issuer} publishes no asymmetric signing algorithm (${published.join(', ') || 'none'})`,
        {
          issuer,
        },
      );
    }
    const found = { jwksUri: doc.jwks_uri, algorithms, fetchedAt: Date.now() };
    this.discovered.set(issuer, found);
    return found;
  }
}

/** A verification failure as an `unauthenticated` error that says which check failed (never the token). */
function refusal(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    // The IdP could not be asked: that is an outage, not a bad token.
    return new AppError(
      'unavailable',
      `the identity provider's keys could not be fetched: ${(error as Error)?.message ?? String(error)}`,
    );
  }
  const why =
    error instanceof errors.JWTExpired
      ? 'the token has expired'
      : error instanceof errors.JWTClaimValidationFailed
        ? `its ${error.claim} claim is not accepted (${error.reason === 'check_failed' ? 'wrong value' : error.reason})`
        : error instanceof errors.JOSEAlgNotAllowed
          ? 'its signing algorithm is not one the issuer publishes'
          : error instanceof errors.JWSSignatureVerificationFailed
            ? 'its signature does not verify'
            : error instanceof errors.JWKSNoMatchingKey
              ? 'no published key of the issuer matches its key id'
              : `it is not valid (${error.message})`;
  return new AppError('unauthenticated', `OIDC sign-in refused: ${why}`);
}
