import { describe, expect, it } from 'vitest';
import {
  assetScope,
  parseEvidenceChecks,
  sameEvidenceType,
  substituteEnvironments,
  toolMatches,
} from './evidence-checks.js';

const env = (...names: string[]) => names.map((name) => ({ name }));
const tool = (...values: string[]) => [
  { name: 'tool', values, description: 'The tool that collected the evidence' },
];

/** A config in the shape IBM documents for version 2 (our own content). */
const ibmShapedConfig = () => ({
  version: '2.0',
  'pre-deployment': [
    {
      evidence_type_id: 'com.ibm.code_vulnerability_scan',
      rules: [
        {
          asset_type: 'commit',
          source_environments: env('ci-pipeline'),
          target_environments: env('stage', 'prod'),
          required: tool('*'),
          recommended: [],
        },
      ],
    },
    {
      evidence_type_id: 'com.ibm.static_scan',
      rules: [
        {
          asset_type: '*',
          source_environments: env('ci-pipeline'),
          target_environments: env('prod'),
          required: tool('sonarqube'),
          recommended: tool('*'),
        },
      ],
    },
    {
      evidence_type_id: 'com.ibm.cloud.image_signing',
      rules: [
        {
          asset_type: 'image',
          source_environments: env('$source'),
          target_environments: env('$target'),
          required: [],
          required_if_present: tool('artifact-signing', 'cosign'),
        },
      ],
    },
  ],
  'post-deployment': [
    {
      evidence_type_id: 'com.ibm.acceptance_tests',
      rules: [
        {
          asset_type: 'generic',
          source_environments: env('$target'),
          target_environments: env('stage', 'prod'),
          required: tool('jest'),
          recommended: [],
        },
      ],
    },
  ],
});

/** Parses `doc` and returns the AppError it throws (or fails the test). */
function parseError(doc: unknown, path?: string) {
  try {
    parseEvidenceChecks(doc, path);
  } catch (e) {
    return e as {
      code: string;
      message: string;
      details: { field?: string; validValues?: readonly string[] };
    };
  }
  throw new Error('expected parseEvidenceChecks to throw');
}

function withRule(patch: Record<string, unknown>, drop: string[] = []) {
  const doc = ibmShapedConfig();
  const rule = { ...doc['pre-deployment'][0]?.rules[0], ...patch } as Record<string, unknown>;
  for (const key of drop) delete rule[key];
  (doc['pre-deployment'][0] as { rules: unknown[] }).rules = [rule];
  return doc;
}

