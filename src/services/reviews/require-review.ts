import type { ChangeRequest } from '../../domain/change-request.js';
import type { Obligation } from '../../domain/deployment.js';
import type { DbOrTx } from '../../store/database.js';
import { insertObligation, listObligations } from '../../store/obligations.js';
import { recordAudit } from '../audit/record-audit.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';

/** Why a change owes a post-incident review: it caused an incident, or it failed. */
export type ReviewReason = { incident: string } | { failed: string };

/** The review's detail names its subject, so the same subject never gets a second review. */
export function reviewDetail(cr: Pick<ChangeRequest, 'number'>, reason: ReviewReason): string {
  return 'incident' in reason
    ? `Post-incident review: ${cr.number} caused ${reason.incident}. Record the root cause on the problem and complete this with a note.`
    : `Post-incident review of the failed change ${cr.number} (${reason.failed}). Complete this with a note.`;
}

/**
 * Adds a `post_incident_review` obligation to the CR, due `attribution.reviewDue` from now, in the
 * caller's transaction; nothing when the CR already owes (or held) the review of the same subject.
 * A failed change is reviewed once, however it was found failed (rolled back, then closed unsuccessful).
 */
export async function requirePostIncidentReview(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  cr: Pick<ChangeRequest, 'id' | 'number'>,
  reason: ReviewReason,
): Promise<Obligation | null> {
  const detail = reviewDetail(cr, reason);
  const sameSubject = (o: Obligation) =>
    o.kind === 'post_incident_review' &&
    ('incident' in reason ? o.detail === detail : o.detail?.startsWith('Post-incident review of the failed'));
  if ((await listObligations(tx, actor.tenantId, cr.id)).some(sameSubject)) return null;
  const { config } = await loadTenantConfig(tx, actor.tenantId);
  const now = deps.now();
  const obligation: Obligation = {
    id: deps.newId(),
    changeRequestId: cr.id,
    kind: 'post_incident_review',
    state: 'open',
    detail,
    dueAt: now + config.attribution.reviewDueMs,
    createdAt: now,
    completedAt: null,
    completedBy: null,
  };
  await insertObligation(tx, actor.tenantId, obligation);
  await recordAudit(tx, deps, actor, {
    action: 'obligation.created',
    entityType: 'change_request',
    entityId: cr.id,
    after: {
      number: cr.number,
      kind: obligation.kind,
      dueAt: obligation.dueAt,
      ...('incident' in reason ? { incident: reason.incident } : { failed: reason.failed }),
    },
  });
  return obligation;
}

/** For closing a CR: a change closed `unsuccessful` owes a review, written with the closure. */
export function reviewIfUnsuccessful(
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  closeCategory: string,
): ((tx: DbOrTx, cr: Pick<ChangeRequest, 'id' | 'number'>) => Promise<void>) | undefined {
  if (closeCategory !== 'unsuccessful') return undefined;
  return async (tx, cr) => {
    await requirePostIncidentReview(tx, deps, actor, cr, { failed: 'closed unsuccessful' });
  };
}
