import { createHash } from 'node:crypto';
import type { AttachmentKind, ChangeRequest } from '../../domain/change-request.js';
import { type DeploymentRun, lockStaleMs, type Stage } from '../../domain/deployment.js';
import type { Environment } from '../../domain/environment.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { CheckPhase } from '../../domain/evidence-checks.js';
import type { InventoryEntry, InventoryRevision } from '../../domain/inventory.js';
import { evaluateReadiness, type Readiness } from '../../domain/readiness.js';
import type { TenantConfig } from '../../domain/tenant-config.js';
import { listApprovals, listAttachments } from '../../store/change-activity.js';
import { findChangeRequest } from '../../store/change-requests.js';
import type { DbOrTx } from '../../store/database.js';
import {
  deleteLock,
  findLock,
  findRun,
  insertLock,
  replaceLock,
  runsWithPipelineRunId,
  saveRun,
} from '../../store/deployment-runs.js';
import { findEnvironment } from '../../store/environments.js';
import { findEntries, findRevision } from '../../store/inventory.js';
import { listObligations } from '../../store/obligations.js';
import { recordAudit } from '../audit/record-audit.js';
import { storeAttachment } from '../changes/change-request-records.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';
import { candidateEvidence } from '../evidence/evidence-service.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

/** Pieces every deployment use case shares: lock, revisions, readiness, attachments, the answer shape. */

export async function requireEnvironment(tx: DbOrTx, actor: Actor, name: string): Promise<Environment> {
  const env = await findEnvironment(tx, actor.tenantId, name);
  if (!env) throw unknownEnvironment(name, await environmentNames(tx, actor));
  return env;
}

/**
 * One deployment at a time per environment and region. A live lock held by another run fails fast,
 * naming it; an expired one (its process died) is taken over; `takeOver` lets a rerun with the
 * same CR replace an interrupted run without waiting for its lease to end, once the holder has stopped
 * renewing (no renewal for `lockStaleMs`; a running `deploy` renews every `lockHeartbeatMs`).
 */
export async function acquireLock(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  target: { environment: string; region: string; runId: string; ttlMs: number },
  takeOver: (holderRunId: string) => Promise<boolean>,
): Promise<void> {
  const now = deps.now();
  const held = await findLock(tx, actor.tenantId, target.environment, target.region, deps.dialect);
  // A rerun with the same CR may take over only a holder that stopped renewing (its process died);
  // a live deployment is never taken over.
  const stale = held !== undefined && now - held.renewedAt > lockStaleMs;
  if (
    held &&
    held.runId !== target.runId &&
    held.expiresAt > now &&
    !(stale && (await takeOver(held.runId)))
  ) {
    const holder = await findRun(tx, actor.tenantId, held.runId);
    const holderCr = holder?.changeRequestId
      ? await findChangeRequest(tx, actor.tenantId, { by: 'id', value: holder.changeRequestId })
      : undefined;
    const who = `run ${held.runId}${holder ? ` (pipeline run ${holder.pipelineRunId}${holderCr ? `, ${holderCr.number}` : ''})` : ''}`;
    throw new AppError(
      'conflict',
      `${target.environment}/${target.region} is being deployed by ${who}, lock held until ${new Date(held.expiresAt).toISOString()}; wait for it to finish${holderCr ? `, or if that run was interrupted, take it over with --change-request-id ${holderCr.number}` : ''}`,
      {
        field: 'environment',
        lockedBy: held.runId,
        changeRequest: holderCr?.number ?? null,
        expiresAt: new Date(held.expiresAt).toISOString(),
      },
    );
  }
  const lock = { ...target, expiresAt: now + target.ttlMs, renewedAt: now };
  const lost = () =>
    new AppError(
      'conflict',
      `${target.environment}/${target.region}: another deployment took the lock at the same moment; retry`,
      {
        field: 'environment',
      },
    );
  if (!held) {
    await uniqueOrConflict(insertLock(tx, actor.tenantId, lock), lost().message, 'environment');
  } else if (!(await replaceLock(tx, actor.tenantId, lock, held.runId))) {
    throw lost();
  }
}

export function releaseLock(
  tx: DbOrTx,
  actor: Actor,
  run: Pick<DeploymentRun, 'environment' | 'region' | 'id'>,
) {
  return deleteLock(tx, actor.tenantId, run.environment, run.region, run.id);
}

