import {
  closeCategoryFor,
  type DeploymentRun,
  emergencyObligations,
  pipelineStatusOf,
  type StepStatus,
  stepStatuses,
} from '../../domain/deployment.js';
import type { DeploymentTarget } from '../../domain/deployment-documents.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Evidence } from '../../domain/evidence.js';
import { latestLabel, regionLatestLabel } from '../../domain/inventory.js';
import { oneOf } from '../../domain/validate.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { inTransaction } from '../../store/database.js';
import { findLock, recentRuns } from '../../store/deployment-runs.js';
import { setLabel } from '../../store/inventory.js';
import { insertObligation, listObligations } from '../../store/obligations.js';
import { recordAudit } from '../audit/record-audit.js';
import { applyChangeMutation } from '../changes/mutate-change-request.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { storeEvidence } from '../evidence/evidence-service.js';
import { requirePostIncidentReview } from '../reviews/require-review.js';
import { attachClosingDocuments, parseStages } from './closing-documents.js';
import {
  assessReadiness,
  attachDocument,
  type DeploymentView,
  deploymentView,
  recordRunEvent,
  releaseLock,
  requireEnvironment,
  requireRevision,
  resolveRun,
  revisionEntries,
  saveRunState,
} from './deployment-support.js';

export interface FinishDeploymentInput {
  deployStatus: unknown;
  acceptanceStatus?: unknown;
  rollbackStatus?: unknown;
  rollbackLogs?: unknown;
  /** Steps the caller ran and timed (deploy, acceptance, rollback), appended to the run's stages. */
  stages?: unknown;
}

const maxLogBytes = 5 * 1024 * 1024;

/**
 * Steps 5–6 of DESIGN.md §5, once the deploy and acceptance steps have run (here or in CI steps):
 * success attaches the Closing Summary and Merged SBOM, moves `<env>_latest` and closes the CR by
 * readiness at closure (a manual CR stays open); failure leaves the CR in review as unsuccessful, with
 * the rollback's logs and the reverted state's documents when rollback is enabled.
 */
