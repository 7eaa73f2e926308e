import {
  type DueStep,
  escalationActorName,
  escalationAudit,
  escalationOf,
  escalationPayload,
  escalationTopics,
} from '../../domain/escalation.js';
import type { OutboxEvent } from '../../domain/outbox-event.js';
import { inTransaction } from '../../store/database.js';
import { advanceStepTimer, anyDueStep, lockDueSteps } from '../../store/due-steps.js';
import { insertOutboxEvent } from '../../store/outbox.js';
import { recordAudit } from '../audit/record-audit.js';
import type { ServiceDeps } from '../context.js';

export const defaultEscalationBatch = 100;

/**
 * Fires every SLA timer that has run out, in every tenant: each due step escalates one level (an
 * `approval.step_escalated` event and audit record, and a new deadline for the next level) or, past
 * the last level, is reported overdue once and its timer stops. One transaction per batch of
 * `limit` steps; safe to run from several processes at once (each step is taken by one of them).
 * Returns the outbox events written.
 */
export async function escalateDueSteps(
  deps: Pick<ServiceDeps, 'db' | 'dialect' | 'now' | 'newId'>,
  options: { limit?: number } = {},
): Promise<OutboxEvent[]> {
  const limit = options.limit ?? defaultEscalationBatch;
  const written: OutboxEvent[] = [];
  // Most passes find nothing: looking first keeps them from opening a write transaction (on SQLite, the lock).
  if (!(await anyDueStep(deps.db, deps.now()))) return written;
  for (;;) {
    const batch = await inTransaction(deps.db, async (tx) => {
      const now = deps.now();
      const due = await lockDueSteps(tx, deps.dialect, now, limit);
      // Audit heads are locked per tenant as events are appended: taking tenants in one order keeps
      // two servers working on overlapping tenants from deadlocking.
      due.sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0));
      const events: OutboxEvent[] = [];
      for (const step of due) {
        const event = await fire(tx, deps, step, now);
        if (event) events.push(event);
      }
      return { taken: due.length, events };
    });
    written.push(...batch.events);
    // A full batch may leave more; a batch that moved nothing means the rest is someone else's.
    if (batch.taken < limit || batch.events.length === 0) return written;
  }
}

async function fire(
  tx: Parameters<typeof recordAudit>[0],
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  step: DueStep,
  now: number,
): Promise<OutboxEvent | null> {
  const outcome = escalationOf(step, now);
  const moved = await advanceStepTimer(
    tx,
    step,
    outcome.kind === 'escalated'
      ? { escalationLevel: outcome.level, dueAt: outcome.dueAt }
      : { escalationLevel: step.escalationLevel, dueAt: null },
  );
  if (!moved) return null;
  const payload = escalationPayload(step, outcome);
  const audit = escalationAudit(step, outcome);
  const event: OutboxEvent = {
    id: deps.newId(),
    tenantId: step.tenantId,
    topic: outcome.kind === 'escalated' ? escalationTopics.escalated : escalationTopics.overdue,
    payload,
    createdAt: now,
    publishedAt: null,
  };
  await insertOutboxEvent(tx, event);
  await recordAudit(
    tx,
    deps,
    { tenantId: step.tenantId, name: escalationActorName },
    {
      action: outcome.kind === 'escalated' ? 'approval_step.escalated' : 'approval_step.overdue',
      entityType: 'change_request',
      entityId: step.changeRequestId,
      before: audit.before,
      after: { ...audit.after, event: event.id },
    },
  );
  return event;
}
