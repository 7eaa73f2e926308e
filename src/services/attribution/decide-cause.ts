import { type ChangeRequest, changeRef } from '../../domain/change-request.js';
import { sameActor } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Incident } from '../../domain/incident.js';
import { text } from '../../domain/validate.js';
import {
  decideCause,
  hasConcludedDeployment,
  type IncidentCause,
  insertCause,
  listCauses,
} from '../../store/attribution.js';
import { deleteIncidentLinks, insertLink, listLinks } from '../../store/change-links.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { auditIncidentLink } from '../incidents/audit-incident-link.js';
import { requireIncident } from '../incidents/incident-service.js';
import { requirePostIncidentReview } from '../reviews/require-review.js';

export interface CauseDecision {
  incident: Incident;
  cause: IncidentCause;
  /** The post-incident review a confirmation required; null when it was owed already, or on rejection. */
  reviewDueAt: number | null;
}

function noteOf(value: unknown, required: boolean): string | null {
  if (value === undefined || value === null || value === '') {
    if (!required) return null;
    throw new AppError(
      'invalid_input',
      'note: say why the change did not cause the incident (--note "…"); the rejection is audited with it',
      { field: 'note' },
    );
  }
  return text('note', value, { min: 1, max: 4000 });
}

async function load(tx: DbOrTx, deps: ServiceDeps, actor: Actor, ref: string, crRef: unknown) {
  const incident = await requireIncident(tx, deps, actor, ref, { lock: true });
  const crText = typeof crRef === 'string' ? crRef : '';
  const cr = await findChangeRequest(tx, actor.tenantId, changeRef(crText), { lockFor: deps.dialect });
  if (!cr) throw notFound('change request', crText);
  const cause = (await listCauses(tx, actor.tenantId, incident.id)).find((c) => c.changeRequestId === cr.id);
  return { incident, cr, cause };
}

async function audit(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  verdict: 'confirmed' | 'rejected',
  subject: { incident: Incident; crId: string; crNumber: string; before: string | null; note: string | null },
) {
  const facts = {
    incident: subject.incident.number,
    changeRequest: subject.crNumber,
    status: verdict,
    note: subject.note,
  };
  const before = subject.before === null ? null : { status: subject.before };
  await recordAudit(tx, deps, actor, {
    action: `incident.cause_${verdict}`,
    entityType: 'incident',
    entityId: subject.incident.id,
    before,
    after: facts,
  });
  await recordAudit(tx, deps, actor, {
    action: `change_request.cause_${verdict}`,
    entityType: 'change_request',
    entityId: subject.crId,
    before,
    after: { number: subject.crNumber, ...facts },
  });
}

/** Where a CR that never got anywhere stands, in words: "canceled", "closed as cancelled", "in state new". */
function standing(cr: Pick<ChangeRequest, 'state' | 'closeCategory'>): string {
  if (cr.state === 'canceled') return 'canceled';
  if (cr.closeCategory === 'cancelled')
    return `${cr.state === 'closed' ? 'closed' : `in state ${cr.state}`} as cancelled`;
  return `in state ${cr.state}`;
}

/**
 * Only a change that was deployed can have caused anything. "Deployed" as the metrics count it
 * (store/metrics.ts, deployment facts): a run of it that reached a pipeline status, or the CR
 * itself reached implement, review or closed without being cancelled (implemented by hand, or a
 * deployment under way).
 */
async function assertWasDeployed(
  tx: DbOrTx,
  actor: Actor,
  cr: ChangeRequest,
  incident: Incident,
): Promise<void> {
  const implemented =
    ['implement', 'review', 'closed'].includes(cr.state) && cr.closeCategory !== 'cancelled';
  if (implemented || (await hasConcludedDeployment(tx, actor.tenantId, cr.id))) return;
  throw new AppError(
    'illegal_transition',
    `${cr.number} is ${standing(cr)} and was never implemented or deployed, so it cannot have caused ${incident.number}; confirm the change that was deployed (changegate incident causes ${incident.number} lists the candidates)`,
    { field: 'changeRequest', state: cr.state, closeCategory: cr.closeCategory },
  );
}

/**
 * A human confirms that the change caused the incident (a candidate or any other CR of the tenant):
 * the cause is `confirmed`, the CR gets an `incident` link (the risk history and metrics count it as
 * failed) and owes a post-incident review. Audited on the incident and on the CR.
 */
