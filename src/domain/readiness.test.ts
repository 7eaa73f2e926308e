import { describe, expect, it } from 'vitest';
import type { Evidence, EvidenceResult } from './evidence.js';
import { type CheckPhase, parseEvidenceChecks, type RuleLevel, ruleLevels } from './evidence-checks.js';
import type { InventoryEntry } from './inventory.js';
import {
  type EvidenceFindingState,
  evaluateReadiness,
  evidenceForEntry,
  latestPerTypeAndTool,
  normalizeRepoUrl,
} from './readiness.js';

const sha = (c: string) => c.repeat(40);

function entry(name: string, overrides: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    id: `ent-${name}`,
    name,
    version: '1.0.0',
    artifact: `docker://icr.io/acme/${name}@sha256:${sha('d')}`,
    type: 'image',
    sha256: sha('d'),
    commitSha: sha('a'),
    repositoryUrl: `https://github.com/acme/${name}.git`,
    buildNumber: '7',
    pipelineRunId: `run-${name}`,
    provenance: null,
    signature: null,
    appArtifacts: null,
    hasSbom: false,
    createdBy: 'ci@example.com',
    createdAt: 1,
    ...overrides,
  };
}

let seq = 0;
function ev(
  e: InventoryEntry,
  overrides: Partial<Evidence> & { on?: 'artifact' | 'repo' | 'run' } = {},
): Evidence {
  const { on = 'artifact', ...rest } = overrides;
  seq += 1;
  return {
    id: `ev-${String(seq).padStart(4, '0')}`,
    evidenceTypeId: 'code_vulnerability_scan',
    result: 'success',
    tool: 'trivy',
    assets:
      on === 'artifact'
        ? [e.artifact]
        : on === 'repo'
          ? [`https://github.com/acme/${e.name}#${e.commitSha}`]
          : [],
    pipelineRunId: on === 'run' ? e.pipelineRunId : 'run-elsewhere',
    environment: 'ci-pipeline',
    findings: [],
    issues: [],
    attachments: [],
    date: 1000 + seq,
    createdBy: 'ci@example.com',
    ...rest,
  };
}

/** A one-rule config in IBM's version 2 shape. */
function oneRule(
  level: RuleLevel,
  {
    type = 'com.ibm.code_vulnerability_scan',
    asset = 'image',
    sources = ['ci-pipeline'],
    targets = ['prod'],
    tools = ['*'],
    phase = 'pre-deployment' as CheckPhase,
  } = {},
) {
  return parseEvidenceChecks({
    version: '2.0',
    [phase]: [
      {
        evidence_type_id: type,
        rules: [
          {
            asset_type: asset,
            source_environments: sources.map((name) => ({ name })),
            target_environments: targets.map((name) => ({ name })),
            [level]: [{ name: 'tool', values: tools }],
          },
        ],
      },
    ],
  });
}

const api = entry('api');
const run = (
  evidence: Evidence[],
  checks: ReturnType<typeof oneRule> | null,
  more: Partial<Parameters<typeof evaluateReadiness>[0]> = {},
) =>
  evaluateReadiness({
    entries: [api],
    evidence,
    checks,
    phases: ['pre-deployment'],
    source: 'master',
    target: 'prod',
    ...more,
  });

