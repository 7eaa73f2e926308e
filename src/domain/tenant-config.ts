import { type ApprovalPolicy, parseApprovalPolicy } from './approval-policy.js';
import {
  type AttributionConfig,
  defaultAttributionConfig,
  describeAttributionConfig,
  parseAttributionConfig,
} from './attribution-config.js';
import {
  type CatalogConfig,
  catalogConfigKeys,
  describeCatalogConfig,
  emptyCatalogConfig,
  parseCatalogConfig,
} from './catalog-config.js';
import {
  type EnvironmentPurpose,
  environmentPurposes,
  type RiskLevel,
  riskLevels,
} from './change-request.js';
import {
  absent,
  boolean,
  childPath,
  describe,
  isPlainObject,
  mapping,
  onlyKeys,
  sequence,
  show,
} from './config-shape.js';
import {
  type CustomFieldsConfig,
  describeCustomFields,
  parseCustomFieldsConfig,
} from './custom-fields-config.js';
import { AppError, invalidField } from './errors.js';
import { type EvidenceChecksConfig, parseEvidenceChecks } from './evidence-checks.js';
import { type IdentityConfig, parseIdentityConfig } from './identity-config.js';
import {
  describeIncidentWebhookConfig,
  type IncidentWebhookConfig,
  parseIncidentWebhookConfig,
} from './incident-webhook.js';
import { type MaturityConfig, parseMaturityConfig } from './maturity-config.js';
import { defaultMetricsConfig, type MetricsConfig, parseMetricsConfig } from './metrics/metrics-config.js';
import { parseRetentionConfig, type RetentionConfig } from './retention-config.js';
import { describeRiskModel, parseRiskModel, type RiskModel } from './risk-model.js';
import { oneOf, slug, text } from './validate.js';

/**
 * The tenant's pipeline policy: the parsed form of `changegate.yaml` (docs/configuration-file.md).
 * Policy lives with the system of record (DESIGN.md §1), so parsing is strict: an unknown key is
 * refused rather than ignored, because a misspelt key would silently fall back to a weaker default.
 */

export interface EnvironmentConfig {
  name: string;
  purpose: EnvironmentPurpose;
  detail: string | null;
  /** Empty: the environment is not split into regions and its deployments use `defaultRegion`. */
  regions: string[];
  rollbackEnabled: boolean;
}

export interface TenantConfig {
  environments: EnvironmentConfig[];
  /** Risk above `maxRisk` is never auto-approved. */
  autoApproval: { maxRisk: RiskLevel };
  evidenceChecks: EvidenceChecksConfig | null;
  /** A JSON document (e.g. a Security and Compliance profile) attached to every pipeline CR. */
  complianceProfile: { name: string; document: unknown } | null;
  /** Who may sign in with an IdP's tokens, and with which role. */
  identity: IdentityConfig | null;
  /** Rules that build a CR's approval chain (docs/approval-policy.md); null: one approval by anyone who may approve. */
  approvalPolicy: ApprovalPolicy | null;
  /** Groups, components, templates, checklists and windows the file declares (catalog-config.ts). */
  catalog: CatalogConfig;
  /** The JSON Schema of the CRs' custom fields (docs/custom-fields.md); null: any values. */
  customFields: CustomFieldsConfig | null;
  /** The risk model (docs/risk.md); null: CRs are not assessed. */
  risk: RiskModel | null;
  /** Change attribution and post-incident reviews (docs/attribution.md). */
  attribution: AttributionConfig;
  /** How the inbound incident webhook maps a payload (docs/incidents.md); null: the changegate schema. */
  incidentWebhook: IncidentWebhookConfig | null;
  /** Metrics settings: the success score's weights (docs/metrics.md). */
  metrics: MetricsConfig;
  /** The maturity questionnaire's answers (docs/maturity.md); null: none given. */
  maturity: MaturityConfig | null;
  /** Archive-then-purge of old records (docs/audit-trail.md#retention); null: nothing is purged. */
  retention: RetentionConfig | null;
}

