import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EvidenceDto } from '../../src/api/pipeline-schemas.js';
import type { ChangeRequestDto } from '../../src/api/schemas.js';
import { assertBuilt, cliPath } from '../support/cli-process.js';
import {
  build,
  changeRequest,
  changeRequestCount,
  createWorld,
  deploy,
  downloadJson,
  labels,
  type PipelineWorld,
  people,
  pipelineModes,
  policyWithChecks,
  recordBuild,
  recordEvidence,
  runDeploy,
  sbomFixture,
  ship,
  stateHistory,
  steps,
} from '../support/pipeline-fixture.js';

/**
 * The CD flows of seed 000 (standard, not ready → approval → rerun, manual CR, emergency) through the
 * built CLI, on SQLite, on PostgreSQL and against a server. Each test deploys to its own environment
 * with its own components, so the tests of one world do not see each other's deltas.
 */

// Each test runs a dozen CLI processes; two cores shared with the rest of the suite.
// The CLI under test must be built from the current sources.
beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const environments = `
  - name: prod
    purpose: production
    detail: EU cluster
    rollbackEnabled: true
  - name: prod-gated
    purpose: production
  - name: prod-manual
    purpose: production
  - name: prod-emergency
    purpose: production
  - name: stage-emergency
    purpose: pre_prod`;

const allDocuments = [
  'closing_summary',
  'compliance_profile',
  'delta_summary',
  'deployment_bom',
  'evidence_checks_config',
  'merged_sbom',
];

interface Component {
  name: string;
  version?: string;
  'bom-ref'?: string;
}