describe('evaluateReadiness with a checks config', () => {
  it('warns when no rule targets the environment, instead of passing silently', () => {
    const checks = oneRule('required', { targets: ['prod'] });
    const staging = run([], checks, { target: 'staging' });
    expect(staging.ready).toBe(true);
    expect(staging.warnings).toEqual([expect.stringMatching(/no evidence rule targets 'staging'/)]);
    expect(run([ev(api)], checks).warnings).toEqual([]);
  });

  const expected: Record<RuleLevel, Record<EvidenceFindingState, 'pass' | 'fail' | 'warn'>> = {
    required: { success: 'pass', failure: 'fail', pending: 'fail', missing: 'fail' },
    required_if_present: { success: 'pass', failure: 'fail', pending: 'pass', missing: 'pass' },
    recommended: { success: 'pass', failure: 'warn', pending: 'warn', missing: 'warn' },
  };
  const states: EvidenceFindingState[] = ['success', 'failure', 'pending', 'missing'];

  for (const level of ruleLevels) {
    for (const state of states) {
      const status = expected[level][state];
      it(`${level} with ${state} evidence is ${status}`, () => {
        const evidence = state === 'missing' ? [] : [ev(api, { result: state as EvidenceResult })];
        const r = run(evidence, oneRule(level));
        const outcome = r.entries[0]?.outcomes[0];
        expect(outcome?.state).toBe(state);
        expect(outcome?.status).toBe(status);
        expect(outcome?.level).toBe(level);
        expect(outcome?.evidenceIds).toEqual(evidence.map((e) => e.id));
        expect(r.ready).toBe(status !== 'fail');
        expect(r.entries[0]?.ready).toBe(status !== 'fail');
        expect(r.warnings).toHaveLength(status === 'warn' ? 1 : 0);
        expect(r.mode).toBe('config');
      });
    }
  }

  it('explains a failure in one sentence and in the summary', () => {
    const failed = ev(api, { result: 'failure', evidenceTypeId: 'code_vulnerability_scan', tool: 'trivy' });
    const r = run([failed], oneRule('required', { type: 'code_vulnerability_scan', asset: 'artifact' }));
    expect(r.entries[0]?.outcomes[0]?.reason).toBe(
      'required code_vulnerability_scan on artifact: latest evidence (trivy) failed',
    );
    expect(r.summary).toBe('0 of 1 entry ready; 1 failing: api (code_vulnerability_scan failed)');
  });

  it('says where it looked when required evidence is missing', () => {
    const r = run([], oneRule('required', { tools: ['sonarqube'], type: 'static_scan', asset: 'commit' }));
    expect(r.entries[0]?.outcomes[0]?.reason).toBe(
      'required static_scan on commit: no evidence by sonarqube collected in ci-pipeline',
    );
  });

  it('uses the latest evidence per type and tool, by date then id', () => {
    const old = ev(api, { result: 'failure', date: 10 });
    const fixed = ev(api, { result: 'success', date: 20 });
    expect(run([fixed, old], oneRule('required')).ready).toBe(true);
    const sameTimeFail = ev(api, { id: 'ev-b', result: 'failure', date: 30 });
    const sameTimeOk = ev(api, { id: 'ev-a', result: 'success', date: 30 });
    expect(
      run([sameTimeOk, sameTimeFail, fixed], oneRule('required')).entries[0]?.outcomes[0]?.evidenceIds,
    ).toEqual(['ev-b']);
  });

  it('fails when the latest evidence of any one tool fails', () => {
    const trivy = ev(api, { tool: 'trivy', result: 'success', date: 50 });
    const grype = ev(api, { tool: 'grype', result: 'failure', date: 10 });
    const outcome = run([trivy, grype], oneRule('required')).entries[0]?.outcomes[0];
    expect(outcome?.state).toBe('failure');
    expect(outcome?.evidenceIds).toEqual([grype.id]);
  });

  it("counts only the rule's tools", () => {
    const gosec = ev(api, { tool: 'gosec', evidenceTypeId: 'static_scan', on: 'repo' });
    const rule = oneRule('required', { type: 'com.ibm.static_scan', asset: 'commit', tools: ['SonarQube'] });
    expect(run([gosec], rule).entries[0]?.outcomes[0]?.state).toBe('missing');
    const sonar = ev(api, { tool: 'sonarqube', evidenceTypeId: 'static_scan', on: 'repo' });
    expect(run([gosec, sonar], rule).entries[0]?.outcomes[0]?.state).toBe('success');
  });

  it('matches evidence to the asset type of the rule; run-scope evidence counts for every type', () => {
    const onArtifact = ev(api, { on: 'artifact' });
    const onCommit = ev(api, { on: 'repo' });
    const inRun = ev(api, { on: 'run' });
    const stateFor = (asset: string, evidence: Evidence[]) =>
      run(evidence, oneRule('required', { asset })).entries[0]?.outcomes[0]?.state;
    expect(stateFor('image', [onCommit])).toBe('missing');
    expect(stateFor('image', [onArtifact])).toBe('success');
    expect(stateFor('commit', [onArtifact])).toBe('missing');
    expect(stateFor('commit', [onCommit])).toBe('success');
    expect(stateFor('repo', [onCommit])).toBe('success');
    expect(stateFor('*', [onCommit])).toBe('success');
    expect(stateFor('generic', [onArtifact, onCommit])).toBe('missing');
    for (const asset of ['image', 'commit', 'generic', '*']) expect(stateFor(asset, [inRun])).toBe('success');
  });

  it('ignores evidence of other types, other entries and other runs', () => {
    const other = entry('web');
    const evidence = [
      ev(api, { evidenceTypeId: 'unit_tests' }),
      ev(other, { on: 'artifact' }),
      ev(api, { on: 'run', pipelineRunId: 'run-web' }),
    ];
    expect(run(evidence, oneRule('required')).entries[0]?.outcomes[0]?.state).toBe('missing');
  });

  it('substitutes $source and $target: a staging → prod promotion counts staging evidence', () => {
    const rule = oneRule('required', {
      type: 'acceptance_tests',
      sources: ['$source'],
      targets: ['$target'],
    });
    const inStaging = ev(api, { evidenceTypeId: 'acceptance_tests', environment: 'staging', on: 'run' });
    const inCi = ev(api, { evidenceTypeId: 'acceptance_tests', environment: 'ci-pipeline', on: 'run' });
    const fromStaging = { source: 'staging', target: 'prod' };
    expect(run([inStaging], rule, fromStaging).ready).toBe(true);
    expect(run([inCi], rule, fromStaging).ready).toBe(false);
    expect(
      run([inStaging], rule, { source: 'staging', target: 'eu-prod' }).entries[0]?.outcomes,
    ).toHaveLength(1);
    expect(run([inStaging], rule, { source: 'master', target: 'prod' }).ready).toBe(false);
  });

  it('reads the CI inventory name (master) in source environments as evidence collected by CI', () => {
    const inCi = ev(api, { environment: 'ci-pipeline' });
    expect(run([inCi], oneRule('required', { sources: ['master'] })).ready).toBe(true);
    expect(run([inCi], oneRule('required', { sources: ['$source'] }), { source: 'master' }).ready).toBe(true);
    expect(run([inCi], oneRule('required', { sources: ['staging'] })).ready).toBe(false);
    const inStaging = ev(api, { environment: 'staging' });
    expect(run([inStaging], oneRule('required', { sources: ['ci-pipeline'] })).ready).toBe(false);
  });

  it('skips rules whose target environments do not include the deployment target', () => {
    const rule = oneRule('required', { targets: ['prod'] });
    const toStage = run([], rule, { target: 'stage' });
    expect(toStage.entries[0]).toEqual({ name: 'api', version: '1.0.0', ready: true, outcomes: [] });
    expect(toStage.ready).toBe(true);
    expect(run([], rule, { target: 'prod' }).ready).toBe(false);
  });

  it('checks post-deployment rules only when that phase is asked for', () => {
    const rule = oneRule('required', {
      type: 'com.ibm.acceptance_tests',
      asset: 'generic',
      sources: ['$target'],
      targets: ['$target'],
      tools: ['jest'],
      phase: 'post-deployment',
    });
    const both: CheckPhase[] = ['pre-deployment', 'post-deployment'];
    expect(run([], rule).entries[0]?.outcomes).toEqual([]);
    const missing = run([], rule, { phases: both });
    expect(missing.ready).toBe(false);
    expect(missing.entries[0]?.outcomes[0]?.phase).toBe('post-deployment');
    const accepted = ev(api, {
      evidenceTypeId: 'acceptance_tests',
      tool: 'jest',
      environment: 'prod',
      on: 'run',
    });
    expect(run([accepted], rule, { phases: both }).ready).toBe(true);
    const collectedInStage = { ...accepted, environment: 'stage' };
    expect(run([collectedInStage], rule, { phases: both }).ready).toBe(false);
  });

  it("evaluates a config in IBM's documented shape against changegate evidence", () => {
    const checks = parseEvidenceChecks({
      version: '2.0',
      'pre-deployment': [
        {
          evidence_type_id: 'com.ibm.code_vulnerability_scan',
          rules: [
            {
              asset_type: 'commit',
              source_environments: [{ name: 'ci-pipeline' }],
              target_environments: [{ name: 'stage' }, { name: 'prod' }],
              required: [
                { name: 'tool', values: ['*'], description: 'The tool that collected the evidence' },
              ],
              recommended: [],
            },
          ],
        },
        {
          evidence_type_id: 'com.ibm.cloud.image_signing',
          rules: [
            {
              asset_type: 'image',
              source_environments: [{ name: 'ci-pipeline' }],
              target_environments: [{ name: 'prod' }],
              required: [],
              recommended: [{ name: 'tool', values: ['*'] }],
            },
          ],
        },
      ],
    });
    const web = entry('web', { repositoryUrl: 'https://github.com/acme/web' });
    const evidence = [
      ev(api, { on: 'repo', evidenceTypeId: 'code_vulnerability_scan', tool: 'mend' }),
      ev(web, { on: 'repo', evidenceTypeId: 'code_vulnerability_scan', tool: 'mend', result: 'failure' }),
    ];
    const r = evaluateReadiness({
      entries: [api, web],
      evidence,
      checks,
      phases: ['pre-deployment'],
      source: 'master',
      target: 'prod',
    });
    expect(r.entries.map((e) => [e.name, e.ready, e.outcomes.map((o) => o.status).join(',')])).toEqual([
      ['api', true, 'pass,warn'],
      ['web', false, 'fail,warn'],
    ]);
    expect(r.warnings).toEqual([
      'api 1.0.0: recommended com.ibm.cloud.image_signing on image: no evidence collected in ci-pipeline, a warning because it is only recommended',
      'web 1.0.0: recommended com.ibm.cloud.image_signing on image: no evidence collected in ci-pipeline, a warning because it is only recommended',
    ]);
    expect(r.summary).toBe(
      '1 of 2 entries ready; 1 failing: web (com.ibm.code_vulnerability_scan failed); 2 warnings',
    );
  });
});