/** The only format version; `version` may be omitted. */
export const tenantConfigVersion = 1;

/** The region of every deployment to an environment that lists no regions. */
export const defaultRegion = 'default';

export const tenantConfigKeys = [
  'version',
  'environments',
  'autoApproval',
  'evidenceChecks',
  'complianceProfile',
  'identity',
  'approvalPolicy',
  ...catalogConfigKeys,
  'customFields',
  'risk',
  'attribution',
  'incidentWebhook',
  'metrics',
  'maturity',
  'retention',
] as const;
export const environmentConfigKeys = ['name', 'purpose', 'detail', 'regions', 'rollbackEnabled'] as const;
const autoApprovalKeys = ['maxRisk'] as const;
const complianceProfileKeys = ['name', 'document'] as const;

/** What a tenant that never applied a configuration gets. Frozen: copy before changing. */
export const defaultTenantConfig: TenantConfig = Object.freeze({
  environments: Object.freeze([]) as unknown as EnvironmentConfig[],
  autoApproval: Object.freeze({ maxRisk: 'moderate' as const }),
  evidenceChecks: null,
  complianceProfile: null,
  identity: null,
  approvalPolicy: null,
  catalog: emptyCatalogConfig,
  customFields: null,
  risk: null,
  attribution: defaultAttributionConfig,
  incidentWebhook: null,
  metrics: defaultMetricsConfig,
  maturity: null,
  retention: null,
});

/** Parses and validates a `changegate.yaml` document; errors name the path of the bad field. */
export function parseTenantConfig(document: unknown): TenantConfig {
  if (document === undefined || document === null) {
    throw new AppError(
      'invalid_input',
      `the configuration is empty; give a mapping with some of the keys: ${tenantConfigKeys.join(', ')}`,
      { field: '$', validValues: tenantConfigKeys },
    );
  }
  const root = mapping('$', document);
  onlyKeys('', root, tenantConfigKeys);
  if (!absent(root.version) && root.version !== tenantConfigVersion) {
    throw invalidField(
      'version',
      `must be ${tenantConfigVersion} (the only format version), not ${describe(root.version)}`,
    );
  }
  return {
    environments: parseEnvironments(root.environments),
    autoApproval: parseAutoApproval(root.autoApproval),
    evidenceChecks: parseEvidence(root.evidenceChecks),
    complianceProfile: parseComplianceProfile(root.complianceProfile),
    identity: parseIdentityConfig(root.identity),
    approvalPolicy: parseApprovalPolicy(root.approvalPolicy),
    catalog: parseCatalogConfig(root),
    customFields: parseCustomFields(root.customFields),
    risk: absent(root.risk) ? null : parseRiskModel(root.risk),
    attribution: parseAttributionConfig(root.attribution),
    incidentWebhook: parseIncidentWebhookConfig(root.incidentWebhook),
    metrics: parseMetricsConfig(root.metrics),
    maturity: parseMaturityConfig(root.maturity),
    retention: parseRetentionConfig(root.retention),
  };
}

function parseCustomFields(value: unknown): CustomFieldsConfig | null {
  if (absent(value)) return null;
  assertJsonValue('customFields', value);
  return parseCustomFieldsConfig(value);
}

function parseEnvironments(value: unknown): EnvironmentConfig[] {
  if (absent(value)) return [];
  const list = sequence('environments', value, 'a list of environments (- name: prod …)');
  const firstUse = new Map<string, number>();
  return list.map((item, i) => {
    const path = `environments[${i}]`;
    const env = parseEnvironment(path, item);
    const previous = firstUse.get(env.name);
    if (previous !== undefined) {
      throw invalidField(
        `${path}.name`,
        `'${env.name}' is already used by environments[${previous}]; environment names must be unique`,
      );
    }
    firstUse.set(env.name, i);
    return env;
  });
}

