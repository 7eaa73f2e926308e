import type { Selectable } from 'kysely';
import type { DeltaItem } from '../domain/inventory.js';
import type { UnauthorizedChange, UnauthorizedStatus } from '../domain/observation.js';
import type { DbOrTx, Dialect } from './database.js';
import type { UnauthorizedChangesTable } from './schema.js';

/** Unauthorized-change records and the deployments an observation is matched against. */

function toUnauthorizedChange(row: Selectable<UnauthorizedChangesTable>): UnauthorizedChange {
  const ms = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    number: row.number,
    environment: row.environment,
    component: row.component,
    version: row.version,
    digest: row.digest,
    observedAt: Number(row.observed_at),
    lastObservedAt: Number(row.last_observed_at),
    timesObserved: Number(row.times_observed),
    source: row.source,
    status: row.status as UnauthorizedStatus,
    explanation: row.explanation,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: ms(row.acknowledged_at),
    resolvedBy: row.resolved_by,
    resolvedAt: ms(row.resolved_at),
    note: row.note,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * Opens a record for a drift, unless one is already open for the same drift key: two monitors can
 * report the same drift at once, and the unique open key lets only the first in. False: not inserted
 * (the other one's record is open; on PostgreSQL this waits until the other transaction commits).
 */
export async function insertUnauthorizedChange(
  db: DbOrTx,
  tenantId: string,
  u: UnauthorizedChange,
  openKey: string,
): Promise<boolean> {
  const inserted = await db
    .insertInto('unauthorized_changes')
    .values({
      id: u.id,
      tenant_id: tenantId,
      number: u.number,
      environment: u.environment,
      component: u.component,
      version: u.version,
      digest: u.digest,
      observed_at: u.observedAt,
      last_observed_at: u.lastObservedAt,
      times_observed: u.timesObserved,
      source: u.source,
      status: u.status,
      explanation: u.explanation,
      open_key: openKey,
      acknowledged_by: u.acknowledgedBy,
      acknowledged_at: u.acknowledgedAt,
      resolved_by: u.resolvedBy,
      resolved_at: u.resolvedAt,
      note: u.note,
      created_by: u.createdBy,
      created_at: u.createdAt,
      updated_at: u.updatedAt,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'open_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The unresolved record of this drift, if any (locked on PostgreSQL for the re-report's update). */
export async function findOpenDrift(
  db: DbOrTx,
  tenantId: string,
  openKey: string,
  lockFor?: Dialect,
): Promise<UnauthorizedChange | undefined> {
  const row = await db
    .selectFrom('unauthorized_changes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('open_key', '=', openKey)
    .$if(lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toUnauthorizedChange(row);
}

/** A re-report of an open drift: counted, and the latest sighting kept. */
export async function noteRepeatedObservation(
  db: DbOrTx,
  tenantId: string,
  id: string,
  lastObservedAt: number,
  now: number,
): Promise<void> {
  await db
    .updateTable('unauthorized_changes')
    .set((eb) => ({
      times_observed: eb('times_observed', '+', 1),
      last_observed_at: lastObservedAt,
      updated_at: now,
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function findUnauthorizedChange(
  db: DbOrTx,
  tenantId: string,
  ref: { by: 'number' | 'id'; value: string },
  lockFor?: Dialect,
): Promise<UnauthorizedChange | undefined> {
  const row = await db
    .selectFrom('unauthorized_changes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(ref.by === 'number' ? 'number' : 'id', '=', ref.value)
    .$if(lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toUnauthorizedChange(row);
}

export interface UnauthorizedFilter {
  status?: UnauthorizedStatus[];
  environment?: string;
  /** observed_at in [since, until) */
  since?: number;
  until?: number;
}

/** Newest sightings first. */
export async function listUnauthorizedChanges(
  db: DbOrTx,
  tenantId: string,
  filter: UnauthorizedFilter = {},
): Promise<UnauthorizedChange[]> {
  let q = db.selectFrom('unauthorized_changes').selectAll().where('tenant_id', '=', tenantId);
  if (filter.status?.length) q = q.where('status', 'in', filter.status);
  if (filter.environment) q = q.where('environment', '=', filter.environment);
  if (filter.since !== undefined) q = q.where('observed_at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('observed_at', '<', filter.until);
  const rows = await q.orderBy('observed_at', 'desc').orderBy('number', 'desc').execute();
  return rows.map(toUnauthorizedChange);
}

/** Moves a record on; resolving frees its drift key, so the same drift seen again opens a new record. */
export async function updateUnauthorizedStatus(
  db: DbOrTx,
  tenantId: string,
  id: string,
  patch: { status: UnauthorizedStatus; by: string; at: number; note: string | null },
): Promise<void> {
  await db
    .updateTable('unauthorized_changes')
    .set({
      status: patch.status,
      updated_at: patch.at,
      ...(patch.note === null ? {} : { note: patch.note }),
      ...(patch.status === 'acknowledged'
        ? { acknowledged_by: patch.by, acknowledged_at: patch.at }
        : { resolved_by: patch.by, resolved_at: patch.at, open_key: null }),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * What the CRs of an environment deployed, for matching: the delta entries of runs that passed the gate
 * for a CR in implement/review/closed that is approved, or an emergency change (retrospective approval
 * owed or given). The component filter runs on the parsed delta; the runs are few per environment.
 */
export async function authorizedDeployments(
  db: DbOrTx,
  tenantId: string,
  environment: string,
): Promise<{ changeRequestNumber: string; runId: string; delta: DeltaItem[] }[]> {
  const rows = await db
    .selectFrom('deployment_runs as r')
    .innerJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'r.change_request_id').onRef('c.tenant_id', '=', 'r.tenant_id'),
    )
    .select(['r.id', 'r.delta_json', 'c.number'])
    .where('r.tenant_id', '=', tenantId)
    .where('r.environment', '=', environment)
    .where('r.phase', 'in', ['implementing', 'finished'])
    .where('c.state', 'in', ['implement', 'review', 'closed'])
    .where((eb) =>
      eb.or([
        eb('c.approval', '=', 'approved'),
        eb.and([eb('c.type', '=', 'emergency'), eb('c.approval', '=', 'retro_pending')]),
      ]),
    )
    .orderBy('r.started_at', 'desc')
    .execute();
  return rows.map((r) => ({
    changeRequestNumber: r.number,
    runId: r.id,
    delta: JSON.parse(r.delta_json) as DeltaItem[],
  }));
}

/** The CR whose deployment put an inventory revision in place, via the revision's CR-number label. */
export async function changeRequestOfRevision(
  db: DbOrTx,
  tenantId: string,
  environment: string,
  revisionId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('inventory_labels')
    .select('label')
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment)
    .where('revision_id', '=', revisionId)
    .where('label', 'like', 'CHG%')
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  return row?.label ?? null;
}