describe('evaluateReadiness without a config (default gate)', () => {
  it('needs at least one evidence per entry', () => {
    const r = run([], null);
    expect(r.mode).toBe('default');
    expect(r.ready).toBe(false);
    expect(r.entries[0]?.outcomes[0]).toMatchObject({
      phase: 'default',
      evidenceTypeId: '*',
      assetType: '*',
      level: 'default',
      state: 'missing',
      status: 'fail',
    });
    expect(r.summary).toBe('0 of 1 entry ready; 1 failing: api (no evidence)');
  });

  it('blocks on failing or pending latest evidence and passes when all latest succeed', () => {
    const ok = ev(api, { evidenceTypeId: 'unit_tests', tool: 'jest' });
    const pending = ev(api, { evidenceTypeId: 'peer_review', tool: 'github', result: 'pending' });
    const failed = ev(api, { result: 'failure', date: 5 });
    expect(run([ok], null).ready).toBe(true);
    expect(run([ok, pending], null).entries[0]?.outcomes[0]).toMatchObject({
      state: 'pending',
      status: 'fail',
      evidenceIds: [pending.id],
    });
    const both = run([ok, pending, failed], null);
    expect(both.entries[0]?.outcomes[0]?.state).toBe('failure');
    expect(both.entries[0]?.outcomes[0]?.reason).toBe(
      'default gate: latest evidence failed: code_vulnerability_scan (trivy); pending: peer_review (github)',
    );
    expect(both.summary).toBe(
      '0 of 1 entry ready; 1 failing: api (code_vulnerability_scan failed, peer_review pending)',
    );
    const rescanned = ev(api, { result: 'success', date: 9999 });
    expect(run([ok, failed, rescanned], null).ready).toBe(true);
  });

  it('summarises several entries in one line', () => {
    const entries = ['api', 'db', 'web', 'worker'].map((n) => entry(n));
    const evidence = entries.map((e) => ev(e, { result: e.name === 'api' ? 'failure' : 'success' }));
    const r = evaluateReadiness({
      entries,
      evidence,
      checks: null,
      phases: ['pre-deployment'],
      source: 'master',
      target: 'prod',
    });
    expect(r.summary).toBe('3 of 4 entries ready; 1 failing: api (code_vulnerability_scan failed)');
    expect(r.ready).toBe(false);
  });

  it('is ready with nothing to check when there are no entries', () => {
    for (const checks of [null, oneRule('required')]) {
      const r = run([], checks, { entries: [] });
      expect(r).toMatchObject({
        ready: true,
        entries: [],
        warnings: [],
        summary: 'nothing to check: no entries',
      });
      expect(r.mode).toBe(checks ? 'config' : 'default');
    }
  });
});

