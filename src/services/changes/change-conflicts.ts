import { type ChangeRequest, changeRef } from '../../domain/change-request.js';
import { type Conflict, findConflicts, plannedSpan, whyNoConflictPossible } from '../../domain/conflicts.js';
import { notFound } from '../../domain/errors.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { listPlannedOverlapping } from '../../store/planned-changes.js';
import type { Actor, ServiceDeps } from '../context.js';

/** What `cr conflicts` shows: the CR's conflicts, or why it can have none. */
export interface ChangeConflicts {
  changeRequest: ChangeRequest;
  conflicts: Conflict[];
  /** Why no conflict is possible (no window, no components, finished), else null. */
  reason: string | null;
}

/**
 * Other live CRs of the same environment whose planned windows overlap this one's and that share a
 * component (src/domain/conflicts.ts). Computed on read, so a conflict shows on both CRs at once and
 * disappears when either is re-planned, closed or canceled.
 */
export async function changeRequestConflicts(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ChangeConflicts> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  const reason = whyNoConflictPossible(cr);
  const span = plannedSpan(cr);
  if (reason !== null || span === null || cr.environment === null)
    return { changeRequest: cr, conflicts: [], reason };
  const candidates = await listPlannedOverlapping(deps.db, actor.tenantId, {
    environment: cr.environment,
    start: span.start,
    end: span.end,
    excludeId: cr.id,
  });
  return { changeRequest: cr, conflicts: findConflicts(cr, candidates), reason: null };
}
