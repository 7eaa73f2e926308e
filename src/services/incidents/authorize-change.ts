import { changeRef } from '../../domain/change-request.js';
import { isTerminal, sameActor } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { IncidentAuthorization } from '../../domain/incident.js';
import { rejectUnknown, requireFields, text } from '../../domain/validate.js';
import { insertComment } from '../../store/change-activity.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { inTransaction } from '../../store/database.js';
import { insertIncidentAuthorization, listIncidentAuthorizations } from '../../store/incidents.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';
import { requireIncident } from './incident-service.js';

/**
 * The incident commander lets one change request go ahead while the incident is open (docs/incidents.md).
 * Only the commander may, by identity: the route asks for `incident:write`, and the caller's name
 * must be the incident's commander. Separation of duties does not apply: the commander may be the
 * requester. Recorded, audited and noted on the CR.
 */
export async function authorizeChange(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: Record<string, unknown>,
): Promise<IncidentAuthorization> {
  rejectUnknown(input, ['changeRequestId', 'reason']);
  requireFields(input, ['changeRequestId', 'reason']);
  const crRef = text('changeRequestId', input.changeRequestId, { min: 1, max: 64 });
  const reason = text('reason', input.reason, { min: 1, max: 2000 });
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref, { lock: true });
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(crRef), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', crRef);
    if (incident.commander === null || !sameActor(incident.commander, actor.name)) {
      throw new AppError(
        'forbidden',
        incident.commander === null
          ? `${incident.number} names no commander, so nobody can authorize changes during it`
          : `only ${incident.number}'s commander (${incident.commander}) may authorize changes during it; ${actor.name} is not. Ask them to run: changegate incident authorize ${incident.number} --change ${cr.number} --reason "…"`,
        { field: 'incident', commander: incident.commander },
      );
    }
    if (incident.status !== 'open') {
      throw new AppError(
        'illegal_transition',
        `${incident.number} is resolved; it blocks nothing, so there is nothing to authorize`,
        { field: 'incident', status: incident.status },
      );
    }
    if (isTerminal(cr.state)) {
      throw new AppError(
        'illegal_transition',
        `${cr.number} is ${cr.state}; a ${cr.state} change request needs no authorization`,
        { field: 'changeRequestId', state: cr.state },
      );
    }
    const exists = `${cr.number} is already authorized during ${incident.number}`;
    const earlier = await listIncidentAuthorizations(tx, actor.tenantId, { changeRequestId: cr.id });
    if (earlier.some((a) => a.incidentId === incident.id))
      throw new AppError('conflict', exists, { field: 'changeRequestId' });
    const authorization: IncidentAuthorization = {
      id: deps.newId(),
      incidentId: incident.id,
      incidentNumber: incident.number,
      changeRequestId: cr.id,
      changeRequestNumber: cr.number,
      authorizedBy: actor.name,
      reason,
      createdAt: deps.now(),
    };
    await uniqueOrConflict(
      insertIncidentAuthorization(tx, actor.tenantId, authorization),
      exists,
      'changeRequestId',
    );
    const comment = {
      id: deps.newId(),
      changeRequestId: cr.id,
      author: actor.name,
      body: `Authorized during major incident ${incident.number} '${incident.title}' by its commander ${actor.name}: ${reason}`,
      createdAt: authorization.createdAt,
    };
    await insertComment(tx, actor.tenantId, comment);
    await recordAudit(tx, deps, actor, {
      action: 'incident.change_authorized',
      entityType: 'change_request',
      entityId: cr.id,
      after: {
        number: cr.number,
        incident: incident.number,
        incidentId: incident.id,
        authorizationId: authorization.id,
        reason,
        commentId: comment.id,
      },
    });
    return authorization;
  });
}
