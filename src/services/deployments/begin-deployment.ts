import type { ChangeRequest } from '../../domain/change-request.js';
import { validateChangeCreate } from '../../domain/change-request-input.js';
import { computeDelta } from '../../domain/delta.js';
import {
  type AutoApprovalDecision,
  type DeploymentRun,
  deploymentFingerprint,
  deploymentTitle,
  type Stage,
} from '../../domain/deployment.js';
import { deltaSummary, deploymentBom } from '../../domain/deployment-documents.js';
import { AppError } from '../../domain/errors.js';
import { regionLatestLabel } from '../../domain/inventory.js';
import { emergencyLabel, type Promotion } from '../../domain/promotion.js';
import type { Readiness } from '../../domain/readiness.js';
import { deploymentRegion } from '../../domain/tenant-config.js';
import { nonNegativeInt, slug, text } from '../../domain/validate.js';
import { insertComment } from '../../store/change-activity.js';
import { inTransaction } from '../../store/database.js';
import { insertRun, runsForChangeRequest } from '../../store/deployment-runs.js';
import { listLabels, setLabel } from '../../store/inventory.js';
import { lastPromotion } from '../../store/promotions.js';
import { decidePipelineApproval } from '../approvals/pipeline-approval.js';
import { insertNewChangeRequest } from '../changes/insert-new-change-request.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { loadSuppliedChangeRequest, pipelineDescription } from './deployment-change-request.js';
import { checkDeploymentFreeze } from './deployment-freeze.js';
import { passGate } from './deployment-gate.js';
import { flag, lockTtlMs, pipelineRunIdOf } from './deployment-input.js';

import {
  acquireLock,
  assessReadiness,
  attachDocument,
  type DeploymentView,
  deploymentView,
  recordRunEvent,
  requireEnvironment,
  requireRevision,
  revisionEntries,
  saveRunState,
  timed,
} from './deployment-support.js';

export interface BeginDeploymentInput {
  environment: unknown;
  region?: unknown;
  changeRequestId?: unknown;
  emergency?: unknown;
  forceRedeploy?: unknown;
  outageMinutes?: unknown;
  pipelineRunId?: unknown;
  lockTtlSeconds?: unknown;
}

/**
 * Steps 1–3 of DESIGN.md §5: lock the environment, read the last promotion and compute the delta,
 * prepare or adopt the CR (standard, fast path or manual), attach its documents, and pass the gate
 * (into `implement`) or stop there awaiting approval. One transaction: a crash leaves nothing half-made.
 */