export async function finishDeployment(
  deps: ServiceDeps,
  actor: Actor,
  runRef: string,
  input: FinishDeploymentInput,
): Promise<DeploymentView> {
  const deploy: StepStatus = oneOf('deployStatus', input.deployStatus, ['success', 'failure'] as const);
  const acceptance: StepStatus =
    input.acceptanceStatus === undefined
      ? 'not_run'
      : oneOf('acceptanceStatus', input.acceptanceStatus, stepStatuses);
  const rollback: StepStatus =
    input.rollbackStatus === undefined
      ? 'not_run'
      : oneOf('rollbackStatus', input.rollbackStatus, stepStatuses);
  if (deploy === 'failure' && acceptance !== 'not_run')
    throw new AppError(
      'invalid_input',
      'acceptanceStatus: acceptance tests do not run after a failed deploy step; leave it out or give not_run',
      { field: 'acceptanceStatus' },
    );
  const rollbackLogs =
    input.rollbackLogs === undefined || input.rollbackLogs === null ? null : String(input.rollbackLogs);
  if (rollbackLogs !== null && Buffer.byteLength(rollbackLogs) > maxLogBytes)
    throw new AppError(
      'payload_too_large',
      `rollbackLogs: ${Buffer.byteLength(rollbackLogs)} bytes; the limit is ${maxLogBytes}`,
      { field: 'rollbackLogs' },
    );
  const callerStages = parseStages(input.stages);
  const succeeded = deploy === 'success' && acceptance !== 'failure';

  return inTransaction(deps.db, async (tx) => {
    const run = await resolveRun(tx, actor, runRef);
    if (run.phase !== 'implementing') {
      throw new AppError(
        'illegal_transition',
        `run ${run.id} is ${run.phase.replace('_', ' ')}; only a deployment in implement can be finished${run.phase === 'awaiting_approval' ? ' (it is waiting for its change request to be approved)' : ''}`,
        { field: 'run', phase: run.phase },
      );
    }
    const cr = await findChangeRequest(
      tx,
      actor.tenantId,
      { by: 'id', value: run.changeRequestId },
      { lockFor: deps.dialect },
    );
    if (!cr) throw notFound('change request', run.changeRequestId);
    if (cr.state !== 'implement') {
      throw new AppError(
        'illegal_transition',
        `${cr.number} is ${cr.state}, not implement; the deployment cannot be finished`,
        { field: 'run', state: cr.state },
      );
    }
    // A run whose lease lapsed and whose lock another run took must not conclude over the new owner.
    const lock = await findLock(tx, actor.tenantId, run.environment, run.region, deps.dialect);
    if (lock && lock.runId !== run.id) {
      throw new AppError(
        'conflict',
        `run ${run.id} lost its lock on ${run.environment}/${run.region} to run ${lock.runId} (its lease lapsed); rerun with --change-request-id ${cr.number} to deploy again`,
        { field: 'run', lockedBy: lock.runId },
      );
    }
    if (!lock) {
      // The lease lapsed and the lock is free again: if a newer deployment ran meanwhile, this run's
      // result must not move <env>_latest back over it.
      const newer = (await recentRuns(tx, actor.tenantId, run.environment, run.region, 50)).find(
        (r) =>
          r.id !== run.id &&
          r.startedAt > run.startedAt &&
          (r.phase === 'implementing' || r.phase === 'finished'),
      );
      if (newer) {
        throw new AppError(
          'conflict',
          `run ${run.id} lost its lock on ${run.environment}/${run.region} (its lease lapsed) and a newer deployment, run ${newer.id} (pipeline run ${newer.pipelineRunId}), has run since; this run cannot be finished. Rerun with --change-request-id ${cr.number} if its change is still wanted`,
          { field: 'run', supersededBy: newer.id },
        );
      }
    }
    const env = await requireEnvironment(tx, actor, run.environment);
    if (rollback !== 'not_run' && (!env.rollbackEnabled || succeeded)) {
      throw new AppError(
        'invalid_input',
        succeeded
          ? 'rollbackStatus: the deployment succeeded, so there was nothing to roll back; leave the rollback status out'
          : `rollbackStatus: environment '${env.name}' does not have rollback enabled (rollbackEnabled in changegate.yaml), so no rollback is recorded; leave the rollback status out`,
        { field: 'rollbackStatus' },
      );
    }
    const { config } = await loadTenantConfig(tx, actor.tenantId);
    const stages = [...run.stages, ...callerStages];
    const started = performance.now();
    const targetRevision = await requireRevision(tx, actor, run.targetRevisionId);
    const targetEntries = await revisionEntries(tx, actor, targetRevision);
    const documentTarget = (rev: { id: string; seq: number }): DeploymentTarget => ({
      environment: run.environment,
      region: run.region,
      revision: { id: rev.id, seq: rev.seq },
      pipelineRunId: run.pipelineRunId,
    });

    const deltaNames = new Set(run.delta.filter((d) => d.change !== 'removed').map((d) => d.name));
    const checked =
      run.delta.length === 0 ? targetEntries : targetEntries.filter((e) => deltaNames.has(e.name));
    if (acceptance !== 'not_run') {
      // The acceptance step is evidence too, in the CD scope (collected in the target environment), on what this run deployed.
      const evidence: Evidence = {
        id: deps.newId(),
        evidenceTypeId: 'acceptance_tests',
        result: acceptance === 'success' ? 'success' : 'failure',
        tool: 'changegate-deploy',
        assets: checked.map((e) => e.artifact),
        pipelineRunId: run.pipelineRunId,
        environment: run.environment,
        findings: [],
        issues: [],
        attachments: [],
        date: deps.now(),
        createdBy: actor.name,
      };
      await storeEvidence(tx, deps, actor, evidence);
    }

    const isManual = run.flow === 'manual';
    let status = pipelineStatusOf({
      deploy,
      acceptance: acceptance === 'not_run' ? 'success' : acceptance,
      rollbackEnabled: env.rollbackEnabled,
      rollback,
    });
    let current = cr;
    let readyAtClosure = false;

    if (succeeded) {
      status = 'successful_deployment';
      const readiness = await assessReadiness(tx, actor, {
        entries: checked,
        config,
        phases: ['pre-deployment', 'post-deployment'],
        source: run.options.source,
        target: run.environment,
      });
      readyAtClosure = readiness.ready;
      await attachClosingDocuments(
        tx,
        deps,
        actor,
        current,
        documentTarget(targetRevision),
        targetEntries,
        readiness,
        'deployed',
      );
      for (const label of new Set([
        regionLatestLabel(run.environment, run.region),
        latestLabel(run.environment),
      ])) {
        await setLabel(tx, actor.tenantId, {
          environment: run.environment,
          label,
          revisionId: targetRevision.id,
          updatedBy: actor.name,
          updatedAt: deps.now(),
        });
      }
      // Review either way: a manual CR stays there, open, for its owner to close; it cannot be reused
      // to deploy something else without a new approval.
      current = await applyChangeMutation(tx, deps, actor, current, {
        action: 'change_request.transitioned',
        patch: { state: 'review' },
        note: { run: run.pipelineRunId },
      });
      if (!isManual) {
        const category = closeCategoryFor(readiness.ready);
        current = await applyChangeMutation(tx, deps, actor, current, {
          action: 'change_request.closed',
          patch: {
            state: 'closed',
            closeCategory: category,
            closeNotes: `Deployed by pipeline run ${run.pipelineRunId}; readiness at closure: ${readiness.summary}`,
            closedAt: deps.now(),
          },
          note: { run: run.pipelineRunId },
        });
      }
    } else {
      if (env.rollbackEnabled) {
        await attachDocument(
          tx,
          deps,
          actor,
          current,
          'rollback_logs',
          'rollback.log',
          rollbackLogs ??
            (rollback === 'not_run'
              ? '(the rollback step did not run)\n'
              : '(no rollback output was captured)\n'),
          'text/plain; charset=utf-8',
        );
        const baseRevision = run.baseRevisionId ? await requireRevision(tx, actor, run.baseRevisionId) : null;
        const baseEntries = baseRevision ? await revisionEntries(tx, actor, baseRevision) : [];
        const readiness = await assessReadiness(tx, actor, {
          entries: baseEntries,
          config,
          phases: ['pre-deployment', 'post-deployment'],
          source: run.options.source,
          target: run.environment,
        });
        await attachClosingDocuments(
          tx,
          deps,
          actor,
          current,
          documentTarget(baseRevision ?? { id: 'none', seq: 0 }),
          baseEntries,
          readiness,
          rollback === 'success'
            ? 'rolled back'
            : rollback === 'failure'
              ? 'rollback failed'
              : 'rollback not run',
        );
      }
      current = await applyChangeMutation(tx, deps, actor, current, {
        action: 'change_request.deployment_failed',
        patch: {
          state: 'review',
          closeCategory: 'unsuccessful',
          closeNotes: `Deployment by pipeline run ${run.pipelineRunId} failed: ${status}`,
        },
        note: { run: run.pipelineRunId, deploy, acceptance, rollback },
      });
      await requirePostIncidentReview(tx, deps, actor, current, { failed: status });
    }

    if (current.type === 'emergency') {
      const existing = new Set((await listObligations(tx, actor.tenantId, current.id)).map((o) => o.kind));
      for (const o of emergencyObligations(succeeded && readyAtClosure)) {
        if (existing.has(o.kind)) continue;
        if (o.kind === 'retrospective_approval' && current.approval !== 'retro_pending') continue;
        await insertObligation(tx, actor.tenantId, {
          id: deps.newId(),
          changeRequestId: current.id,
          kind: o.kind,
          state: 'open',
          detail: o.detail,
          dueAt: deps.now() + 5 * 24 * 3_600_000,
          createdAt: deps.now(),
          completedAt: null,
          completedBy: null,
        });
        await recordAudit(tx, deps, actor, {
          action: 'obligation.created',
          entityType: 'change_request',
          entityId: current.id,
          after: { number: current.number, kind: o.kind },
        });
      }
    }

    await releaseLock(tx, actor, run);
    const finished: DeploymentRun = {
      ...run,
      phase: 'finished',
      status,
      stages: [
        ...stages,
        {
          name: 'close',
          status: 'success',
          durationMs: Math.round(performance.now() - started),
          detail: succeeded
            ? isManual
              ? `${current.number} left open in review (manual change request: its owner closes it)`
              : `${current.number} closed ${current.closeCategory}`
            : `${current.number} left in review, unsuccessful`,
        },
      ],
      finishedAt: deps.now(),
    };
    await saveRunState(tx, deps, actor, finished);
    await recordRunEvent(tx, deps, actor, 'deployment.finished', run, current.number, { status });
    return deploymentView(tx, actor, finished);
  });
}