describe('parseEvidenceChecks', () => {
  it('accepts a config in IBM version 2 shape and normalises one rule per level', () => {
    const doc = ibmShapedConfig();
    const config = parseEvidenceChecks(doc);
    expect(config.version).toBe('2.0');
    expect(config.document).toBe(doc);
    expect(
      config.rules.map((r) => [r.phase, r.evidenceTypeId, r.assetType, r.level, r.tools.join('|'), r.path]),
    ).toEqual([
      [
        'pre-deployment',
        'com.ibm.code_vulnerability_scan',
        'commit',
        'required',
        '*',
        'evidenceChecks.pre-deployment[0].rules[0].required',
      ],
      [
        'pre-deployment',
        'com.ibm.static_scan',
        '*',
        'required',
        'sonarqube',
        'evidenceChecks.pre-deployment[1].rules[0].required',
      ],
      [
        'pre-deployment',
        'com.ibm.static_scan',
        '*',
        'recommended',
        '*',
        'evidenceChecks.pre-deployment[1].rules[0].recommended',
      ],
      [
        'pre-deployment',
        'com.ibm.cloud.image_signing',
        'image',
        'required_if_present',
        'artifact-signing|cosign',
        'evidenceChecks.pre-deployment[2].rules[0].required_if_present',
      ],
      [
        'post-deployment',
        'com.ibm.acceptance_tests',
        'generic',
        'required',
        'jest',
        'evidenceChecks.post-deployment[0].rules[0].required',
      ],
    ]);
    expect(config.rules[3]?.sourceEnvironments).toEqual(['$source']);
    expect(config.rules[0]?.targetEnvironments).toEqual(['stage', 'prod']);
  });

  it('tolerates keys the original format carries, and a file with only one phase', () => {
    const doc = {
      version: '2.0',
      description: 'team defaults',
      'post-deployment': [
        {
          evidence_type_id: 'acceptance_tests',
          note: 'kept',
          rules: [
            {
              asset_type: 'image',
              comment: 'x',
              source_environments: [{ name: 'prod', region: 'us-south' }],
              target_environments: env('prod'),
              recommended: tool('*'),
            },
          ],
        },
      ],
    };
    expect(parseEvidenceChecks(doc).rules).toHaveLength(1);
  });

  it.each([
    ['a non-object document', [], 'evidenceChecks', /must be a JSON object/],
    [
      'a missing version',
      { 'pre-deployment': [] },
      'evidenceChecks.version',
      /only version "2.0".*version 1/,
    ],
    [
      'version "1.0"',
      { version: '1.0', 'pre-deployment': [] },
      'evidenceChecks.version',
      /use the string "2.0"/,
    ],
    [
      'a numeric version',
      { version: 2, 'pre-deployment': [] },
      'evidenceChecks.version',
      /use the string "2.0"/,
    ],
    [
      'no phase list',
      { version: '2.0', pre_deployment: [] },
      'evidenceChecks',
      /did you mean "pre-deployment" instead of "pre_deployment"/,
    ],
    [
      'a phase that is not a list',
      { version: '2.0', 'pre-deployment': {} },
      'evidenceChecks.pre-deployment',
      /list/,
    ],
    [
      'a version 1 layout',
      { version: '2.0', 'pre-deployment': [{ asset_type: 'commit', evidences: [] }] },
      'evidenceChecks.pre-deployment[0]',
      /version 1 layout/,
    ],
    [
      'an empty evidence_type_id',
      { version: '2.0', 'pre-deployment': [{ evidence_type_id: '  ', rules: [] }] },
      'evidenceChecks.pre-deployment[0].evidence_type_id',
      /must not be empty/,
    ],
    [
      'rules that are not a list',
      { version: '2.0', 'post-deployment': [{ evidence_type_id: 'unit_tests', rules: {} }] },
      'evidenceChecks.post-deployment[0].rules',
      /must be a list of rules/,
    ],
  ])('refuses %s and names the field', (_what, doc, field, message) => {
    const error = parseError(doc);
    expect(error.code).toBe('invalid_input');
    expect(error.details.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${field}:`)).toBe(true);
  });

  it('names the rule path of a bad asset type and lists the valid ones', () => {
    const doc = ibmShapedConfig();
    (doc['pre-deployment'][2]?.rules[0] as Record<string, unknown>).asset_type = 'container';
    const error = parseError(doc);
    expect(error.details.field).toBe('evidenceChecks.pre-deployment[2].rules[0].asset_type');
    expect(error.message).toMatch(
      /'container' is not valid; use one of: \*, image, artifact, commit, repo, generic/,
    );
    expect(error.details.validValues).toContain('commit');
  });

  it.each([
    ['a missing asset_type', withRule({}, ['asset_type']), '.asset_type', /is missing; use one of/],
    [
      'missing source environments',
      withRule({}, ['source_environments']),
      '.source_environments',
      /is missing/,
    ],
    [
      'environments given as strings',
      withRule({ target_environments: ['prod'] }),
      '.target_environments[0]',
      /must be an object/,
    ],
    [
      'an environment without a name',
      withRule({ target_environments: [{}] }),
      '.target_environments[0].name',
      /string/,
    ],
    [
      'an unknown placeholder',
      withRule({ source_environments: env('$branch') }),
      '.source_environments[0].name',
      /\$source, \$target/,
    ],
    ['a rule with no level', withRule({ required: [], recommended: [] }), '', /declares no level/],
    ['a level that is not a list', withRule({ required: true }), '.required', /must be a list of criteria/],
    [
      'a criterion other than tool',
      withRule({ required: [{ name: 'severity', values: ['high'] }] }),
      '.required[0].name',
      /use one of: tool/,
    ],
    [
      'a criterion without values',
      withRule({ required: [{ name: 'tool', values: [] }] }),
      '.required[0].values',
      /non-empty list/,
    ],
    [
      'an empty tool name',
      withRule({ required: [{ name: 'tool', values: [''] }] }),
      '.required[0].values[0]',
      /must not be empty/,
    ],
    [
      'a tool at two levels',
      withRule({ required: tool('trivy'), recommended: tool('Trivy') }),
      '.recommended',
      /already listed under 'required'/,
    ],
    ['a version 1 level name', withRule({ optional: [{ tool: '*' }] }), '.optional', /required_if_present/],
  ])('refuses %s at the rule path', (_what, doc, suffix, message) => {
    const error = parseError(doc);
    expect(error.code).toBe('invalid_input');
    expect(error.details.field).toBe(`evidenceChecks.pre-deployment[0].rules[0]${suffix}`);
    expect(error.message).toMatch(message);
  });

  it('prefixes paths with the caller-given root', () => {
    expect(parseError({ version: '3' }, 'environments.prod.evidenceChecks').details.field).toBe(
      'environments.prod.evidenceChecks.version',
    );
  });
});

describe('substituteEnvironments', () => {
  it('replaces $source and $target, keeps other names and drops duplicates', () => {
    expect(
      substituteEnvironments(['$source', 'ci-pipeline', '$target', 'prod'], {
        source: 'staging',
        target: 'prod',
      }),
    ).toEqual(['staging', 'ci-pipeline', 'prod']);
    expect(substituteEnvironments(['source', '$sources'], { source: 'a', target: 'b' })).toEqual([
      'source',
      '$sources',
    ]);
  });
});

describe('matching helpers', () => {
  it("matches IBM's evidence type ids to changegate's", () => {
    expect(sameEvidenceType('com.ibm.unit_tests', 'unit_tests')).toBe(true);
    expect(sameEvidenceType('com.ibm.cloud.image_signing', 'image_signing')).toBe(true);
    expect(sameEvidenceType('com.ibm.static-scan', 'static_scan')).toBe(true);
    expect(sameEvidenceType('com.ibm.unit_tests', 'acceptance_tests')).toBe(false);
    expect(sameEvidenceType('com.ibm.code-branch-protection', 'branch_protection')).toBe(false);
  });

  it('maps asset types to the link they need', () => {
    expect([assetScope('*'), assetScope('image'), assetScope('artifact')]).toEqual([
      'any',
      'artifact',
      'artifact',
    ]);
    expect([assetScope('commit'), assetScope('repo'), assetScope('generic')]).toEqual([
      'repo',
      'repo',
      'run',
    ]);
  });

  it('matches tools by name regardless of case, * matching any', () => {
    expect(toolMatches(['SonarQube'], 'sonarqube')).toBe(true);
    expect(toolMatches(['*'], 'anything')).toBe(true);
    expect(toolMatches(['sonarqube'], 'gosec')).toBe(false);
  });
});
