import { describe, expect, it } from 'vitest';
import { computeDelta } from './delta.js';
import { closingSummary, deltaSummary, deploymentBom } from './deployment-documents.js';
import type { Evidence } from './evidence.js';
import type { InventoryEntry } from './inventory.js';
import { evaluateReadiness } from './readiness.js';

function entry(name: string, version = '1.0.0', overrides: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    id: `ent-${name}-${version}`,
    name,
    version,
    artifact: `docker://icr.io/acme/${name}:${version}`,
    type: 'image',
    sha256: 'd'.repeat(64),
    commitSha: 'a'.repeat(40),
    repositoryUrl: `https://github.com/acme/${name}`,
    buildNumber: '7',
    pipelineRunId: `ci-${name}`,
    provenance: 'slsa',
    signature: 'sig',
    appArtifacts: null,
    hasSbom: false,
    createdBy: 'ci@example.com',
    createdAt: 1,
    ...overrides,
  };
}

function evidence(
  e: InventoryEntry,
  result: Evidence['result'],
  overrides: Partial<Evidence> = {},
): Evidence {
  return {
    id: `ev-${e.name}-${result}`,
    evidenceTypeId: 'unit_tests',
    result,
    tool: 'vitest',
    assets: [e.artifact],
    pipelineRunId: e.pipelineRunId,
    environment: 'ci-pipeline',
    findings: [{ id: 'CVE-1', severity: 'low', dueDate: null, exempt: false }],
    issues: [],
    attachments: [],
    date: Date.parse('2026-01-05T10:00:00Z'),
    createdBy: 'ci@example.com',
    ...overrides,
  };
}

const target = {
  environment: 'prod',
  region: 'eu-de',
  revision: { id: 'rev-3', seq: 3 },
  pipelineRunId: 'cd-9',
};

const web = entry('web', '2.0.0', { sha256: null });
const api = entry('api', '1.1.0');
const old = entry('old', '0.1.0');

describe('deploymentBom', () => {
  it('lists the entries by name with their identity and origin, digests prefixed', () => {
    const bom = deploymentBom(target, [web, api]);
    expect(bom).toMatchObject({ kind: 'changegate.deployment_bom/v1', ...target });
    expect(bom.entries.map((e) => e.name)).toEqual(['api', 'web']);
    expect(bom.entries[0]).toEqual({
      name: 'api',
      version: '1.1.0',
      artifact: api.artifact,
      type: 'image',
      digest: `sha256:${'d'.repeat(64)}`,
      commitSha: api.commitSha,
      repositoryUrl: api.repositoryUrl,
      buildNumber: '7',
      pipelineRunId: 'ci-api',
      signature: 'sig',
      provenance: 'slsa',
    });
    expect(bom.entries[1]?.digest).toBeNull();
  });

  it('gives the same bytes whatever order the entries come in', () => {
    expect(JSON.stringify(deploymentBom(target, [web, api]))).toBe(
      JSON.stringify(deploymentBom(target, [api, web])),
    );
  });
});

describe('deltaSummary', () => {
  const delta = computeDelta([api, web], [entry('api', '1.0.0'), old]);
  const readiness = evaluateReadiness({
    entries: [api, web],
    evidence: [evidence(api, 'success'), evidence(web, 'failure')],
    checks: null,
    phases: ['pre-deployment'],
    source: 'master',
    target: 'prod',
  });

  it('shows each delta line with its versions and evidence posture', () => {
    const summary = deltaSummary(target, delta, readiness);
    expect(summary).toMatchObject({
      kind: 'changegate.delta_summary/v1',
      ...target,
      deploymentReady: false,
      mode: 'default',
      summary: readiness.summary,
      warnings: [],
    });
    expect(summary.delta.map((d) => [d.name, d.change, d.fromVersion, d.toVersion, d.ready])).toEqual([
      ['api', 'changed', '1.0.0', '1.1.0', true],
      ['old', 'removed', '0.1.0', null, true],
      ['web', 'added', null, '2.0.0', false],
    ]);
    expect(summary.delta[0]?.checks).toEqual(readiness.entries[0]?.outcomes);
    // A removal has nothing to check.
    expect(summary.delta[1]?.checks).toEqual([]);
  });

  it('treats a non-removed entry that readiness did not assess as not ready', () => {
    const unassessed = deltaSummary(target, computeDelta([entry('new')], null), readiness);
    expect(unassessed.delta[0]).toMatchObject({ name: 'new', ready: false, checks: [] });
  });
});

describe('closingSummary', () => {
  it('gives every entry its evidence (ISO dates, finding counts) and checks, sorted by name', () => {
    const evidenceWeb = evidence(web, 'success', { environment: 'prod', pipelineRunId: 'cd-9' });
    const readiness = evaluateReadiness({
      entries: [web, api],
      evidence: [evidenceWeb],
      checks: null,
      phases: ['pre-deployment', 'post-deployment'],
      source: 'master',
      target: 'prod',
    });
    const doc = closingSummary({
      target,
      outcome: 'deployed',
      changeRequest: { number: 'CHG0000042' },
      entries: [
        { entry: web, evidence: [evidenceWeb] },
        { entry: api, evidence: [] },
      ],
      readiness,
    });
    expect(doc).toMatchObject({
      kind: 'changegate.closing_summary/v1',
      ...target,
      changeRequest: 'CHG0000042',
      outcome: 'deployed',
      deploymentReady: false,
      summary: readiness.summary,
    });
    expect(doc.entries.map((e) => e.name)).toEqual(['api', 'web']);
    expect(doc.entries[0]).toMatchObject({ name: 'api', version: '1.1.0', evidence: [] });
    expect(doc.entries[1]?.evidence).toEqual([
      {
        id: evidenceWeb.id,
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        environment: 'prod',
        pipelineRunId: 'cd-9',
        date: '2026-01-05T10:00:00.000Z',
        findings: 1,
      },
    ]);
    expect(doc.entries[1]?.checks).toEqual(readiness.entries.find((r) => r.name === 'web')?.outcomes);
    expect(doc.entries[0]?.checks[0]).toMatchObject({ state: 'missing', status: 'fail' });
  });
});
