import { leadTimeStart } from '../domain/delta.js';
import type { DeploymentRun } from '../domain/deployment.js';
import type { GateDecision } from '../domain/gate-decision.js';
import type { DbOrTx } from './database.js';
import type { DeploymentRunsTable } from './schema.js';

function toRun(row: DeploymentRunsTable): DeploymentRun {
  return {
    id: row.id,
    pipelineRunId: row.pipeline_run_id,
    environment: row.environment,
    region: row.region,
    flow: row.flow as DeploymentRun['flow'],
    phase: row.phase as DeploymentRun['phase'],
    status: row.status as DeploymentRun['status'],
    changeRequestId: row.change_request_id,
    createdChangeRequest: row.created_change_request === 1,
    promotionId: row.promotion_id,
    targetRevisionId: row.target_revision_id,
    baseRevisionId: row.base_revision_id,
    delta: JSON.parse(row.delta_json),
    readiness: JSON.parse(row.readiness_json),
    stages: JSON.parse(row.stages_json),
    options: JSON.parse(row.options_json),
    gate: row.gate_json ? (JSON.parse(row.gate_json) as GateDecision) : null,
    createdBy: row.created_by,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/** The gate's decision as JSON, with the flags the compliance report filters on beside it. */
function gateColumns(gate: GateDecision | null) {
  return {
    gate_json: gate === null ? null : JSON.stringify(gate),
    gate_approval: gate?.approval ?? null,
    gate_emergency: gate === null ? null : gate.emergency ? 1 : 0,
    gate_ready: gate === null ? null : gate.ready ? 1 : 0,
  };
}

function toRow(tenantId: string, run: DeploymentRun): DeploymentRunsTable {
  return {
    id: run.id,
    tenant_id: tenantId,
    pipeline_run_id: run.pipelineRunId,
    environment: run.environment,
    region: run.region,
    flow: run.flow,
    phase: run.phase,
    status: run.status,
    change_request_id: run.changeRequestId,
    created_change_request: run.createdChangeRequest ? 1 : 0,
    promotion_id: run.promotionId,
    target_revision_id: run.targetRevisionId,
    base_revision_id: run.baseRevisionId,
    delta_json: JSON.stringify(run.delta),
    lead_start_at: leadTimeStart(run.delta),
    readiness_json: JSON.stringify(run.readiness),
    stages_json: JSON.stringify(run.stages),
    options_json: JSON.stringify(run.options),
    ...gateColumns(run.gate ?? null),
    created_by: run.createdBy,
    started_at: run.startedAt,
    updated_at: run.updatedAt,
    finished_at: run.finishedAt,
  };
}

export async function insertRun(db: DbOrTx, tenantId: string, run: DeploymentRun): Promise<void> {
  await db.insertInto('deployment_runs').values(toRow(tenantId, run)).execute();
}

export async function saveRun(db: DbOrTx, tenantId: string, run: DeploymentRun): Promise<void> {
  const { id: _id, tenant_id: _t, ...rest } = toRow(tenantId, run);
  await db
    .updateTable('deployment_runs')
    .set(rest)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', run.id)
    .execute();
}

/** A run by its changegate id, or the latest run carrying that pipeline run id. */
export async function findRun(db: DbOrTx, tenantId: string, ref: string): Promise<DeploymentRun | undefined> {
  const row = await db
    .selectFrom('deployment_runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([eb('id', '=', ref), eb('pipeline_run_id', '=', ref)]))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toRun(row);
}

export async function runsForChangeRequest(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<DeploymentRun[]> {
  const rows = await db
    .selectFrom('deployment_runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  return rows.map(toRun);
}

/** Finished runs to an environment and region, newest first. */
export async function recentRuns(
  db: DbOrTx,
  tenantId: string,
  environment: string,
  region: string,
  limit: number,
): Promise<DeploymentRun[]> {
  const rows = await db
    .selectFrom('deployment_runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment)
    .where('region', '=', region)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

export interface DeploymentLock {
  runId: string;
  expiresAt: number;
  /** When its holder last took or renewed it: a holder that stopped renewing is gone. */
  renewedAt: number;
}

export async function findLock(
  db: DbOrTx,
  tenantId: string,
  environment: string,
  region: string,
  lockFor?: 'sqlite' | 'postgres',
): Promise<DeploymentLock | undefined> {
  let q = db
    .selectFrom('deployment_locks')
    .select(['run_id', 'expires_at', 'renewed_at'])
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment)
    .where('region', '=', region);
  if (lockFor === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && { runId: row.run_id, expiresAt: row.expires_at, renewedAt: row.renewed_at };
}

/** Takes a free lock; a concurrent taker makes this fail with a unique violation. */
export async function insertLock(
  db: DbOrTx,
  tenantId: string,
  lock: { environment: string; region: string; runId: string; expiresAt: number; renewedAt: number },
): Promise<void> {
  await db
    .insertInto('deployment_locks')
    .values({
      tenant_id: tenantId,
      environment: lock.environment,
      region: lock.region,
      run_id: lock.runId,
      expires_at: lock.expiresAt,
      renewed_at: lock.renewedAt,
    })
    .execute();
}

/** Compare-and-set: moves the lock from the run that held it (or extends it); false when someone else got there first. */
export async function replaceLock(
  db: DbOrTx,
  tenantId: string,
  lock: { environment: string; region: string; runId: string; expiresAt: number; renewedAt: number },
  heldBy: string,
): Promise<boolean> {
  const result = await db
    .updateTable('deployment_locks')
    .set({ run_id: lock.runId, expires_at: lock.expiresAt, renewed_at: lock.renewedAt })
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', lock.environment)
    .where('region', '=', lock.region)
    .where('run_id', '=', heldBy)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteLock(
  db: DbOrTx,
  tenantId: string,
  environment: string,
  region: string,
  runId: string,
): Promise<void> {
  await db
    .deleteFrom('deployment_locks')
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment)
    .where('region', '=', region)
    .where('run_id', '=', runId)
    .execute();
}

/** Every run carrying a pipeline run id, newest first (a CI matrix shares one run id across jobs). */
export async function runsWithPipelineRunId(
  db: DbOrTx,
  tenantId: string,
  pipelineRunId: string,
): Promise<DeploymentRun[]> {
  const rows = await db
    .selectFrom('deployment_runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('pipeline_run_id', '=', pipelineRunId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toRun);
}
