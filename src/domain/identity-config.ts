import { type Role, roles } from './access.js';
import { absent, mapping, onlyKeys, sequence } from './config-shape.js';
import { AppError, invalidField } from './errors.js';
import { oneOf, text } from './validate.js';

/**
 * OIDC sign-in for a tenant (changegate.yaml `identity.oidc`): which issuer's tokens it accepts, for
 * which audience, and how the IdP's groups (Okta, Azure AD, Keycloak) map to changegate roles.
 */
export interface RoleMapping {
  group: string;
  role: Role;
}

export interface OidcConfig {
  issuer: string;
  audience: string;
  /** Where the signing keys are; default: the issuer's discovery document. */
  jwksUri: string | null;
  /** Accepted signature algorithms; default: what the issuer publishes. Never `none`, never HMAC. */
  algorithms: string[] | null;
  /** The claim that names the person (e.g. `email`, `preferred_username`, `upn`). */
  usernameClaim: string;
  /** Where the groups or roles are; a dotted path reaches nested claims (Keycloak `realm_access.roles`). */
  groupsClaim: string;
  /** In order: the first mapping whose group the token carries gives the role. */
  roles: RoleMapping[];
  /** The role of a signed-in person none of whose groups is mapped; null refuses them. */
  defaultRole: Role | null;
}

export interface IdentityConfig {
  oidc: OidcConfig | null;
}

const identityKeys = ['oidc'] as const;
const oidcKeys = [
  'issuer',
  'audience',
  'jwksUri',
  'algorithms',
  'usernameClaim',
  'groupsClaim',
  'roles',
  'defaultRole',
] as const;

/** Only asymmetric signatures: a shared secret cannot come from an IdP's published keys. */
export const asymmetricAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** An issuer or key URL: HTTPS, or plain HTTP on a loopback address (a local IdP, tests). */
export function trustedUrl(path: string, value: unknown): string {
  const url = text(path, value, { min: 1, max: 2_000 });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidField(path, `'${url}' is not a URL such as https://login.example.com/realms/acme`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback))
    throw invalidField(path, `'${url}' must use https (plain http only on localhost)`);
  return url;
}

export function parseIdentityConfig(value: unknown): IdentityConfig | null {
  if (absent(value)) return null;
  const identity = mapping('identity', value);
  onlyKeys('identity', identity, identityKeys);
  return { oidc: absent(identity.oidc) ? null : parseOidc('identity.oidc', identity.oidc) };
}

function parseOidc(path: string, value: unknown): OidcConfig {
  const oidc = mapping(path, value);
  onlyKeys(path, oidc, oidcKeys);
  for (const required of ['issuer', 'audience'] as const) {
    if (absent(oidc[required])) throw invalidField(`${path}.${required}`, 'is required');
  }
  const algorithms = absent(oidc.algorithms)
    ? null
    : sequence(`${path}.algorithms`, oidc.algorithms, `a list such as [RS256]`).map((a, i) =>
        oneOf(`${path}.algorithms[${i}]`, a, asymmetricAlgorithms),
      );
  if (algorithms?.length === 0) throw invalidField(`${path}.algorithms`, 'must name at least one algorithm');
  const mappings = absent(oidc.roles)
    ? []
    : sequence(`${path}.roles`, oidc.roles, 'a list of {group, role}').map((m, i) => {
        const at = `${path}.roles[${i}]`;
        const entry = mapping(at, m);
        onlyKeys(at, entry, ['group', 'role']);
        if (absent(entry.group))
          throw invalidField(`${at}.group`, 'is required (the IdP group or role name)');
        if (absent(entry.role)) {
          throw new AppError('invalid_input', `${at}.role: is required; use one of: ${roles.join(', ')}`, {
            field: `${at}.role`,
            validValues: roles,
          });
        }
        return {
          group: text(`${at}.group`, entry.group, { min: 1, max: 500 }),
          role: oneOf(`${at}.role`, entry.role, roles),
        };
      });
  const defaultRole = absent(oidc.defaultRole) ? null : oneOf(`${path}.defaultRole`, oidc.defaultRole, roles);
  if (mappings.length === 0 && defaultRole === null) {
    throw invalidField(
      `${path}.roles`,
      'map at least one group to a role (or set defaultRole), or nobody could sign in',
    );
  }
  if (defaultRole === 'admin') {
    throw invalidField(`${path}.defaultRole`, "must not be admin: grant admin to a named group in 'roles'");
  }
  return {
    issuer: trustedUrl(`${path}.issuer`, oidc.issuer).replace(/\/+$/, ''),
    audience: text(`${path}.audience`, oidc.audience, { min: 1, max: 500 }),
    jwksUri: absent(oidc.jwksUri) ? null : trustedUrl(`${path}.jwksUri`, oidc.jwksUri),
    algorithms,
    usernameClaim: absent(oidc.usernameClaim)
      ? 'sub'
      : text(`${path}.usernameClaim`, oidc.usernameClaim, { min: 1, max: 100 }),
    groupsClaim: absent(oidc.groupsClaim)
      ? 'groups'
      : text(`${path}.groupsClaim`, oidc.groupsClaim, { min: 1, max: 100 }),
    roles: mappings,
    defaultRole,
  };
}

/** The role a token's claims give under a mapping, or null (nobody mapped, no default). */
export function roleFromClaims(config: OidcConfig, claims: Record<string, unknown>): Role | null {
  const groups = new Set(claimValues(claims, config.groupsClaim));
  return config.roles.find((m) => groups.has(m.group))?.role ?? config.defaultRole;
}

/** A claim's values as strings: a string, a list of strings, or (Azure AD overage) nothing. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