describe.each(pipelineModes())('CD flows (%s)', (mode) => {
  let w: PipelineWorld;

  beforeAll(async () => {
    w = await createWorld(mode, 'flows', policyWithChecks(environments));
  });
  afterAll(async () => {
    await w?.close();
  });

  it('auto-approves a ready standard deployment, closes it successful and attaches real documents', async () => {
    const api = build('std-api', '1.4.0');
    const worker = build('std-worker', '2.0.1');
    await recordBuild(w, api, ['--sbom', sbomFixture('svc-api.cdx-1.5.json')]);
    await recordBuild(w, worker, ['--sbom', sbomFixture('svc-worker.cdx-1.6.json')]);
    await recordEvidence(w, api, 'success');
    await recordEvidence(w, worker, 'success');
    await w.json(['promote', '--target', 'prod', '--include', 'std-*', ...crFieldsFor('moderate')]);

    const run = await deploy(w, 'prod', [...steps.ok, '--pipeline-run-id', 'cd-std-1']);
    expect(run.code, run.stderr).toBe(0);
    const number = run.doc.changeRequest.number;
    expect(run.doc).toMatchObject({
      pipelineRunId: 'cd-std-1',
      environment: 'prod',
      region: 'default',
      flow: 'standard',
      deploymentReady: true,
      status: 'successful_deployment',
      changeRequest: { state: 'closed', approval: 'approved', closeCategory: 'successful', type: 'normal' },
      autoApproval: { approved: true },
      rejection: null,
      obligations: [],
    });
    expect(run.doc.delta).toEqual([
      { name: 'std-api', change: 'added', fromVersion: null, toVersion: '1.4.0' },
      { name: 'std-worker', change: 'added', fromVersion: null, toVersion: '2.0.1' },
    ]);
    expect(run.doc.stages.map((s) => `${s.name}:${s.status}`)).toEqual([
      'target:success',
      'change_request:success',
      'gate:success',
      'deploy:success',
      'acceptance:success',
      'close:success',
    ]);
    expect([...run.doc.attachments].sort()).toEqual(allDocuments);
    // The steps' output goes to stderr, so stdout stays one JSON document.
    expect(run.stderr).toContain('deploying');

    const cr = await changeRequest(w, number);
    expect(cr).toMatchObject({
      environment: 'prod',
      targetEnvironmentPurpose: 'production',
      targetEnvironmentDetail: 'EU cluster',
      priority: 'moderate',
      risk: 'moderate',
      assignee: 'dev@example.com',
      customerImpact: 'low',
      deploymentImpact: 'small',
      outageMinutes: 0,
      deploymentReady: true,
      pipelineRunId: 'cd-std-1',
      requestedBy: people.pipeline,
      implementedBy: people.pipeline,
    });
    expect(cr.approvals.map((a) => `${a.approver}:${a.decision}`)).toEqual([
      'changegate:auto-approval:approved',
    ]);
    // Created requested, then approved by the policy decision (docs/approval-policy.md), then deployed.
    expect(await stateHistory(w, number)).toEqual([
      'authorize',
      'scheduled',
      'implement',
      'review',
      'closed',
    ]);

    const l = await labels(w, 'prod');
    expect(l['cd-std-1']).toBeGreaterThan(0);
    expect(l[number]).toBe(l['cd-std-1']);
    expect(l.prod_latest).toBe(l['cd-std-1']);

    // The acceptance step is CD-scope evidence, collected in the target environment.
    const acceptance = await w.json<EvidenceDto[]>([
      'evidence',
      'list',
      '--type',
      'acceptance_tests',
      '--env',
      'prod',
    ]);
    expect(acceptance.filter((e) => e.pipelineRunId === 'cd-std-1')).toEqual([
      expect.objectContaining({
        result: 'success',
        environment: 'prod',
        assets: expect.arrayContaining([api.artifact, worker.artifact]),
      }),
    ]);

    const sbom = await downloadJson<{ bomFormat: string; specVersion: string; components: Component[] }>(
      w,
      number,
      'merged_sbom',
    );
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX' });
    const components = sbom.components.map((c) => `${c.name}@${c.version}`);
    expect(components).toEqual(
      expect.arrayContaining([
        'std-api@1.4.0',
        'std-worker@2.0.1',
        'yaml@2.9.1',
        'ulid@3.0.2',
        'ajv@6.15.0',
        'ajv-formats@3.0.1',
      ]),
    );
    // Both SBOMs contain ajv@8.20.0: merged, it is there once.
    expect(components.filter((c) => c === 'ajv@8.20.0')).toHaveLength(1);

    const summary = await downloadJson<{
      deploymentReady: boolean;
      delta: { name: string; toVersion: string; ready: boolean; checks: { status: string }[] }[];
    }>(w, number, 'delta_summary');
    expect(summary.deploymentReady).toBe(true);
    expect(summary.delta.map((d) => `${d.name}@${d.toVersion}:${d.ready}`)).toEqual([
      'std-api@1.4.0:true',
      'std-worker@2.0.1:true',
    ]);
    expect(summary.delta[0]?.checks.map((c) => c.status)).toEqual(['pass']);

    const bom = await downloadJson<{ entries: { name: string; digest: string; commitSha: string }[] }>(
      w,
      number,
      'deployment_bom',
    );
    expect(bom.entries).toEqual([
      expect.objectContaining({ name: 'std-api', digest: `sha256:${api.sha256}`, commitSha: api.commitSha }),
      expect.objectContaining({
        name: 'std-worker',
        digest: `sha256:${worker.sha256}`,
        commitSha: worker.commitSha,
      }),
    ]);

    const closing = await downloadJson<{
      outcome: string;
      deploymentReady: boolean;
      entries: { name: string; evidence: { evidenceTypeId: string; result: string }[] }[];
    }>(w, number, 'closing_summary');
    expect(closing).toMatchObject({ outcome: 'deployed', deploymentReady: true });
    for (const entry of closing.entries)
      expect(entry.evidence.map((e) => `${e.evidenceTypeId}:${e.result}`).sort()).toEqual([
        'acceptance_tests:success',
        'unit_tests:success',
      ]);

    expect(await downloadJson(w, number, 'evidence_checks_config')).toMatchObject({
      version: '2.0',
      'pre-deployment': [expect.objectContaining({ evidence_type_id: 'com.ibm.unit_tests' })],
    });
    expect(await downloadJson(w, number, 'compliance_profile')).toEqual({
      profile: 'SOC 2 baseline',
      controls: ['CC6.1', 'CC7.2', 'CC8.1'],
    });
  });

  it('stops a not-ready deployment at the gate with exit 3 and the rerun command, then finishes it on the fast path as successful_with_issues', async () => {
    const b = build('gated-api', '3.0.0');
    await ship(w, 'prod-gated', [b], { evidence: 'failure' });
    const before = await changeRequestCount(w);
    const args = [
      'deploy',
      '--env',
      'prod-gated',
      '--deploy-cmd',
      'echo deploying gated-api',
      '--acceptance-cmd',
      'echo accepted',
    ];

    const first = await runDeploy(w, args);
    expect(first.code, first.stderr).toBe(3);
    const number = first.doc.changeRequest.number;
    expect(first.doc).toMatchObject({
      flow: 'standard',
      deploymentReady: false,
      status: 'awaiting_approval',
      changeRequest: { state: 'authorize', approval: 'requested', closeCategory: null, type: 'normal' },
      autoApproval: { approved: false },
    });
    expect(first.doc.autoApproval?.reasons).toContain('deployment ready: no (evidence checks did not pass)');
    expect(first.doc.stages.map((s) => s.name)).toEqual(['target', 'change_request', 'gate']);
    expect(first.stderr).not.toContain('▸ deploy');
    expect(await changeRequestCount(w)).toBe(before + 1);
    const rerun = `changegate deploy --env prod-gated --deploy-cmd 'echo deploying gated-api' --acceptance-cmd 'echo accepted' --change-request-id ${number}`;
    expect(first.stderr).toContain(`${number} awaits approval`);
    expect(first.stderr.split('\n').map((line) => line.trim())).toContain(rerun);

    // The Delta Summary says why it is not ready.
    const summary = await downloadJson<{
      deploymentReady: boolean;
      delta: { name: string; ready: boolean; checks: { status: string; reason: string }[] }[];
    }>(w, number, 'delta_summary');
    expect(summary.deploymentReady).toBe(false);
    expect(summary.delta[0]).toMatchObject({ name: 'gated-api', ready: false });
    expect(summary.delta[0]?.checks[0]).toMatchObject({ status: 'fail' });
    expect(summary.delta[0]?.checks[0]?.reason).toMatch(/unit_tests.*failed/);

    // Rerun before anyone decided: still waiting, on the same CR.
    const early = await runDeploy(w, [...args, '--change-request-id', number]);
    expect(early.code, early.stderr).toBe(3);
    expect(early.doc.changeRequest.number).toBe(number);
    // The pipeline that requested the change cannot approve it.
    expect((await w.cli(['cr', 'approve', number, '--comment', 'self'])).code).toBe(2);

    const approved = await w.json<ChangeRequestDto>(
      ['cr', 'approve', number, '--comment', 'known flaky test, accepted'],
      people.approver,
    );
    expect(approved).toMatchObject({ approval: 'approved', state: 'scheduled' });

    // The command printed at the gate, run as printed.
    const second = await w.shell(`${rerun} --json`);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      flow: 'fast_path',
      deploymentReady: false,
      status: 'successful_deployment',
      changeRequest: {
        number,
        state: 'closed',
        approval: 'approved',
        closeCategory: 'successful_with_issues',
      },
    });
    expect(second.stderr).toContain('▸ deploy: echo deploying gated-api');
    expect(await changeRequestCount(w)).toBe(before + 1);
    const cr = await changeRequest(w, number);
    expect(cr.closeNotes).toMatch(/readiness at closure: 0 of 1 entry ready/);
    expect(cr.approvals.map((a) => `${a.approver}:${a.decision}`)).toEqual([`${people.approver}:approved`]);
    expect([...cr.attachments.map((a) => a.kind)].sort()).toEqual(allDocuments);
    const l = await labels(w, 'prod-gated');
    expect(l['prod-gated_latest']).toBe(l[number]);
  });

  it('deploys under a manual change request without creating one, attaches the documents and leaves it open in review', async () => {
    const b = build('manual-api', '5.1.0');
    await ship(w, 'prod-manual', [b]);
    const created = await w.json<ChangeRequestDto>(
      [
        'cr',
        'create',
        '--title',
        'Maintenance window for manual-api',
        '--environment',
        'prod-manual',
        '--priority',
        'high',
        '--assignee',
        'ops@example.com',
        '--customer-impact',
        'moderate',
        '--deployment-impact',
        'large',
        '--outage-minutes',
        '30',
        '--backout-plan',
        'redeploy 5.0.0',
      ],
      people.manager,
    );
    await w.json(['cr', 'request-approval', created.number], people.manager);
    await w.json(['cr', 'approve', created.number, '--comment', 'window agreed'], people.approver);
    const before = await changeRequestCount(w);

    const run = await deploy(w, 'prod-manual', [
      ...steps.ok,
      '--change-request-id',
      created.number,
      '--pipeline-run-id',
      `cd-manual-${mode}`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.doc).toMatchObject({
      flow: 'manual',
      status: 'successful_deployment',
      deploymentReady: true,
      changeRequest: { number: created.number, approval: 'approved', closeCategory: null, type: 'normal' },
    });
    // Open for its owner to close: in review, without a close category.
    expect(run.doc.changeRequest.state).toBe('review');
    expect(run.doc.delta.map((d) => d.name)).toEqual(['manual-api']);
    expect(await changeRequestCount(w)).toBe(before);

    const cr = await changeRequest(w, created.number);
    expect(cr).toMatchObject({
      state: 'review',
      closeCategory: null,
      closedAt: null,
      title: 'Maintenance window for manual-api',
      priority: 'high',
      outageMinutes: 30,
      requestedBy: people.manager,
    });
    expect([...cr.attachments.map((a) => a.kind)].sort()).toEqual(allDocuments);
    const summary = await downloadJson<{ delta: { name: string; toVersion: string }[] }>(
      w,
      created.number,
      'delta_summary',
    );
    expect(summary.delta.map((d) => `${d.name}@${d.toVersion}`)).toEqual(['manual-api@5.1.0']);
    const l = await labels(w, 'prod-manual');
    expect(l['prod-manual_latest']).toBe(l[`cd-manual-${mode}`]);
    expect(l[created.number]).toBe(l['prod-manual_latest']);

    // Its approval covered this deployment, not the next change: reusing it is refused.
    await ship(w, 'prod-manual', [build('manual-api', '5.2.0')]);
    const reuse = await w.cli([
      'deploy',
      '--env',
      'prod-manual',
      ...steps.ok,
      '--change-request-id',
      created.number,
    ]);
    expect(reuse.code).toBe(2);
    expect(reuse.stderr).toContain(`${created.number} is in review`);
    expect(reuse.stderr).not.toContain('▸ deploy');
  });

  it('deploys an --emergency change without waiting though not ready, closes it with issues and owes the follow-ups until approved retrospectively', async () => {
    const b = build('emergency-api', '1.0.1');
    await ship(w, 'prod-emergency', [b], { evidence: 'failure' });
    const run = await deploy(w, 'prod-emergency', [...steps.ok, '--emergency']);
    expect(run.code, run.stderr).toBe(0);
    const number = run.doc.changeRequest.number;
    expect(run.doc).toMatchObject({
      flow: 'emergency',
      deploymentReady: false,
      status: 'successful_deployment',
      changeRequest: {
        type: 'emergency',
        state: 'closed',
        approval: 'retro_pending',
        closeCategory: 'successful_with_issues',
      },
    });
    expect(run.doc.stages.find((s) => s.name === 'gate')?.detail).toMatch(/emergency/);
    const open = ['evidence_remediation:open', 'retrospective_approval:open', 'root_cause_analysis:open'];
    expect(run.doc.obligations.map((o) => `${o.kind}:${o.state}`).sort()).toEqual(open);
    const cr = await changeRequest(w, number);
    expect(cr.obligations.map((o) => `${o.kind}:${o.state}`).sort()).toEqual(open);
    expect((await labels(w, 'prod-emergency'))['prod-emergency_latest']).toBeGreaterThan(0);

    const approved = await w.json<ChangeRequestDto>(
      ['cr', 'approve', number, '--comment', 'reviewed after the incident'],
      people.approver,
    );
    expect(approved).toMatchObject({ approval: 'approved', state: 'closed' });
    const after = await changeRequest(w, number);
    expect(after.obligations.find((o) => o.kind === 'retrospective_approval')).toMatchObject({
      state: 'done',
      completedBy: people.approver,
    });
    expect(
      after.obligations
        .filter((o) => o.state === 'open')
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['evidence_remediation', 'root_cause_analysis']);

    // The other follow-ups are ticked off by people; the retrospective approval only by approving.
    await w.json(['cr', 'follow-up', number, 'root_cause_analysis', '--note', 'RCA-42'], people.manager);
    const retro = await w.cli(['cr', 'follow-up', number, 'retrospective_approval'], people.manager);
    expect(retro.code).toBe(2);
    expect(
      (await changeRequest(w, number)).obligations.filter((o) => o.state === 'open').map((o) => o.kind),
    ).toEqual(['evidence_remediation']);
  });

  it('treats the emergency promotion label like --emergency, and closes successful when the evidence is fixed before closure', async () => {
    const b = build('label-api', '2.2.2');
    await ship(w, 'stage-emergency', [b], { evidence: 'failure', promote: ['--label', 'emergency'] });
    // The deploy step fixes the failing evidence (a rebuilt test run), so readiness holds at closure.
    // Steps do not inherit changegate's token; this one is given its own (remote mode only).
    const remediate = [
      'CHANGEGATE_TOKEN="$STEP_TOKEN"',
      `'${process.execPath}'`,
      `'${cliPath}'`,
      'evidence add --type unit_tests --result success --tool jest --asset',
      `'${b.commitAsset}'`,
    ].join(' ');
    const run = await runDeploy(
      w,
      ['deploy', '--env', 'stage-emergency', '--deploy-cmd', remediate, '--acceptance-cmd', 'true'],
      people.pipeline,
      { STEP_TOKEN: w.env().CHANGEGATE_TOKEN ?? '' },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.doc).toMatchObject({
      flow: 'emergency',
      deploymentReady: false,
      status: 'successful_deployment',
      changeRequest: {
        type: 'emergency',
        state: 'closed',
        approval: 'retro_pending',
        closeCategory: 'successful',
      },
    });
    expect(run.doc.obligations.map((o) => `${o.kind}:${o.state}`).sort()).toEqual([
      'retrospective_approval:open',
      'root_cause_analysis:open',
    ]);
  });
});

function crFieldsFor(risk: string): string[] {
  return [
    '--priority',
    'moderate',
    '--assignee',
    'dev@example.com',
    '--customer-impact',
    'low',
    '--deployment-impact',
    'small',
    '--risk',
    risk,
  ];
}