export async function beginDeployment(
  deps: ServiceDeps,
  actor: Actor,
  input: BeginDeploymentInput,
): Promise<DeploymentView> {
  const environment = slug('environment', input.environment);
  const supplied =
    input.changeRequestId === undefined ||
    input.changeRequestId === null ||
    input.changeRequestId === '' ||
    input.changeRequestId === 'notAvailable'
      ? null
      : text('changeRequestId', input.changeRequestId, { min: 1, max: 64 });
  const emergency = flag('emergency', input.emergency);
  const forceRedeploy = flag('forceRedeploy', input.forceRedeploy);
  const outageMinutes =
    input.outageMinutes === undefined ? 0 : nonNegativeInt('outageMinutes', input.outageMinutes, 100_000);
  const pipelineRunId = pipelineRunIdOf(input.pipelineRunId);
  const ttlMs = lockTtlMs(input.lockTtlSeconds);

  return inTransaction(deps.db, async (tx) => {
    const stages: Stage[] = [];
    const env = await requireEnvironment(tx, actor, environment);
    const region = deploymentRegion(env, typeof input.region === 'string' ? input.region : null);
    const { config } = await loadTenantConfig(tx, actor.tenantId);
    const runId = deps.newId();

    const suppliedCr =
      supplied === null ? null : await loadSuppliedChangeRequest(tx, deps, actor, supplied, environment);
    const earlier = suppliedCr ? await runsForChangeRequest(tx, actor.tenantId, suppliedCr.id) : [];
    const creator = earlier.find((r) => r.createdChangeRequest);
    // A full rollback's CR, supplied again (its run was interrupted), continues that rollback: same
    // revision, not the last promotion.
    const rollbackToContinue =
      creator?.flow === 'rollback' && creator.environment === environment && creator.region === region
        ? creator
        : null;

    // 1. Target
    const target = await timed(
      stages,
      'target',
      async () => {
        const promotion = rollbackToContinue ? null : await lastPromotion(tx, actor.tenantId, environment);
        if (!promotion && !rollbackToContinue) {
          throw new AppError(
            'invalid_input',
            `nothing has been promoted to '${environment}' yet; promote first: changegate promote --source master --target ${environment} --priority … --assignee … --customer-impact … --deployment-impact …`,
            { field: 'environment' },
          );
        }
        await acquireLock(tx, deps, actor, { environment, region, runId, ttlMs }, async (holder) => {
          // A rerun with the CR of an interrupted run takes its place.
          const held = earlier.find((r) => r.id === holder);
          return held !== undefined;
        });
        const revision = await requireRevision(
          tx,
          actor,
          rollbackToContinue
            ? rollbackToContinue.targetRevisionId
            : (promotion as Promotion).targetRevisionId,
        );
        const [latest] = await listLabels(
          tx,
          actor.tenantId,
          environment,
          regionLatestLabel(environment, region),
        );
        const base = latest ? await requireRevision(tx, actor, latest.revisionId) : null;
        await checkDeploymentFreeze(tx, deps, actor, {
          environment,
          revision,
          base,
          changeRequest: suppliedCr,
          emergency:
            emergency ||
            (promotion?.labels.includes(emergencyLabel) ?? false) ||
            rollbackToContinue !== null ||
            suppliedCr?.type === 'emergency',
        });
        await setLabel(tx, actor.tenantId, {
          environment,
          label: pipelineRunId,
          revisionId: revision.id,
          updatedBy: actor.name,
          updatedAt: deps.now(),
        });
        return { promotion, revision, base };
      },
      (t) =>
        `${environment}/${region} revision ${t.revision.seq}${t.base ? ` (deployed: ${t.base.seq})` : ' (first deployment)'}`,
    );

    const fingerprint = deploymentFingerprint(environment, region, target.revision.id);
    const promoted =
      target.promotion ??
      ({ labels: [], source: rollbackToContinue?.options.source ?? 'master' } as unknown as Promotion);
    const fastPath =
      suppliedCr !== null &&
      suppliedCr.pipelineRunId !== null &&
      suppliedCr.targetFingerprint === fingerprint &&
      creator !== undefined;
    const isEmergency = emergency || promoted.labels.includes(emergencyLabel) || rollbackToContinue !== null;

    // 2. Change request
    const prepared = await timed(
      stages,
      'change_request',
      async () => {
        if (fastPath && creator) {
          return {
            cr: suppliedCr as ChangeRequest,
            delta: creator.delta,
            readiness: creator.readiness as Readiness,
            autoApproval: null,
            created: false,
          };
        }
        const targetEntries = await revisionEntries(tx, actor, target.revision);
        const baseEntries = target.base ? await revisionEntries(tx, actor, target.base) : null;
        const delta = computeDelta(targetEntries, baseEntries);
        if (delta.length === 0 && suppliedCr === null && !forceRedeploy) {
          throw new AppError(
            'invalid_input',
            `nothing to deploy: ${environment}/${region} already runs revision ${target.revision.seq} of its last promotion; pass --force-redeploy to deploy it again, or --change-request-id with an approved CR`,
            { field: 'environment' },
          );
        }
        const names = new Set(delta.map((d) => d.name));
        const checked = delta.length === 0 ? targetEntries : targetEntries.filter((e) => names.has(e.name));
        const readiness = await assessReadiness(tx, actor, {
          entries: checked,
          config,
          phases: ['pre-deployment'],
          source: promoted.source,
          target: environment,
        });
        const documentTarget = {
          environment,
          region,
          revision: { id: target.revision.id, seq: target.revision.seq },
          pipelineRunId,
        };
        let cr = suppliedCr;
        let autoApproval: AutoApprovalDecision | null = null;
        if (cr === null) {
          const fields = promoted.fields;
          const valid = validateChangeCreate({
            type: isEmergency ? 'emergency' : 'normal',
            title: deploymentTitle(environment, region, delta),
            environment,
            region: region === 'default' ? undefined : region,
            ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
            description: pipelineDescription(fields.description, delta, readiness, pipelineRunId),
            outageMinutes,
            // The promotion's labels (emergency, privileged-access …) are what approval rules match on.
            labels: promoted.labels,
            // The components it changes are the delta's entries (all of them on a forced redeploy).
            components: delta.length > 0 ? [...names] : checked.map((e) => e.name),
          });
          // Created requested, then decided with its effective risk and the approval policy: approved
          // automatically, or sent to its approval chain (docs/approval-policy.md).
          const requested = await insertNewChangeRequest(
            tx,
            deps,
            actor,
            valid,
            { deploymentReady: readiness.ready, targetFingerprint: fingerprint, pipelineRunId },
            { state: 'authorize', approval: 'requested' },
          );
          const decided = await decidePipelineApproval(tx, deps, actor, requested, {
            ready: readiness.ready,
            outageMinutes,
            maxRisk: config.autoApproval.maxRisk,
          });
          cr = decided.cr;
          autoApproval = decided.autoApproval;
          await insertComment(tx, actor.tenantId, {
            id: deps.newId(),
            changeRequestId: cr.id,
            author: actor.name,
            body: `${autoApproval.approved ? 'Approved automatically' : 'Sent for approval'} by the pipeline (run ${pipelineRunId}):\n- ${autoApproval.reasons.join('\n- ')}`,
            createdAt: deps.now(),
          });
        }
        // The CR number names the revision it deploys (a manual CR's too).
        await setLabel(tx, actor.tenantId, {
          environment,
          label: cr.number,
          revisionId: target.revision.id,
          updatedBy: actor.name,
          updatedAt: deps.now(),
        });
        await attachDocument(
          tx,
          deps,
          actor,
          cr,
          'deployment_bom',
          'deployment-bom.json',
          deploymentBom(documentTarget, checked),
        );
        await attachDocument(
          tx,
          deps,
          actor,
          cr,
          'delta_summary',
          'delta-summary.json',
          deltaSummary(documentTarget, delta, readiness),
        );
        if (config.evidenceChecks)
          await attachDocument(
            tx,
            deps,
            actor,
            cr,
            'evidence_checks_config',
            'evidence-checks.json',
            config.evidenceChecks.document,
          );
        if (config.complianceProfile)
          await attachDocument(
            tx,
            deps,
            actor,
            cr,
            'compliance_profile',
            `${config.complianceProfile.name}.json`,
            config.complianceProfile.document,
          );
        return { cr, delta, readiness, autoApproval, created: suppliedCr === null };
      },
      (p) =>
        `${p.cr.number} (${p.created ? (p.autoApproval?.approved ? 'created approved' : 'created, approval requested') : fastPath ? 'fast path: delta and evidence summary reused' : 'supplied CR: delta and summary recomputed'})`,
    );

    // Superseded runs of the same CR (waiting at the gate, or interrupted) are closed off.
    const superseded: string[] = [];
    for (const old of earlier) {
      if (old.phase !== 'finished' && old.phase !== 'abandoned') {
        await saveRunState(tx, deps, actor, { ...old, phase: 'abandoned' });
        superseded.push(old.id);
      }
    }

    let run: DeploymentRun = {
      id: runId,
      pipelineRunId,
      environment,
      region,
      flow: rollbackToContinue
        ? 'rollback'
        : suppliedCr === null
          ? isEmergency
            ? 'emergency'
            : 'standard'
          : fastPath
            ? 'fast_path'
            : 'manual',
      phase: 'cleared',
      status: null,
      changeRequestId: prepared.cr.id,
      createdChangeRequest: prepared.created,
      promotionId: target.promotion?.id ?? null,
      targetRevisionId: target.revision.id,
      baseRevisionId: target.base?.id ?? null,
      delta: prepared.delta,
      readiness: prepared.readiness,
      stages,
      options: {
        emergency: isEmergency,
        forceRedeploy,
        outageMinutes,
        suppliedChangeRequest: supplied,
        source: promoted.source,
        autoApproval: prepared.autoApproval,
      },
      createdBy: actor.name,
      startedAt: deps.now(),
      updatedAt: deps.now(),
      finishedAt: null,
    };
    await insertRun(tx, actor.tenantId, run);
    await recordRunEvent(tx, deps, actor, 'deployment.started', run, prepared.cr.number, {
      targetRevisionId: run.targetRevisionId,
      supersededRuns: superseded,
    });

    // 3. Gate (and into implement when it opens); the fast path reused the evidence check of an earlier
    // run, so the gate makes its own.
    run = await passGate(tx, deps, actor, run, prepared.cr, fastPath ? undefined : prepared.readiness);
    return deploymentView(tx, actor, run);
  });
}
