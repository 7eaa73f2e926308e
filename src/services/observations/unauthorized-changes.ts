import { AppError, notFound } from '../../domain/errors.js';
import {
  nextUnauthorizedStatus,
  type UnauthorizedChange,
  type UnauthorizedStatus,
  unauthorizedRef,
  unauthorizedStatuses,
} from '../../domain/observation.js';
import { oneOf, text } from '../../domain/validate.js';
import { inTransaction } from '../../store/database.js';
import {
  findUnauthorizedChange,
  listUnauthorizedChanges,
  updateUnauthorizedStatus,
} from '../../store/observations.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

/** Unauthorized-change records: listed and read by auditors, acknowledged and resolved by change managers. */

export async function listUnauthorized(
  deps: ServiceDeps,
  actor: Actor,
  query: { status?: unknown; environment?: unknown } = {},
): Promise<UnauthorizedChange[]> {
  const raw = query.status === undefined ? [] : Array.isArray(query.status) ? query.status : [query.status];
  const status = raw.map((s) => oneOf('status', s, unauthorizedStatuses));
  const environment =
    query.environment === undefined || query.environment === ''
      ? undefined
      : text('environment', query.environment, { min: 1, max: 63 });
  return listUnauthorizedChanges(deps.db, actor.tenantId, { status, environment });
}

export async function getUnauthorized(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<UnauthorizedChange> {
  const found = await findUnauthorizedChange(deps.db, actor.tenantId, unauthorizedRef(ref));
  if (!found) throw notFound('unauthorized change', ref);
  return found;
}

/** acknowledge: someone owns it now; resolve: explained or reverted (a note says how). */
export async function moveUnauthorized(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  action: 'acknowledge' | 'resolve',
  noteInput?: unknown,
): Promise<UnauthorizedChange> {
  const note =
    noteInput === undefined || noteInput === null || noteInput === ''
      ? null
      : text('note', noteInput, { min: 1, max: 4000 });
  if (action === 'resolve' && note === null)
    throw new AppError(
      'invalid_input',
      'note: say how it was resolved (reverted, covered by CHG…, accepted)',
      {
        field: 'note',
      },
    );
  return inTransaction(deps.db, async (tx) => {
    const found = await findUnauthorizedChange(tx, actor.tenantId, unauthorizedRef(ref), deps.dialect);
    if (!found) throw notFound('unauthorized change', ref);
    const next = nextUnauthorizedStatus(found.status, action);
    if (!(unauthorizedStatuses as readonly string[]).includes(next))
      throw new AppError('illegal_transition', `${found.number} cannot be ${action}d: ${next}`, {
        field: 'status',
        status: found.status,
      });
    const status = next as UnauthorizedStatus;
    const now = deps.now();
    await updateUnauthorizedStatus(tx, actor.tenantId, found.id, { status, by: actor.name, at: now, note });
    await recordAudit(tx, deps, actor, {
      action: `unauthorized_change.${status}`,
      entityType: 'unauthorized_change',
      entityId: found.id,
      before: { number: found.number, status: found.status },
      after: { number: found.number, status, note },
    });
    return {
      ...found,
      status,
      note: note ?? found.note,
      updatedAt: now,
      ...(status === 'acknowledged'
        ? { acknowledgedBy: actor.name, acknowledgedAt: now }
        : { resolvedBy: actor.name, resolvedAt: now }),
    };
  });
}
