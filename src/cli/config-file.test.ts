import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import { describeTenantConfig, parseTenantConfig } from '../domain/tenant-config.js';
import { readConfigFile } from './config-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'changegate-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

const evidenceChecks = {
  version: '2.0',
  'pre-deployment': [
    {
      evidence_type_id: 'com.ibm.unit_tests',
      rules: [
        {
          asset_type: 'commit',
          source_environments: [{ name: 'ci-pipeline' }],
          target_environments: [{ name: 'prod' }],
          required: [{ name: 'tool', values: ['*'] }],
        },
      ],
    },
  ],
};

describe('readConfigFile', () => {
  it('returns the parsed document and the YAML text as given', async () => {
    const source = [
      '# changegate policy',
      'environments:',
      '  - name: prod',
      '    purpose: production',
      '    regions: [eu-de, us-south]',
      '    rollbackEnabled: true',
      'autoApproval:',
      '  maxRisk: low',
      '',
    ].join('\r\n');
    const path = await write('changegate.yaml', source);
    const file = await readConfigFile(path);
    expect(file.source).toBe(source);
    expect(file.document).toEqual({
      environments: [
        { name: 'prod', purpose: 'production', regions: ['eu-de', 'us-south'], rollbackEnabled: true },
      ],
      autoApproval: { maxRisk: 'low' },
    });
  });

  it('inlines referenced files, resolved relative to the YAML file, into one document', async () => {
    await write('policy/checks/evidence-checks.json', `\uFEFF${JSON.stringify(evidenceChecks, null, 2)}`);
    await write('policy/scc-profile.json', '{ "controls": [{ "id": "AC-2" }] }');
    const path = await write(
      'policy/changegate.yaml',
      [
        'evidenceChecks:',
        '  file: ./checks/evidence-checks.json',
        'complianceProfile:',
        '  name: scc-default',
        `  file: ${join(dir, 'policy/scc-profile.json')}`,
      ].join('\n'),
    );
    const { document, source } = await readConfigFile(path);
    expect(document).toEqual({
      evidenceChecks,
      complianceProfile: { name: 'scc-default', document: { controls: [{ id: 'AC-2' }] } },
    });
    expect(source).toContain('file: ./checks/evidence-checks.json');
    // What the server receives survives JSON and passes the tenant policy parser.
    const config = parseTenantConfig(JSON.parse(JSON.stringify(document)));
    expect(config.evidenceChecks?.rules).toHaveLength(1);
    expect(config.complianceProfile?.name).toBe('scc-default');
  });

  it('reads inline evidence checks as written in YAML', async () => {
    const path = await write(
      'changegate.yaml',
      [
        'evidenceChecks:',
        '  version: "2.0"',
        '  pre-deployment:',
        '    - evidence_type_id: com.ibm.unit_tests',
        '      rules:',
        '        - asset_type: commit',
        '          source_environments: [{ name: ci-pipeline }]',
        '          target_environments: [{ name: prod }]',
        '          required: [{ name: tool, values: ["*"] }]',
      ].join('\n'),
    );
    expect((await readConfigFile(path)).document).toEqual({ evidenceChecks });
  });

  it.each([
    [
      'a duplicate key',
      'autoApproval:\n  maxRisk: low\n  maxRisk: critical\n',
      3,
      3,
      /Map keys must be unique/,
    ],
    ['an unclosed list', 'environments: [\n  { name: prod }\n', 3, 1, /invalid YAML/],
    ['a bad indent', 'environments:\n  - name: prod\n - name: dev\n', 3, 1, /invalid YAML/],
    ['an unknown tag', 'autoApproval:\n  maxRisk: !risk low\n', 2, 12, /Unresolved tag: !risk/],
    ['two documents', 'environments: []\n---\nautoApproval: {}\n', 2, 1, /multiple documents/],
  ])('names the file, line and column of %s', async (_, text, line, column, message) => {
    const path = await write('changegate.yaml', text);
    const error = await failure(readConfigFile(path));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${path}:${line}:${column}: invalid YAML: `)).toBe(true);
    expect(error.details).toMatchObject({ file: path, line, column });
  });

  it('refuses aliases that cannot be resolved, and values JSON cannot carry', async () => {
    const alias = await failure(readConfigFile(await write('a.yaml', 'autoApproval: *policy\n')));
    expect(alias.message).toMatch(/a\.yaml: invalid YAML: Unresolved alias/);
    const inf = await failure(
      readConfigFile(await write('b.yaml', 'complianceProfile:\n  name: x\n  document: { limit: .inf }\n')),
    );
    expect(inf.message).toMatch(/b\.yaml: complianceProfile\.document\.limit: Infinity is not a JSON number/);
    expect(inf.details).toMatchObject({ field: 'complianceProfile.document.limit' });
  });

  it('refuses an empty file and a missing one', async () => {
    const empty = await write('empty.yaml', '# nothing yet\n');
    expect((await failure(readConfigFile(empty))).message).toMatch(/empty\.yaml: the file is empty/);
    const missing = join(dir, 'missing.yaml');
    expect(await failure(readConfigFile(missing))).toMatchObject({
      message: `cannot read ${missing}: no such file`,
      details: { field: 'file', file: missing },
    });
  });

  it('names the referenced file, its line and column when it is not valid JSON', async () => {
    await write('evidence-checks.json', '{\n  "version": "2.0",\n  "pre-deployment": [,]\n}\n');
    const path = await write('changegate.yaml', 'evidenceChecks:\n  file: evidence-checks.json\n');
    const error = await failure(readConfigFile(path));
    const shown = join(dir, 'evidence-checks.json');
    expect(error.message).toMatch(
      new RegExp(`^${escapeRegExp(shown)}:3:22: invalid JSON \\(evidenceChecks\\.file\\): unexpected ","$`),
    );
    expect(error.details).toMatchObject({ field: 'evidenceChecks.file', file: shown, line: 3, column: 22 });
  });

  it.each([
    ['{"a": 1,}', 1, 9, '"}"'],
    ['{\n  a: 1\n}', 2, 3, '"a"'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, '"\\""'],
    ['["tab\there"]', 1, 6, '"\\t"'],
    ['["\\x"]', 1, 3, '"\\\\"'],
    ['[1.]', 1, 3, '"."'],
    ['{} {}', 1, 4, '"{"'],
    ['', 1, 1, 'end of file'],
  ])('locates the JSON error in %j', async (json, line, column, found) => {
    await write('scc.json', json);
    const path = await write('changegate.yaml', 'complianceProfile:\n  name: scc\n  file: scc.json\n');
    const error = await failure(readConfigFile(path));
    expect(error.message).toBe(
      `${join(dir, 'scc.json')}:${line}:${column}: invalid JSON (complianceProfile.file): unexpected ${found}`,
    );
  });

  it('points at the end of a truncated JSON file', async () => {
    await write('scc.json', '{\n  "a": [1, 2');
    const path = await write('changegate.yaml', 'complianceProfile:\n  name: scc\n  file: scc.json\n');
    expect((await failure(readConfigFile(path))).details).toMatchObject({
      field: 'complianceProfile.file',
      line: 2,
      column: 13,
    });
  });

  it.each([
    [
      'a missing referenced file',
      'evidenceChecks:\n  file: nope.json\n',
      'evidenceChecks.file',
      /cannot read .*nope\.json \(evidenceChecks\.file in .*changegate\.yaml\): no such file/,
    ],
    ['a directory', 'evidenceChecks:\n  file: .\n', 'evidenceChecks.file', /it is a directory/],
    [
      'an empty reference',
      'evidenceChecks:\n  file: ""\n',
      'evidenceChecks.file',
      /must be the path of a JSON file/,
    ],
    [
      'a reference beside inline checks',
      'evidenceChecks:\n  file: x.json\n  version: "2.0"\n',
      'evidenceChecks.version',
      /give either `file:` or the checks inline, not both \(also found: version\)/,
    ],
    [
      'a file and a document',
      'complianceProfile:\n  name: x\n  file: x.json\n  document: {}\n',
      'complianceProfile.document',
      /give either `file:` or `document:`, not both/,
    ],
  ])('refuses %s', async (_, text, field, message) => {
    const error = await failure(readConfigFile(await write('changegate.yaml', text)));
    expect(error.details.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('leaves a document that is not a mapping to the policy parser', async () => {
    const path = await write('changegate.yaml', '- name: prod\n');
    const { document } = await readConfigFile(path);
    expect(document).toEqual([{ name: 'prod' }]);
    expect(() => parseTenantConfig(document)).toThrow(/must be a mapping/);
  });
});

describe('docs/configuration-file.md', () => {
  it('has examples that apply, and the summary it shows is what config show prints', async () => {
    const doc = await readFile(new URL('../../docs/configuration-file.md', import.meta.url), 'utf8');
    const blocks = (lang: string) =>
      [...doc.matchAll(new RegExp(`^\`\`\`${lang}\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1] ?? '');
    const [inline, referencing] = blocks('yaml');
    const [checksJson] = blocks('json');
    const [summary] = blocks('text');
    const read = async (name: string, text: string | undefined) =>
      parseTenantConfig((await readConfigFile(await write(name, text ?? ''))).document);

    const inlineConfig = await read('inline/changegate.yaml', inline);
    expect(inlineConfig.evidenceChecks?.rules).toHaveLength(2);
    expect(inlineConfig.complianceProfile?.document).toEqual({
      profile: 'SOC 2 baseline',
      controls: ['CC6.1', 'CC7.2', 'CC8.1'],
    });

    await write('files/evidence-checks.json', checksJson ?? '');
    await write('files/scc-profile.json', JSON.stringify(inlineConfig.complianceProfile?.document));
    const fileConfig = await read('files/changegate.yaml', referencing);
    expect(fileConfig.environments).toEqual(inlineConfig.environments);
    expect(fileConfig.complianceProfile).toEqual(inlineConfig.complianceProfile);
    expect(`${describeTenantConfig(fileConfig)}\n`).toBe(summary);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