describe('evidenceForEntry', () => {
  it('finds evidence on the artifact, on the commit (tolerant repo URL) or in the CI run', () => {
    const e = entry('api', { repositoryUrl: 'https://github.com/acme/api.git', commitSha: sha('a') });
    const base = ev(e);
    const with_ = (assets: string[], pipelineRunId: string | null = null) => ({
      ...base,
      assets,
      pipelineRunId,
    });
    const found = (x: Evidence) => evidenceForEntry(e, [x]).length === 1;
    expect(found(with_([e.artifact]))).toBe(true);
    expect(found(with_([`https://GitHub.com/acme/api/#${sha('A')}`]))).toBe(true);
    expect(found(with_([`https://github.com/acme/api.git#${sha('a')}`]))).toBe(true);
    expect(found(with_([], 'run-api'))).toBe(true);
    expect(found(with_([`https://github.com/acme/api-other#${sha('a')}`]))).toBe(false);
    expect(found(with_([`https://github.com/acme/api#${sha('b')}`]))).toBe(false);
    expect(found(with_(['https://github.com/acme/api']))).toBe(false);
    expect(found(with_([`docker://icr.io/acme/api@sha256:${sha('e')}`], 'run-web'))).toBe(false);
  });

  it('normalises repository URLs: trailing .git and / ignored, host case-insensitive, path kept', () => {
    expect(normalizeRepoUrl('HTTPS://GitHub.COM/Acme/App.git/')).toBe('https://github.com/Acme/App');
    expect(normalizeRepoUrl('https://github.com/acme/app')).toBe('https://github.com/acme/app');
  });
});

describe('latestPerTypeAndTool', () => {
  it('keeps one evidence per type and tool, the latest by date then id', () => {
    const e = entry('api');
    const a = ev(e, { id: 'a', evidenceTypeId: 'unit_tests', tool: 'jest', date: 1 });
    const b = ev(e, { id: 'b', evidenceTypeId: 'unit_tests', tool: 'jest', date: 2 });
    const c = ev(e, { id: 'c', evidenceTypeId: 'unit_tests', tool: 'mocha', date: 1 });
    const d = ev(e, { id: 'd', evidenceTypeId: 'static_scan', tool: 'jest', date: 2 });
    const d2 = ev(e, { id: 'e', evidenceTypeId: 'static_scan', tool: 'jest', date: 2 });
    expect(latestPerTypeAndTool([b, a, c, d2, d]).map((x) => x.id)).toEqual(['e', 'b', 'c']);
  });
});
