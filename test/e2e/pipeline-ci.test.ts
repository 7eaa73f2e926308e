import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InventoryDto, PromotionDto } from '../../src/api/pipeline-schemas.js';
import { assertBuilt } from '../support/cli-process.js';
import {
  build,
  buildFlags,
  changeRequest,
  createWorld,
  crFields,
  deploy,
  type PipelineWorld,
  promote,
  recordBuild,
  recordEvidence,
  sbomFixture,
  scratchFile,
} from '../support/pipeline-fixture.js';

/** The CI side and the promotion (SQLite only): `inventory add` and `promote`, as a pipeline calls them. */

// The CLI under test must be built from the current sources.
beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const config = `
environments:
  - name: staging
    purpose: pre_prod
  - name: prod-template
    purpose: production
`;

interface ErrorDoc {
  error: { code: string; message: string; details: { field?: string; validValues?: string[] } };
}

describe('CI inventory and promotion (sqlite)', () => {
  let w: PipelineWorld;

  beforeAll(async () => {
    w = await createWorld('sqlite', 'ci', config);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Runs with --json expecting exit 2, and returns the error envelope. */
  async function refused(args: string[]): Promise<ErrorDoc['error']> {
    const r = await w.cli([...args, '--json']);
    expect(r.code, r.stderr).toBe(2);
    return (JSON.parse(r.stdout) as ErrorDoc).error;
  }

  const masterRevision = async () => (await w.json<InventoryDto>(['inventory', 'get'])).revision?.seq ?? 0;

  it('skips the inventory update of a failed CI run unless --skip-inventory-update-on-failure is 0 or empty', async () => {
    const before = await masterRevision();
    const skipped = await recordBuild(w, build('hotfix-api', '1.0.0'), ['--ci-status', 'failure']);
    expect(skipped).toMatchObject({ updated: false, revision: null, entries: [] });
    expect(skipped.reason).toMatch(/skip-inventory-update-on-failure is on; set it to 0 or empty/);
    expect(await masterRevision()).toBe(before);

    for (const [version, value] of [
      ['1.0.1', '0'],
      ['1.0.2', ''],
    ] as const) {
      const recorded = await recordBuild(w, build('hotfix-api', version), [
        '--ci-status',
        'failure',
        '--skip-inventory-update-on-failure',
        value,
      ]);
      expect(recorded).toMatchObject({ updated: true, entries: [{ name: 'hotfix-api', version }] });
      expect(recorded.reason).toMatch(/recorded anyway/);
    }
    const inventory = await w.json<InventoryDto>(['inventory', 'get']);
    expect(inventory.revision?.seq).toBe(before + 2);
    expect(inventory.entries.find((e) => e.name === 'hotfix-api')?.version).toBe('1.0.2');
  });

  it('records when the commit was made (where lead time starts) and refuses one in the future', async () => {
    const recorded = await recordBuild(w, build('timed-api', '1.0.0'), [
      '--committed-at',
      '2026-01-02T03:04:05+01:00',
    ]);
    expect(recorded.entries[0]?.committedAt).toBe('2026-01-02T02:04:05.000Z');
    const future = await refused([
      'inventory',
      'add',
      ...buildFlags(build('timed-api', '1.0.1')),
      '--committed-at',
      '2999-01-01T00:00:00Z',
    ]);
    expect(future.details.field).toBe('committedAt');
    expect(future.message).toMatch(/is in the future/);
  });

  it('refuses bad entries with exit 2 naming the field, and records nothing', async () => {
    const before = await masterRevision();
    const b = build('strict-api', '1.0.0');
    const flags = buildFlags(b);
    const withFlag = (flag: string, value: string) => {
      const copy = [...flags];
      copy[copy.indexOf(flag) + 1] = value;
      return ['inventory', 'add', ...copy];
    };
    const sha = await refused(withFlag('--commit-sha', 'abc123'));
    expect(sha.details.field).toBe('commitSha');
    expect(sha.message).toMatch(/not a commit sha; give the full 40 hexadecimal characters/);
    const digest = await refused(withFlag('--sha256', 'sha256:xyz'));
    expect(digest.details.field).toBe('sha256');

    const batch = scratchFile(
      w,
      'batch.json',
      JSON.stringify([
        {
          name: 'batch-api',
          version: '1',
          artifact: 'docker://r/a',
          commitSha: b.commitSha,
          repositoryUrl: b.repositoryUrl,
          pipelineRunId: 'ci-9',
        },
        {
          name: 'batch-api',
          version: '2',
          artifact: 'docker://r/b',
          commitSha: b.commitSha,
          repositoryUrl: b.repositoryUrl,
          pipelineRunId: 'ci-9',
        },
      ]),
    );
    const duplicate = await refused(['inventory', 'add', '--from-file', batch]);
    expect(duplicate.details.field).toBe('entries[1].name');
    expect(duplicate.message).toMatch(/batch-api/);

    const spdx = scratchFile(w, 'spdx.json', JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'x' }));
    const notCycloneDx = await refused(['inventory', 'add', ...flags, '--sbom', spdx]);
    expect(notCycloneDx.message).toMatch(/not a CycloneDX BOM \(this is an SPDX document\)/);
    const tooNew = await refused([
      'inventory',
      'add',
      ...flags,
      '--sbom',
      sbomFixture('yarn-plugin-cyclonedx-3.4.0.cdx-1.7.json'),
    ]);
    expect(tooNew.message).toMatch(/specVersion "1.7" is not supported/);
    expect(await masterRevision()).toBe(before);
    // The same build with a real CycloneDX SBOM is recorded.
    const ok = await recordBuild(w, b, ['--sbom', sbomFixture('svc-api.cdx-1.2.json')]);
    expect(ok.entries[0]).toMatchObject({ name: 'strict-api', hasSbom: true });
  });

  it('refuses promotion fields outside their enums, listing the valid values', async () => {
    await recordBuild(w, build('enum-api', '1.0.0'));
    const promoteWith = (flag: string, value: string) => {
      const fields = [...crFields];
      const at = fields.indexOf(flag);
      if (at >= 0) fields[at + 1] = value;
      else fields.push(flag, value);
      return ['promote', '--target', 'staging', '--include', 'enum-api', ...fields];
    };
    const cases: [string, string, string][] = [
      [
        '--priority',
        'urgent',
        "priority: 'urgent' is not valid; use one of: critical, high, moderate, low, planning",
      ],
      [
        '--customer-impact',
        'none',
        "customerImpact: 'none' is not valid; use one of: critical, high, moderate, low, no_impact",
      ],
      ['--deployment-impact', 'medium', "deploymentImpact: 'medium' is not valid; use one of: small, large"],
      ['--risk', 'extreme', "risk: 'extreme' is not valid; use one of: low, moderate, high, critical"],
    ];
    for (const [flag, value, message] of cases) {
      const error = await refused(promoteWith(flag, value));
      expect(error.message).toBe(message);
    }
    const noAssignee = await refused([
      'promote',
      '--target',
      'staging',
      '--include',
      'enum-api',
      ...crFields.filter((_, i) => i !== 2 && i !== 3),
    ]);
    expect(noAssignee).toMatchObject({ details: { field: 'assignee' } });
  });

  it('says "All changes have already been promoted" when there is nothing new to promote', async () => {
    await recordBuild(w, build('once-api', '1.0.0'));
    await promote(w, 'staging', ['once-api']);
    const error = await refused(['promote', '--target', 'staging', '--include', 'once-api', ...crFields]);
    expect(error.message).toMatch(/^All changes have already been promoted/);
    // A rebuild of the same version, artifact and commit is not a change either.
    await recordBuild(w, build('once-api', '1.0.0'));
    const rebuilt = await refused(['promote', '--target', 'staging', '--include', 'once-api', ...crFields]);
    expect(rebuilt.message).toMatch(/^All changes have already been promoted/);
  });

  it('reads the CR fields from a filled-in promotion PR body into the CR of the next deployment', async () => {
    const b = build('template-api', '7.0.0');
    await recordBuild(w, b);
    await recordEvidence(w, b, 'success');
    const template = await w.cli(['promote', '--print-template']);
    expect(template.code).toBe(0);
    const body = fillTemplate(template.stdout, {
      Priority: 'high',
      'Change Request assignee': 'release-manager@example.com',
      'Additional Description': 'Rolls out the new pricing engine.',
      'Purpose/Goal': 'Support yearly plans.',
      'Explanation of Impact': 'Checkout is briefly slower while caches warm.',
      'Customer Impact': 'no_impact',
      'Deployment Impact': 'large',
      'Backout Plan': 'Redeploy template-api 6.9.0.',
      Risk: 'low',
    });
    const file = scratchFile(w, 'pr-body.md', body);
    expect(readFileSync(file, 'utf8')).toContain('- [x] high');

    const promotion = await w.json<PromotionDto>([
      'promote',
      '--target',
      'prod-template',
      '--include',
      'template-api',
      '--pr-body-file',
      file,
    ]);
    const fields = {
      priority: 'high',
      assignee: 'release-manager@example.com',
      description: 'Rolls out the new pricing engine.',
      purpose: 'Support yearly plans.',
      impact: 'Checkout is briefly slower while caches warm.',
      customerImpact: 'no_impact',
      deploymentImpact: 'large',
      backoutPlan: 'Redeploy template-api 6.9.0.',
      risk: 'low',
    };
    expect(promotion.fields).toEqual(fields);
    const run = await deploy(w, 'prod-template');
    expect(run.code, run.stderr).toBe(0);
    // The template says the automation may append its own details to the description.
    expect(await changeRequest(w, run.doc.changeRequest.number)).toMatchObject({
      ...fields,
      description: expect.stringContaining(fields.description),
    });
  });
});

/** Fills the promotion template as a person would: ticks one box per choice section, writes the text ones. */
function fillTemplate(template: string, values: Record<string, string>): string {
  let section = '';
  const out: string[] = [];
  for (const line of template.split('\n')) {
    const heading = /^### (.*)$/.exec(line);
    if (heading) section = heading[1] as string;
    const value = values[section];
    const box = /^- \[ \] (.*)$/.exec(line);
    if (box) {
      out.push(box[1] === value ? `- [x] ${value}` : line);
      continue;
    }
    out.push(line);
    const isChoice = template.split(`### ${section}\n`)[1]?.split('### ')[0]?.includes('- [ ]') ?? false;
    if (value !== undefined && !isChoice && line.startsWith('<!--')) out.push('', value);
  }
  return out.join('\n');
}
