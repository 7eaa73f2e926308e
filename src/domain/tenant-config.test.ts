import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import {
  defaultTenantConfig,
  deploymentRegion,
  describeTenantConfig,
  type EnvironmentConfig,
  parseTenantConfig,
} from './tenant-config.js';

/** A minimal evidence checks v2 document (the format is parsed by evidence-checks.ts). */
const checks = (level = 'required') => ({
  version: '2.0',
  'pre-deployment': [
    {
      evidence_type_id: 'com.ibm.unit_tests',
      rules: [
        {
          asset_type: 'commit',
          source_environments: [{ name: 'ci-pipeline' }],
          target_environments: [{ name: 'prod' }],
          [level]: [{ name: 'tool', values: ['*'] }],
        },
      ],
    },
  ],
});

const fail = (document: unknown): AppError => {
  try {
    parseTenantConfig(document);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected parseTenantConfig to throw');
};

const env = (extra: Record<string, unknown> = {}) => ({ name: 'prod', purpose: 'production', ...extra });

describe('tenant config', () => {
  it('parses a full configuration and fills the defaults of what is left out', () => {
    const config = parseTenantConfig({
      version: 1,
      environments: [
        { name: 'dev', purpose: 'pre_prod' },
        {
          name: 'prod',
          purpose: 'production',
          detail: '  Production cluster, eu-de  ',
          regions: ['eu-de', 'us-south'],
          rollbackEnabled: true,
        },
      ],
      autoApproval: { maxRisk: 'low' },
      evidenceChecks: checks(),
      complianceProfile: { name: 'scc-default', document: { controls: [{ id: 'AC-2', weight: 1.5 }] } },
    });
    expect(config).toMatchObject({
      environments: [
        { name: 'dev', purpose: 'pre_prod', detail: null, regions: [], rollbackEnabled: false },
        {
          name: 'prod',
          purpose: 'production',
          detail: 'Production cluster, eu-de',
          regions: ['eu-de', 'us-south'],
          rollbackEnabled: true,
        },
      ],
      autoApproval: { maxRisk: 'low' },
      evidenceChecks: {
        version: '2.0',
        rules: [{ phase: 'pre-deployment', level: 'required', tools: ['*'] }],
        document: checks(),
      },
      complianceProfile: { name: 'scc-default', document: { controls: [{ id: 'AC-2', weight: 1.5 }] } },
    });
    expect(Object.keys(config)).toEqual([
      'environments',
      'autoApproval',
      'evidenceChecks',
      'complianceProfile',
      'identity',
      'approvalPolicy',
      'catalog',
      'customFields',
      'risk',
      'attribution',
      'incidentWebhook',
      'metrics',
      'maturity',
      'retention',
    ]);
  });

  it('reads an empty mapping, and empty values, as the defaults', () => {
    expect(parseTenantConfig({})).toEqual(defaultTenantConfig);
    expect(
      parseTenantConfig({
        environments: null,
        autoApproval: null,
        evidenceChecks: null,
        complianceProfile: null,
      }),
    ).toEqual(defaultTenantConfig);
    expect(parseTenantConfig({ autoApproval: { maxRisk: null } }).autoApproval.maxRisk).toBe('moderate');
    expect(
      parseTenantConfig({ environments: [env({ detail: ' ', regions: null, rollbackEnabled: null })] })
        .environments[0],
    ).toEqual({ name: 'prod', purpose: 'production', detail: null, regions: [], rollbackEnabled: false });
  });

  it('keeps the default frozen so no caller can change it for everyone', () => {
    expect(defaultTenantConfig.autoApproval.maxRisk).toBe('moderate');
    expect(() => defaultTenantConfig.environments.push(env() as EnvironmentConfig)).toThrow(TypeError);
    expect(() => {
      defaultTenantConfig.autoApproval.maxRisk = 'critical';
    }).toThrow(TypeError);
  });

  it.each([
    [null, '$', /the configuration is empty; give a mapping with some of the keys: version, environments/],
    [[env()], '$', /the configuration: must be a mapping \(key: value\), not a list/],
    [
      { autoApprove: { maxRisk: 'low' } },
      'autoApprove',
      /autoApprove: unknown key \(did you mean 'autoApproval'\?\); valid keys in the configuration: version, environments, autoApproval, evidenceChecks, complianceProfile/,
    ],
    [
      { environments: [env(), env({ name: 'dev', rollback_enabled: true })] },
      'environments[1].rollback_enabled',
      /environments\[1\]\.rollback_enabled: unknown key \(did you mean 'rollbackEnabled'\?\); valid keys in environments\[1\]: name, purpose, detail, regions, rollbackEnabled/,
    ],
    [{ environments: [env({ colour: 'blue' })] }, 'environments[0].colour', /unknown key; valid keys/],
    [{ version: 2 }, 'version', /version: must be 1 \(the only format version\), not the number 2/],
    [{ version: '1' }, 'version', /version: must be 1 \(the only format version\), not the text '1'/],
    [{ environments: env() }, 'environments', /environments: must be a list of environments/],
    [{ environments: ['prod'] }, 'environments[0]', /must be a mapping \(key: value\), not the text 'prod'/],
    [{ environments: [{ purpose: 'production' }] }, 'environments[0].name', /name: is required/],
    [{ environments: [env({ name: 'Prod' })] }, 'environments[0].name', /'Prod' must be lowercase/],
    [
      { environments: [env(), { name: 'dev' }] },
      'environments[1].purpose',
      /environments\[1\]\.purpose: is required; use one of: production, pre_prod/,
    ],
    [
      { environments: [env({ purpose: 'prod' })] },
      'environments[0].purpose',
      /environments\[0\]\.purpose: 'prod' is not valid; use one of: production, pre_prod/,
    ],
    [
      { environments: [env(), env({ name: 'dev' }), env()] },
      'environments[2].name',
      /environments\[2\]\.name: 'prod' is already used by environments\[0\]; environment names must be unique/,
    ],
    [{ environments: [env({ detail: 'x'.repeat(501) })] }, 'environments[0].detail', /limit is 500/],
    [{ environments: [env({ regions: 'eu-de' })] }, 'environments[0].regions', /must be a list of region/],
    [
      { environments: [env({ regions: ['eu-de', 'US South'] })] },
      'environments[0].regions[1]',
      /'US South' must be lowercase/,
    ],
    [
      { environments: [env({ regions: ['eu-de', 'us-south', 'eu-de'] })] },
      'environments[0].regions[2]',
      /'eu-de' is listed twice/,
    ],
    [
      { environments: [env({ rollbackEnabled: 'yes' })] },
      'environments[0].rollbackEnabled',
      /rollbackEnabled: must be true or false, not the text 'yes'/,
    ],
    [{ autoApproval: 'high' }, 'autoApproval', /autoApproval: must be a mapping/],
    [
      { autoApproval: { maxRisk: 'medium' } },
      'autoApproval.maxRisk',
      /autoApproval\.maxRisk: 'medium' is not valid; use one of: low, moderate, high, critical/,
    ],
    [{ autoApproval: { max_risk: 'low' } }, 'autoApproval.max_risk', /did you mean 'maxRisk'/],
    [
      { evidenceChecks: { file: './evidence-checks.json' } },
      'evidenceChecks.file',
      /file references are resolved by `changegate config apply -f <file>`/,
    ],
    [{ complianceProfile: { document: {} } }, 'complianceProfile.name', /name: is required/],
    [{ complianceProfile: { name: 'scc' } }, 'complianceProfile.document', /document: is required/],
    [
      { complianceProfile: { name: 'scc', document: [1, 2] } },
      'complianceProfile.document',
      /must be a mapping \(key: value\), not a list/,
    ],
    [
      { complianceProfile: { name: 'scc', file: 'scc.json' } },
      'complianceProfile.file',
      /send the document inline/,
    ],
    [
      { complianceProfile: { name: 'scc', document: { weights: [1, Number.POSITIVE_INFINITY] } } },
      'complianceProfile.document.weights[1]',
      /Infinity is not a JSON number/,
    ],
    [
      { complianceProfile: { name: 'scc', document: { 'key with space': { logo: Buffer.from('x') } } } },
      'complianceProfile.document."key with space".logo',
      /is not a JSON value \(binary data\)/,
    ],
  ])('refuses %j at the path of the bad field', (document, field, message) => {
    const error = fail(document);
    expect(error.code).toBe('invalid_input');
    expect(error.details.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('refuses a compliance document that refers to itself instead of overflowing the stack', () => {
    const document: Record<string, unknown> = { a: 1 };
    document.self = { again: document };
    expect(fail({ complianceProfile: { name: 'scc', document } }).details.field).toBe(
      'complianceProfile.document.self.again',
    );
  });

  it('validates inline evidence checks with paths under evidenceChecks', () => {
    const error = fail({ evidenceChecks: checks('must') });
    expect(error.details.field).toBe('evidenceChecks.pre-deployment[0].rules[0]');
    expect(error.message).toMatch(/declares no level/);
    // YAML reads an unquoted 2.0 as a number; the error says to quote it.
    expect(fail({ evidenceChecks: { ...checks(), version: 2 } }).message).toMatch(
      /evidenceChecks\.version: number 2 is not supported; use the string "2\.0"/,
    );
  });
});

describe('deployment region', () => {
  const single: EnvironmentConfig = {
    name: 'dev',
    purpose: 'pre_prod',
    detail: null,
    regions: [],
    rollbackEnabled: false,
  };
  const multi: EnvironmentConfig = { ...single, name: 'prod', regions: ['eu-de', 'us-south'] };

  it('is default for an environment without regions, which refuses any other region', () => {
    expect(deploymentRegion(single, null)).toBe('default');
    expect(deploymentRegion(single, ' ')).toBe('default');
    expect(deploymentRegion(single, 'default')).toBe('default');
    expect(() => deploymentRegion(single, 'eu-de')).toThrow(
      /region: environment 'dev' has no regions, so 'eu-de' cannot be used/,
    );
  });

  it('must be one of the listed regions, and may be left out only when there is one', () => {
    expect(deploymentRegion(multi, 'us-south')).toBe('us-south');
    expect(deploymentRegion({ ...multi, regions: ['eu-de'] }, undefined)).toBe('eu-de');
    expect(() => deploymentRegion(multi, null)).toThrow(
      /environment 'prod' has several regions; name one of: eu-de, us-south/,
    );
    expect(() => deploymentRegion(multi, 'eu-fr')).toThrow(
      expect.objectContaining({ details: { field: 'region', validValues: ['eu-de', 'us-south'] } }),
    );
  });
});

describe('describe tenant config', () => {
  it('summarises environments in columns and says what each policy means', () => {
    const config = parseTenantConfig({
      environments: [
        { name: 'dev', purpose: 'pre_prod' },
        {
          name: 'production',
          purpose: 'production',
          regions: ['eu-de', 'us-south'],
          rollbackEnabled: true,
          detail: 'IKS prod',
        },
      ],
      autoApproval: { maxRisk: 'low' },
      evidenceChecks: checks('recommended'),
      complianceProfile: { name: 'scc-default', document: {} },
    });
    expect(describeTenantConfig(config)).toBe(
      [
        'environments:',
        '  dev         pre_prod    region default           rollback off',
        '  production  production  regions eu-de, us-south  rollback on   IKS prod',
        'auto-approval: ready, no outage and risk up to low (risk above low always needs an approver)',
        'evidence checks: version 2.0, 1 pre-deployment rule, 0 post-deployment rules (attached to every pipeline change request)',
        'compliance profile: scc-default (attached to every pipeline change request)',
        'sign-in: API tokens only',
      ].join('\n'),
    );
  });

  it('describes the defaults', () => {
    expect(describeTenantConfig(defaultTenantConfig)).toBe(
      [
        'environments: none (add them under `environments:` in changegate.yaml)',
        'auto-approval: ready, no outage and risk up to moderate (risk above moderate always needs an approver)',
        'evidence checks: none (every delta entry needs CI evidence, and none may be failing or pending)',
        'compliance profile: none',
        'sign-in: API tokens only',
      ].join('\n'),
    );
  });
});