function parseEnvironment(path: string, value: unknown): EnvironmentConfig {
  const env = mapping(path, value);
  onlyKeys(path, env, environmentConfigKeys);
  if (absent(env.name)) throw invalidField(`${path}.name`, 'is required (a slug such as prod or eu-staging)');
  const name = slug(`${path}.name`, env.name);
  if (absent(env.purpose)) {
    throw new AppError(
      'invalid_input',
      `${path}.purpose: is required; use one of: ${environmentPurposes.join(', ')}`,
      { field: `${path}.purpose`, validValues: environmentPurposes },
    );
  }
  const detail = absent(env.detail) ? '' : text(`${path}.detail`, env.detail, { max: 500 });
  return {
    name,
    purpose: oneOf(`${path}.purpose`, env.purpose, environmentPurposes),
    detail: detail === '' ? null : detail,
    regions: parseRegions(`${path}.regions`, env.regions),
    rollbackEnabled: absent(env.rollbackEnabled)
      ? false
      : boolean(`${path}.rollbackEnabled`, env.rollbackEnabled),
  };
}

function parseRegions(path: string, value: unknown): string[] {
  if (absent(value)) return [];
  const regions = sequence(path, value, 'a list of region names ([eu-de, us-south])').map((r, i) =>
    slug(`${path}[${i}]`, r),
  );
  regions.forEach((region, i) => {
    if (regions.indexOf(region) !== i) throw invalidField(`${path}[${i}]`, `'${region}' is listed twice`);
  });
  return regions;
}

function parseAutoApproval(value: unknown): TenantConfig['autoApproval'] {
  if (absent(value)) return { maxRisk: defaultTenantConfig.autoApproval.maxRisk };
  const auto = mapping('autoApproval', value);
  onlyKeys('autoApproval', auto, autoApprovalKeys);
  return {
    maxRisk: absent(auto.maxRisk)
      ? defaultTenantConfig.autoApproval.maxRisk
      : oneOf('autoApproval.maxRisk', auto.maxRisk, riskLevels),
  };
}

function parseEvidence(value: unknown): EvidenceChecksConfig | null {
  if (absent(value)) return null;
  refuseFileReference('evidenceChecks', value);
  return parseEvidenceChecks(value, 'evidenceChecks');
}

function parseComplianceProfile(value: unknown): TenantConfig['complianceProfile'] {
  if (absent(value)) return null;
  refuseFileReference('complianceProfile', value);
  const profile = mapping('complianceProfile', value);
  onlyKeys('complianceProfile', profile, complianceProfileKeys);
  if (absent(profile.name)) throw invalidField('complianceProfile.name', 'is required (e.g. scc-default)');
  const name = text('complianceProfile.name', profile.name, { min: 1, max: 200 });
  if (absent(profile.document)) {
    throw invalidField(
      'complianceProfile.document',
      'is required: the profile as a JSON object (or `file:` a JSON file, with `changegate config apply -f`)',
    );
  }
  const document = mapping('complianceProfile.document', profile.document);
  assertJsonValue('complianceProfile.document', document);
  return { name, document };
}

/**
 * `file:` references are resolved by the CLI (src/cli/config-file.ts), which inlines the file, so the
 * system of record only ever stores one self-contained document. Reaching here, the reader was bypassed.
 */
function refuseFileReference(path: string, value: unknown): void {
  if (isPlainObject(value) && 'file' in value) {
    throw invalidField(
      `${path}.file`,
      'file references are resolved by `changegate config apply -f <file>`; send the document inline instead',
    );
  }
}

/**
 * The region a deployment to `env` runs in: `defaultRegion` when the environment lists no regions,
 * otherwise one of its regions (named, or the only one). Anything else is refused: a misspelt region
 * would otherwise get its own deployment lock.
 */
