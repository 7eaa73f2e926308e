import { changeRef } from '../../domain/change-request.js';
import { validateChangeCreate } from '../../domain/change-request-input.js';
import { computeDelta } from '../../domain/delta.js';
import { type DeploymentRun, deploymentFingerprint, type Stage } from '../../domain/deployment.js';
import { deltaSummary, deploymentBom } from '../../domain/deployment-documents.js';
import { AppError, notFound } from '../../domain/errors.js';
import { regionLatestLabel } from '../../domain/inventory.js';
import { deploymentRegion } from '../../domain/tenant-config.js';
import { nonNegativeInt, slug, text } from '../../domain/validate.js';
import { insertLink } from '../../store/change-links.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { inTransaction } from '../../store/database.js';
import { insertRun, recentRuns, runsForChangeRequest } from '../../store/deployment-runs.js';
import { listLabels, setLabel } from '../../store/inventory.js';
import { insertNewChangeRequest } from '../changes/insert-new-change-request.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { lockTtlMs, pipelineRunIdOf } from './deployment-input.js';
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
  timed,
} from './deployment-support.js';
import { gateRecord } from './gate-record.js';

export interface BeginRollbackInput {
  environment: unknown;
  region?: unknown;
  changeRequestId: unknown;
  limit?: unknown;
  pipelineRunId?: unknown;
  lockTtlSeconds?: unknown;
}

/**
 * The dedicated full rollback (critical incident recovery): return an environment to the revision a
 * concluded, successful deployment put there, at most `limit` successful deployments back. A new
 * emergency CR is built from the old one's data and linked to it; the caller then runs the deploy and
 * acceptance steps and finishes the run like any other (success moves `<env>_latest` back).
 */