export async function confirmCause(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  changeRequest: unknown,
  noteInput?: unknown,
): Promise<CauseDecision> {
  return inTransaction(deps.db, async (tx) => {
    const { incident, cr, cause } = await load(tx, deps, actor, ref, changeRequest);
    const note = noteOf(noteInput, false);
    if (cause?.status === 'confirmed')
      throw new AppError('conflict', `${cr.number} is already the confirmed cause of ${incident.number}`, {
        field: 'changeRequest',
      });
    await assertWasDeployed(tx, actor, cr, incident);
    const now = deps.now();
    const decision = { status: 'confirmed' as const, by: actor.name, at: now, note };
    if (cause) await decideCause(tx, actor.tenantId, cause.id, decision);
    else
      await insertCause(tx, actor.tenantId, {
        id: deps.newId(),
        incidentId: incident.id,
        changeRequestId: cr.id,
        deploymentRunId: null,
        status: 'confirmed',
        confidence: 0,
        explanation: 'confirmed by hand: not among the ranked candidates',
        decidedBy: actor.name,
        decidedAt: now,
        decisionNote: note,
        createdAt: now,
      });
    const links = await listLinks(tx, actor.tenantId, cr.id);
    if (!links.some((l) => l.kind === 'incident' && l.target === incident.number)) {
      const link = {
        id: deps.newId(),
        changeRequestId: cr.id,
        kind: 'incident',
        target: incident.number,
        createdBy: actor.name,
        createdAt: now,
      };
      await insertLink(tx, actor.tenantId, link);
      const facts = { incident: incident.number, changeRequest: cr.number, linkId: link.id };
      await auditIncidentLink(tx, deps, actor, incident, cr, 'linked', facts);
    }
    await audit(tx, deps, actor, 'confirmed', {
      incident,
      crId: cr.id,
      crNumber: cr.number,
      before: cause?.status ?? null,
      note,
    });
    const review = await requirePostIncidentReview(tx, deps, actor, cr, { incident: incident.number });
    const decided = (await listCauses(tx, actor.tenantId, incident.id)).find(
      (c) => c.changeRequestId === cr.id,
    );
    if (!decided) throw notFound('cause', cr.number);
    return { incident, cause: decided, reviewDueAt: review?.dueAt ?? null };
  });
}

/**
 * A human rejects a cause, with a note: it no longer counts. Rejecting a confirmed cause removes the
 * CR's `incident` link to this incident, so the risk history stops counting it.
 */
export async function rejectCause(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  changeRequest: unknown,
  noteInput: unknown,
): Promise<CauseDecision> {
  return inTransaction(deps.db, async (tx) => {
    const { incident, cr, cause } = await load(tx, deps, actor, ref, changeRequest);
    const note = noteOf(noteInput, true);
    if (!cause)
      throw new AppError(
        'not_found',
        `${cr.number} is not a candidate cause of ${incident.number}: only ranked candidates can be rejected (see changegate incident causes ${incident.number} --rerank)`,
        { field: 'changeRequest', entity: 'cause', ref: cr.number },
      );
    if (cause.status === 'rejected')
      throw new AppError('conflict', `${cr.number} is already rejected as a cause of ${incident.number}`, {
        field: 'changeRequest',
      });
    // Clearing a confirmed cause clears a change's failure: not for whoever requested or deployed it.
    if (
      cause.status === 'confirmed' &&
      [cr.requestedBy, cr.implementedBy].some((who) => who !== null && sameActor(who, actor.name))
    )
      throw new AppError(
        'separation_of_duties',
        `${actor.name} requested or deployed ${cr.number} and cannot reject it as a confirmed cause of ${incident.number}; ask someone else (the incident commander or a change manager)`,
        { field: 'changeRequest' },
      );
    await decideCause(tx, actor.tenantId, cause.id, {
      status: 'rejected',
      by: actor.name,
      at: deps.now(),
      note,
    });
    if (cause.status === 'confirmed') {
      const removed = await deleteIncidentLinks(tx, actor.tenantId, cr.id, incident.number);
      if (removed > 0)
        await auditIncidentLink(tx, deps, actor, incident, cr, 'unlinked', {
          incident: incident.number,
          changeRequest: cr.number,
        });
    }
    await audit(tx, deps, actor, 'rejected', {
      incident,
      crId: cr.id,
      crNumber: cr.number,
      before: cause.status,
      note,
    });
    const decided = (await listCauses(tx, actor.tenantId, incident.id)).find(
      (c) => c.changeRequestId === cr.id,
    );
    if (!decided) throw notFound('cause', cr.number);
    return { incident, cause: decided, reviewDueAt: null };
  });
}