export function deploymentRegion(env: EnvironmentConfig, requested: string | null | undefined): string {
  const region = requested?.trim() || null;
  if (env.regions.length === 0) {
    if (region === null || region === defaultRegion) return defaultRegion;
    throw new AppError(
      'invalid_input',
      `region: environment '${env.name}' has no regions, so '${region}' cannot be used; leave the region out (its deployments use '${defaultRegion}') or add regions to it in changegate.yaml`,
      { field: 'region', validValues: [defaultRegion] },
    );
  }
  if (region === null && env.regions.length === 1) return env.regions[0] as string;
  if (region !== null && env.regions.includes(region)) return region;
  throw new AppError(
    'invalid_input',
    region === null
      ? `region: environment '${env.name}' has several regions; name one of: ${env.regions.join(', ')}`
      : `region: '${region}' is not a region of environment '${env.name}'; use one of: ${env.regions.join(', ')}`,
    { field: 'region', validValues: env.regions },
  );
}

/** A human summary of the policy, for `changegate config show`. */
export function describeTenantConfig(config: TenantConfig): string {
  const lines: string[] = [];
  if (config.environments.length === 0) {
    lines.push('environments: none (add them under `environments:` in changegate.yaml)');
  } else {
    lines.push('environments:');
    const rows = config.environments.map((e) => [
      e.name,
      e.purpose,
      e.regions.length === 0 ? `region ${defaultRegion}` : `regions ${e.regions.join(', ')}`,
      e.rollbackEnabled ? 'rollback on' : 'rollback off',
      e.detail ?? '',
    ]);
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
    for (const row of rows) {
      lines.push(`  ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}`.trimEnd());
    }
  }
  const max = config.autoApproval.maxRisk;
  lines.push(
    `auto-approval: ready, no outage and risk up to ${max}${
      max === riskLevels.at(-1) ? ' (any risk)' : ` (risk above ${max} always needs an approver)`
    }`,
  );
  lines.push(
    config.evidenceChecks
      ? `evidence checks: version ${config.evidenceChecks.version}, ${describeRules(config.evidenceChecks)} (attached to every pipeline change request)`
      : 'evidence checks: none (every delta entry needs CI evidence, and none may be failing or pending)',
  );
  lines.push(
    config.complianceProfile
      ? `compliance profile: ${config.complianceProfile.name} (attached to every pipeline change request)`
      : 'compliance profile: none',
  );
  const oidc = config.identity?.oidc;
  lines.push(
    oidc
      ? `sign-in: OIDC tokens from ${oidc.issuer} for audience ${oidc.audience}; ${oidc.roles.map((m) => `${m.group} → ${m.role}`).join(', ') || 'no group mappings'}${oidc.defaultRole ? `; anyone else: ${oidc.defaultRole}` : ''}`
      : 'sign-in: API tokens only',
  );
  lines.push(...describeCatalogConfig(config.catalog));
  if (config.customFields) lines.push(describeCustomFields(config.customFields));
  if (config.risk) lines.push(describeRiskModel(config.risk));
  if (config.incidentWebhook) lines.push(describeIncidentWebhookConfig(config.incidentWebhook));
  if (config.attribution !== defaultAttributionConfig)
    lines.push(describeAttributionConfig(config.attribution));
  return lines.join('\n');
}

function describeRules(checks: EvidenceChecksConfig): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const pre = checks.rules.filter((r) => r.phase === 'pre-deployment').length;
  return `${count(pre, 'pre-deployment rule')}, ${count(checks.rules.length - pre, 'post-deployment rule')}`;
}

/**
 * Refuses anything JSON cannot carry (YAML's .inf and .nan, !!binary, cyclic aliases), naming its path,
 * so a stored configuration reads back exactly as it was applied.
 */
export function assertJsonValue(path: string, value: unknown): void {
  assertJson(path, value, []);
}

function assertJson(path: string, value: unknown, ancestors: unknown[]): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw invalidField(path, `${show(value)} is not a JSON number`);
  }
  if (ancestors.includes(value))
    throw invalidField(path, 'refers to itself (a YAML alias inside its anchor)');
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      assertJson(`${path}[${i}]`, item, [...ancestors, value]);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      assertJson(childPath(path, key), item, [...ancestors, value]);
    }
    return;
  }
  throw invalidField(path, `is not a JSON value (${describe(value)})`);
}
