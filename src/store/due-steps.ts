import type { DueStep } from '../domain/escalation.js';
import type { DbOrTx, Dialect } from './database.js';

/** The escalation timers: active approval steps with a due_at, across tenants (docs/escalation.md). */

function parseGroups(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    // A malformed list must not stop every other timer: the step is then simply overdue.
    return [];
  }
}

/** Whether any active step's SLA ran out by `now`: a plain read, so an idle pass takes no write lock. */
export async function anyDueStep(db: DbOrTx, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('approval_steps')
    .select('id')
    .where('status', '=', 'active')
    .where('due_at', 'is not', null)
    .where('due_at', '<=', now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Active steps whose SLA ran out by `now`, oldest deadline first. Must run inside the transaction
 * that acts on them: on PostgreSQL the rows are locked with SKIP LOCKED, so concurrent servers each
 * take different steps; on SQLite the BEGIN IMMEDIATE transaction already holds the write lock.
 */
export async function lockDueSteps(
  tx: DbOrTx,
  dialect: Dialect,
  now: number,
  limit: number,
): Promise<DueStep[]> {
  let query = tx
    .selectFrom('approval_steps as s')
    .innerJoin('change_requests as c', (join) =>
      join.onRef('c.id', '=', 's.change_request_id').onRef('c.tenant_id', '=', 's.tenant_id'),
    )
    .innerJoin('tenants as t', 't.id', 's.tenant_id')
    .select([
      's.id',
      's.tenant_id',
      't.slug as tenant_slug',
      's.change_request_id',
      'c.number as change_request_number',
      's.round',
      's.seq',
      's.name',
      's.approver_group',
      's.escalate_to_json',
      's.escalation_level',
      's.sla_ms',
      's.due_at',
    ])
    .where('s.status', '=', 'active')
    .where('s.due_at', 'is not', null)
    .where('s.due_at', '<=', now)
    .orderBy('s.due_at')
    .orderBy('s.id')
    .limit(limit);
  if (dialect === 'postgres') query = query.forUpdate('s').skipLocked();
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    tenantSlug: r.tenant_slug,
    changeRequestId: r.change_request_id,
    changeRequestNumber: r.change_request_number,
    round: Number(r.round),
    seq: Number(r.seq),
    name: r.name,
    approverGroup: r.approver_group,
    escalateTo: parseGroups(r.escalate_to_json),
    escalationLevel: Number(r.escalation_level),
    slaMs: r.sla_ms === null ? null : Number(r.sla_ms),
    dueAt: Number(r.due_at),
  }));
}

/**
 * Moves a step's timer on: to the next escalation level with a new deadline, or (overdue) stops it.
 * Guarded by the state it was read in, so a step is never moved twice for one deadline; false when
 * it had changed meanwhile (answered, or another process got there first).
 */
export async function advanceStepTimer(
  tx: DbOrTx,
  step: Pick<DueStep, 'id' | 'tenantId' | 'escalationLevel' | 'dueAt'>,
  next: { escalationLevel: number; dueAt: number | null },
): Promise<boolean> {
  const result = await tx
    .updateTable('approval_steps')
    .set({ escalation_level: next.escalationLevel, due_at: next.dueAt })
    .where('tenant_id', '=', step.tenantId)
    .where('id', '=', step.id)
    .where('status', '=', 'active')
    .where('escalation_level', '=', step.escalationLevel)
    .where('due_at', '=', step.dueAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
