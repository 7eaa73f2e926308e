import type { DeploymentDto } from '../../api/pipeline-schemas.js';
import type { ChangegateApi } from '../../client/changegate-api.js';
import { executeDeployment, executeRollback, type Reporter } from '../../pipeline/deploy-executor.js';
import { unitTestsEvidenceCheck } from './demo-evidence.js';

/** Who does what in the demo: the pipeline deploys, a person approves (separation of duties). */
export interface DemoActors {
  pipeline: ChangegateApi;
  approver: ChangegateApi;
}

export interface DemoStep {
  flow: string;
  what: string;
  deployment: DeploymentDto | null;
  outcome: string;
}

const sha = (n: number) => n.toString(16).padStart(40, 'a').slice(-40);

function sbom(name: string, version: string, libs: [string, string][]) {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name, version, 'bom-ref': `${name}@${version}` } },
    components: libs.map(([lib, v]) => ({
      type: 'library',
      name: lib,
      version: v,
      purl: `pkg:npm/${lib}@${v}`,
      'bom-ref': `pkg:npm/${lib}@${v}`,
    })),
  };
}

const evidenceChecks = {
  version: '2.0',
  'pre-deployment': [
    unitTestsEvidenceCheck,
    {
      evidence_type_id: 'code_vulnerability_scan',
      rules: [
        {
          asset_type: 'image',
          source_environments: [{ name: 'ci-pipeline' }],
          target_environments: [{ name: 'prod' }],
          required: [{ name: 'tool', values: ['*'] }],
        },
      ],
    },
  ],
  'post-deployment': [
    {
      evidence_type_id: 'acceptance_tests',
      rules: [
        {
          asset_type: 'image',
          source_environments: [{ name: '$target' }],
          target_environments: [{ name: '$target' }],
          required: [{ name: 'tool', values: ['*'] }],
        },
      ],
    },
  ],
};

/**
 * Every CD flow of seed 000, in order, on whatever database the ports point at: standard with
 * auto-approval, not approved then approved and rerun (fast path), waiting for approval, inline rollback,
 * emergency fix-forward with its retrospective approval, a manual CR, and a full rollback.
 */