export async function revisionEntries(
  tx: DbOrTx,
  actor: Actor,
  revision: InventoryRevision,
): Promise<InventoryEntry[]> {
  const entries = await findEntries(tx, actor.tenantId, Object.values(revision.entries));
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

export async function requireRevision(tx: DbOrTx, actor: Actor, id: string): Promise<InventoryRevision> {
  const revision = await findRevision(tx, actor.tenantId, id);
  if (!revision) throw notFound('inventory revision', id);
  return revision;
}

/** Readiness of entries against the tenant's checks, with the evidence stored for them. */
export async function assessReadiness(
  tx: DbOrTx,
  actor: Actor,
  input: {
    entries: InventoryEntry[];
    config: TenantConfig;
    phases: CheckPhase[];
    source: string;
    target: string;
  },
): Promise<Readiness> {
  const evidence = await candidateEvidence(tx, actor.tenantId, input.entries);
  return evaluateReadiness({
    entries: input.entries,
    evidence,
    checks: input.config.evidenceChecks,
    phases: input.phases,
    source: input.source,
    target: input.target,
  });
}

/** Attaches a JSON document the pipeline produced (pretty-printed, so it reads well when downloaded). */
export function attachDocument(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: Pick<ChangeRequest, 'id' | 'number'>,
  kind: AttachmentKind,
  name: string,
  document: unknown,
  mediaType = 'application/json',
) {
  const content = Buffer.from(
    typeof document === 'string' ? document : `${JSON.stringify(document, null, 2)}\n`,
  );
  const sha256 = createHash('sha256').update(content).digest('hex');
  return storeAttachment(tx, deps, actor, cr, { kind, name, mediaType, sha256, content });
}

/** Times a step; durations come from the monotonic clock, not the (injectable) wall clock. */
export async function timed<T>(
  stages: Stage[],
  name: string,
  fn: () => Promise<T>,
  detail?: (t: T) => string,
): Promise<T> {
  const started = performance.now();
  const result = await fn();
  const stage: Stage = { name, status: 'success', durationMs: Math.round(performance.now() - started) };
  const d = detail?.(result);
  if (d) stage.detail = d;
  stages.push(stage);
  return result;
}

export interface DeploymentView {
  run: DeploymentRun;
  changeRequest: ChangeRequest;
  rollbackEnabled: boolean;
  obligations: Awaited<ReturnType<typeof listObligations>>;
  attachments: string[];
  autoApproval: { approved: boolean; reasons: string[] } | null;
  rejection: { approver: string; comment: string | null } | null;
}

export async function deploymentView(tx: DbOrTx, actor: Actor, run: DeploymentRun): Promise<DeploymentView> {
  if (!run.changeRequestId) throw new Error(`run ${run.id} has no change request`);
  const cr = await findChangeRequest(tx, actor.tenantId, { by: 'id', value: run.changeRequestId });
  if (!cr) throw notFound('change request', run.changeRequestId);
  const env = await findEnvironment(tx, actor.tenantId, run.environment);
  const rejected =
    cr.approval === 'rejected'
      ? (await listApprovals(tx, actor.tenantId, cr.id)).filter((a) => a.decision === 'rejected').at(-1)
      : undefined;
  return {
    run,
    changeRequest: cr,
    rollbackEnabled: env?.rollbackEnabled ?? false,
    obligations: await listObligations(tx, actor.tenantId, cr.id),
    attachments: (await listAttachments(tx, actor.tenantId, cr.id)).map((a) => a.kind),
    autoApproval: run.options.autoApproval,
    rejection: rejected ? { approver: rejected.approver, comment: rejected.comment } : null,
  };
}

export async function saveRunState(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  run: DeploymentRun,
): Promise<DeploymentRun> {
  const updated = { ...run, updatedAt: deps.now() };
  await saveRun(tx, actor.tenantId, updated);
  return updated;
}

export async function getDeployment(
  deps: ServiceDeps,
  actor: Actor,
  runRef: string,
): Promise<DeploymentView> {
  return deploymentView(deps.db, actor, await resolveRun(deps.db, actor, runRef));
}

/**
 * A run named by its id, or by its pipeline run id. Jobs of one CI run (a matrix over regions) share a
 * pipeline run id; when more than one of its runs is unfinished, the reference is ambiguous and refused.
 */
export async function resolveRun(
  db: DbOrTx,
  actor: Actor,
  ref: string,
): Promise<DeploymentRun & { changeRequestId: string }> {
  const byId = await findRun(db, actor.tenantId, ref);
  const withCr = (r: DeploymentRun) => r as DeploymentRun & { changeRequestId: string };
  if (byId && byId.id === ref && byId.changeRequestId) return withCr(byId);
  const runs = (await runsWithPipelineRunId(db, actor.tenantId, ref)).filter((r) => r.changeRequestId);
  const open = runs.filter(
    (r) => r.phase === 'implementing' || r.phase === 'awaiting_approval' || r.phase === 'cleared',
  );
  if (open.length > 1) {
    throw new AppError(
      'invalid_input',
      `run: pipeline run '${ref}' has ${open.length} unfinished deployments (${open.map((r) => `${r.id} to ${r.environment}/${r.region}`).join(', ')}); name one by its run id`,
      { field: 'run', validValues: open.map((r) => r.id) },
    );
  }
  const run = open[0] ?? runs[0];
  if (!run) throw notFound('deployment run', ref);
  return withCr(run);
}

/** The audit record of a run's milestones (started, finished, abandoned): where, which CR, which flow. */
export function recordRunEvent(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  action: 'deployment.started' | 'deployment.finished' | 'deployment.abandoned',
  run: DeploymentRun,
  changeRequest: string,
  extra: Record<string, unknown> = {},
) {
  return recordAudit(tx, deps, actor, {
    action,
    entityType: 'deployment_run',
    entityId: run.id,
    after: {
      pipelineRunId: run.pipelineRunId,
      environment: run.environment,
      region: run.region,
      flow: run.flow,
      changeRequest,
      ...extra,
    },
  });
}