export async function beginRollback(
  deps: ServiceDeps,
  actor: Actor,
  input: BeginRollbackInput,
): Promise<DeploymentView> {
  const environment = slug('environment', input.environment);
  const ref = text('changeRequestId', input.changeRequestId, { min: 1, max: 64 });
  const limit = input.limit === undefined ? 1 : nonNegativeInt('limit', input.limit, 1000);
  if (limit < 1) throw new AppError('invalid_input', 'limit: must be at least 1', { field: 'limit' });
  const pipelineRunId = pipelineRunIdOf(input.pipelineRunId);
  const ttlMs = lockTtlMs(input.lockTtlSeconds);

  return inTransaction(deps.db, async (tx) => {
    const stages: Stage[] = [];
    const env = await requireEnvironment(tx, actor, environment);
    const region = deploymentRegion(env, typeof input.region === 'string' ? input.region : null);
    const { config } = await loadTenantConfig(tx, actor.tenantId);
    const runId = deps.newId();

    const plan = await timed(
      stages,
      'target',
      async () => {
        const old = await findChangeRequest(tx, actor.tenantId, changeRef(ref));
        if (!old) throw notFound('change request', ref);
        const refuse = (why: string) =>
          new AppError('invalid_input', `cannot roll back to ${old.number}: ${why}`, {
            field: 'changeRequestId',
          });
        if (
          old.state !== 'closed' ||
          (old.closeCategory !== 'successful' && old.closeCategory !== 'successful_with_issues')
        )
          throw refuse(
            `it is ${old.state}${old.closeCategory ? ` (${old.closeCategory})` : ''}; only a concluded, successful deployment can be returned to`,
          );
        const deployedBy = (await runsForChangeRequest(tx, actor.tenantId, old.id)).filter(
          (r) => r.status === 'successful_deployment' && r.environment === environment && r.region === region,
        );
        const deployed = deployedBy.at(-1);
        if (!deployed) throw refuse(`it did not deploy to ${environment}/${region}`);
        const successful = (await recentRuns(tx, actor.tenantId, environment, region, 1_000_000)).filter(
          (r) => r.status === 'successful_deployment',
        );
        const back = successful.findIndex((r) => r.id === deployed.id);
        if (back < 0)
          throw refuse(`its deployment to ${environment}/${region} is not among the successful ones`);
        const [latest] = await listLabels(
          tx,
          actor.tenantId,
          environment,
          regionLatestLabel(environment, region),
        );
        if (back === 0 || latest?.revisionId === deployed.targetRevisionId)
          throw refuse(
            `its revision is what ${environment}/${region} runs now; name the change request of an earlier deployment`,
          );
        if (back > limit)
          throw refuse(
            `it is ${back} successful deployments back and the limit is ${limit}; pass --limit ${back} to go that far`,
          );
        await acquireLock(tx, deps, actor, { environment, region, runId, ttlMs }, async () => false);
        const revision = await requireRevision(tx, actor, deployed.targetRevisionId);
        const base = latest ? await requireRevision(tx, actor, latest.revisionId) : null;
        await setLabel(tx, actor.tenantId, {
          environment,
          label: pipelineRunId,
          revisionId: revision.id,
          updatedBy: actor.name,
          updatedAt: deps.now(),
        });
        return { old, deployed, revision, base, back };
      },
      (p) =>
        `back to revision ${p.revision.seq} of ${p.old.number} (${p.back} deployment${p.back > 1 ? 's' : ''} back)`,
    );

    const prepared = await timed(
      stages,
      'change_request',
      async () => {
        const targetEntries = await revisionEntries(tx, actor, plan.revision);
        const delta = computeDelta(
          targetEntries,
          plan.base ? await revisionEntries(tx, actor, plan.base) : null,
        );
        const readiness = await assessReadiness(tx, actor, {
          entries: targetEntries,
          config,
          phases: ['pre-deployment'],
          source: plan.deployed.options.source,
          target: environment,
        });
        const o = plan.old;
        const valid = validateChangeCreate({
          type: 'emergency',
          title:
            `Roll back ${environment}${region === 'default' ? '' : `/${region}`} to ${o.number} (revision ${plan.revision.seq})`.slice(
              0,
              200,
            ),
          environment,
          region: region === 'default' ? undefined : region,
          priority: o.priority,
          assignee: o.assignee,
          description: `Full rollback to the revision deployed under ${o.number}.${o.description ? `\n\n${o.description}` : ''}`,
          purpose: o.purpose ?? undefined,
          impact: o.impact ?? undefined,
          customerImpact: o.customerImpact,
          deploymentImpact: o.deploymentImpact,
          backoutPlan: o.backoutPlan ?? undefined,
          risk: o.risk ?? undefined,
          outageMinutes: 0,
          // What the rollback changes: the delta back to the earlier revision, as for a deployment.
          components: (delta.length > 0 ? delta : targetEntries).map((e) => e.name),
        });
        const fingerprint = deploymentFingerprint(environment, region, plan.revision.id);
        const cr = await insertNewChangeRequest(
          tx,
          deps,
          actor,
          valid,
          { deploymentReady: readiness.ready, targetFingerprint: fingerprint, pipelineRunId },
          {
            state: 'implement',
            approval: 'retro_pending',
            implementedBy: actor.name,
          },
        );
        const now = deps.now();
        await insertLink(tx, actor.tenantId, {
          id: deps.newId(),
          changeRequestId: cr.id,
          kind: 'rollback_of',
          target: o.number,
          createdBy: actor.name,
          createdAt: now,
        });
        await insertLink(tx, actor.tenantId, {
          id: deps.newId(),
          changeRequestId: o.id,
          kind: 'rolled_back_by',
          target: cr.number,
          createdBy: actor.name,
          createdAt: now,
        });
        await setLabel(tx, actor.tenantId, {
          environment,
          label: cr.number,
          revisionId: plan.revision.id,
          updatedBy: actor.name,
          updatedAt: now,
        });
        const documentTarget = {
          environment,
          region,
          revision: { id: plan.revision.id, seq: plan.revision.seq },
          pipelineRunId,
        };
        await attachDocument(
          tx,
          deps,
          actor,
          cr,
          'deployment_bom',
          'deployment-bom.json',
          deploymentBom(documentTarget, targetEntries),
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
        return { cr, delta, readiness };
      },
      (p) => `${p.cr.number} created (emergency, linked to ${plan.old.number})`,
    );

    const draft: DeploymentRun = {
      id: runId,
      pipelineRunId,
      environment,
      region,
      flow: 'rollback',
      phase: 'implementing',
      status: null,
      changeRequestId: prepared.cr.id,
      createdChangeRequest: true,
      promotionId: null,
      targetRevisionId: plan.revision.id,
      baseRevisionId: plan.base?.id ?? null,
      delta: prepared.delta,
      readiness: prepared.readiness,
      stages: [
        ...stages,
        {
          name: 'gate',
          status: 'success',
          durationMs: 0,
          detail: 'critical incident recovery: no approval wait, retrospective approval owed',
        },
      ],
      options: {
        emergency: true,
        forceRedeploy: false,
        outageMinutes: 0,
        suppliedChangeRequest: plan.old.number,
        source: plan.deployed.options.source,
        autoApproval: null,
      },
      createdBy: actor.name,
      startedAt: deps.now(),
      updatedAt: deps.now(),
      finishedAt: null,
    };
    const run: DeploymentRun = {
      ...draft,
      gate: await gateRecord(tx, deps, actor, draft, {
        found: prepared.cr,
        wentAhead: prepared.cr,
        freezes: [],
        readiness: prepared.readiness,
      }),
    };
    await insertRun(tx, actor.tenantId, run);
    await recordRunEvent(tx, deps, actor, 'deployment.started', run, prepared.cr.number, {
      targetRevisionId: run.targetRevisionId,
      rollbackOf: plan.old.number,
    });
    return deploymentView(tx, actor, run);
  });
}