export async function runDemoStory(
  actors: DemoActors,
  reporter: Reporter,
  step: (s: DemoStep) => void,
): Promise<void> {
  const { pipeline, approver } = actors;
  let build = 0;
  const ship = async (
    name: string,
    version: string,
    scan: 'success' | 'failure',
    options: { ciStatus?: 'failure'; skip?: string } = {},
  ) => {
    build++;
    const artifact = `docker://registry.example/${name}@sha256:${sha(build).padEnd(64, '0')}`;
    const added = await pipeline.addInventory({
      ...(options.ciStatus ? { ciStatus: options.ciStatus } : {}),
      ...(options.skip !== undefined ? { skipInventoryUpdateOnFailure: options.skip } : {}),
      entries: [
        {
          name,
          version,
          artifact,
          commitSha: sha(build),
          repositoryUrl: `https://git.example/acme/${name}`,
          pipelineRunId: `ci-${build}`,
          sbom: sbom(name, version, [
            ['express', '4.21.2'],
            [`${name}-lib`, version],
          ]),
        },
      ],
    });
    await pipeline.addEvidence({
      evidenceTypeId: 'unit_tests',
      result: 'success',
      tool: 'vitest',
      assets: [`https://git.example/acme/${name}#${sha(build)}`],
      pipelineRunId: `ci-${build}`,
    });
    await pipeline.addEvidence({
      evidenceTypeId: 'code_vulnerability_scan',
      result: scan,
      tool: 'trivy',
      assets: [artifact],
      pipelineRunId: `ci-${build}`,
      ...(scan === 'failure' ? { findings: [{ id: 'CVE-2026-0001', severity: 'high' }] } : {}),
    });
    return added;
  };
  const promote = (labels: string[] = [], risk = 'low') =>
    pipeline.promote({
      target: 'prod',
      labels,
      fields: {
        priority: 'moderate',
        assignee: 'dev@example.com',
        customerImpact: 'low',
        deploymentImpact: 'small',
        risk,
        description: 'Demo release',
        backoutPlan: 'Roll back to the previous revision',
      },
    });
  const deploy = (
    extra: Record<string, unknown>,
    commands: { deployCmd: string; acceptanceCmd: string; rollbackCmd?: string } = {
      deployCmd: 'true',
      acceptanceCmd: 'true',
      rollbackCmd: 'echo restoring previous revision',
    },
    waitMs = 0,
  ) => executeDeployment(pipeline, { environment: 'prod', ...extra }, commands, { waitMs }, reporter);
  const summary = (d: DeploymentDto) =>
    `${d.changeRequest.number} ${d.changeRequest.state}/${d.changeRequest.approval}${d.changeRequest.closeCategory ? ` ${d.changeRequest.closeCategory}` : ''} → ${d.status}`;

  await pipeline.applyConfig({
    document: {
      environments: [
        { name: 'staging', purpose: 'pre_prod' },
        { name: 'prod', purpose: 'production', detail: 'Demo production cluster', rollbackEnabled: true },
      ],
      autoApproval: { maxRisk: 'moderate' },
      evidenceChecks,
    },
  });
  step({
    flow: 'config',
    what: 'applied changegate.yaml: staging, prod (rollback on), evidence checks v2',
    deployment: null,
    outcome: 'config version 1',
  });

  await ship('api', '1.0.0', 'success');
  await ship('web', '1.0.0', 'success');
  await promote();
  const first = await deploy({ pipelineRunId: 'cd-1' });
  step({
    flow: 'standard',
    what: 'api 1.0.0 and web 1.0.0, all evidence passing: auto-approved',
    deployment: first,
    outcome: summary(first),
  });

  await ship('api', '1.1.0', 'failure');
  await promote();
  const blocked = await deploy({ pipelineRunId: 'cd-2' });
  step({
    flow: 'not approved',
    what: 'api 1.1.0 with a failing vulnerability scan: CR sent for approval, exit 3',
    deployment: blocked,
    outcome: summary(blocked),
  });
  await approver.decideApproval(
    blocked.changeRequest.number,
    'approved',
    'Accepted: CVE not reachable, fix planned',
  );
  const rerun = await deploy({ pipelineRunId: 'cd-2', changeRequestId: blocked.changeRequest.number });
  step({
    flow: 'fast path',
    what: 'approved by a person, rerun with --change-request-id: delta and summary reused',
    deployment: rerun,
    outcome: summary(rerun),
  });

  await ship('web', '1.1.0', 'success');
  await promote();
  const failed = await deploy(
    { pipelineRunId: 'cd-3' },
    {
      deployCmd: 'true',
      acceptanceCmd: 'echo "checkout flow broken" >&2; exit 1',
      rollbackCmd: 'echo "restored web 1.0.0"',
    },
  );
  step({
    flow: 'inline rollback',
    what: 'web 1.1.0 fails acceptance: rollback step runs, CR left in review',
    deployment: failed,
    outcome: summary(failed),
  });

  await ship('web', '1.1.1', 'failure', { ciStatus: 'failure', skip: '0' });
  await promote(['emergency'], 'high');
  const emergency = await deploy({ pipelineRunId: 'cd-4' });
  step({
    flow: 'emergency',
    what: 'hotfix web 1.1.1 (CI failed, recorded with skip off) with the emergency label: no wait',
    deployment: emergency,
    outcome: summary(emergency),
  });
  await approver.decideApproval(
    emergency.changeRequest.number,
    'approved',
    'Retrospective approval after the incident review',
  );
  const retro = await pipeline.getChangeRequest(emergency.changeRequest.number);
  step({
    flow: 'retrospective',
    what: 'approved afterwards: the retrospective obligation is done',
    deployment: null,
    outcome: `${retro.number} approval ${retro.approval}; follow-ups: ${retro.obligations.map((o) => `${o.kind} ${o.state}`).join(', ')}`,
  });

  const manual = await pipeline.createChangeRequest({
    title: 'Planned database maintenance with downtime',
    environment: 'prod',
    priority: 'moderate',
    assignee: 'dba@example.com',
    customerImpact: 'moderate',
    deploymentImpact: 'large',
    outageMinutes: 30,
  });
  await pipeline.requestApproval(manual.number);
  await approver.decideApproval(manual.number, 'approved', 'Maintenance window agreed with support');
  const manualRun = await deploy({
    pipelineRunId: 'cd-5',
    changeRequestId: manual.number,
    forceRedeploy: true,
  });
  step({
    flow: 'manual CR',
    what: 'a hand-made, approved CR with 30 minutes of downtime: attachments added, CR left open',
    deployment: manualRun,
    outcome: summary(manualRun),
  });

  const restore = await executeRollback(
    pipeline,
    { environment: 'prod', changeRequestId: rerun.changeRequest.number, limit: 3, pipelineRunId: 'cd-6' },
    { deployCmd: 'true', acceptanceCmd: 'true' },
    reporter,
  );
  step({
    flow: 'full rollback',
    what: `critical incident: prod returned to what ${rerun.changeRequest.number} deployed (new linked emergency CR)`,
    deployment: restore,
    outcome: summary(restore),
  });

  const verify = await pipeline.auditVerify();
  step({
    flow: 'audit',
    what: 'the hash-chained audit trail of all of the above',
    deployment: null,
    outcome: verify.ok ? `${verify.count} events, chain intact` : `chain broken: ${verify.firstBad?.message}`,
  });
}
