import { decodeJwt } from 'jose';
import { AppError } from '../../domain/errors.js';
import { claimValues, type OidcConfig, roleFromClaims } from '../../domain/identity-config.js';
import type { Tenant } from '../../domain/tenant.js';
import { parseTenantConfig } from '../../domain/tenant-config.js';
import { latestTenantConfigs } from '../../store/tenant-configs.js';
import type { Actor, ServiceDeps } from '../context.js';

/** The port to whatever checks a JWT's signature and claims against an issuer (jose, in integrations/oidc). */
export interface JwtVerifier {
  verify(token: string, config: OidcConfig): Promise<Record<string, unknown>>;
}

/** How long the tenants' sign-in settings are reused before they are read again. */
const directoryTtlMs = 5_000;

/**
 * Signs in a bearer JWT: the tenant whose `identity.oidc` names the token's issuer and audience,
 * the verified claims, and the role its groups map to. Nothing is stored: the token is the credential.
 */
export class OidcAuthenticator {
  private directory: { at: number; entries: { tenant: Tenant; oidc: OidcConfig }[] } | null = null;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly verifier: JwtVerifier,
  ) {}

  async authenticate(token: string): Promise<Actor> {
    let unverified: Record<string, unknown>;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new AppError(
        'unauthenticated',
        'the bearer token is neither a changegate API token (cgt_…) nor a JWT from an identity provider',
      );
    }
    const iss = typeof unverified.iss === 'string' ? unverified.iss.replace(/\/+$/, '') : '';
    const aud = claimValues(unverified, 'aud');
    const matches = (await this.entries()).filter(
      (e) => e.oidc.issuer === iss && aud.includes(e.oidc.audience),
    );
    if (matches.length === 0) {
      throw new AppError(
        'unauthenticated',
        `no tenant accepts tokens from issuer '${iss}' for audience ${aud.map((a) => `'${a}'`).join(', ') || '(none)'}`,
      );
    }
    if (matches.length > 1) {
      throw new AppError(
        'unauthenticated',
        `tenants ${matches.map((m) => m.tenant.slug).join(', ')} all accept this issuer and audience; give each tenant its own audience`,
      );
    }
    const { tenant, oidc } = matches[0] as { tenant: Tenant; oidc: OidcConfig };
    const claims = await this.verifier.verify(token, oidc);
    const [name] = claimValues(claims, oidc.usernameClaim);
    if (!name)
      throw new AppError('unauthenticated', `the token has no '${oidc.usernameClaim}' claim to name you by`);
    const role = roleFromClaims(oidc, claims);
    if (!role) {
      throw new AppError(
        'forbidden',
        `${name}: none of your groups (claim '${oidc.groupsClaim}') is mapped to a changegate role in tenant '${tenant.slug}'`,
      );
    }
    return {
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      name,
      role,
      idpGroups: claimValues(claims, oidc.groupsClaim),
      credentialId: `oidc:${iss}#${typeof claims.sub === 'string' ? claims.sub : name}`,
    };
  }

  private async entries() {
    const now = Date.now();
    if (this.directory && now - this.directory.at < directoryTtlMs) return this.directory.entries;
    const entries: { tenant: Tenant; oidc: OidcConfig }[] = [];
    for (const { tenant, document } of await latestTenantConfigs(this.deps.db)) {
      try {
        const oidc = parseTenantConfig(document).identity?.oidc;
        if (oidc) entries.push({ tenant, oidc });
      } catch (error) {
        this.deps.logger.warn({ tenant: tenant.slug, err: error }, 'stored configuration no longer parses');
      }
    }
    this.directory = { at: now, entries };
    return entries;
  }
}
