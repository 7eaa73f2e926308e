import { changeRef } from '../../domain/change-request.js';
import { notFound } from '../../domain/errors.js';
import type { Incident, IncidentAuthorization } from '../../domain/incident.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { listIncidentAuthorizations } from '../../store/incidents.js';
import type { Actor, ServiceDeps } from '../context.js';
import { incidentBlockFor } from './incident-block-check.js';

/** What a CR shows about incidents: who blocks it now, and the authorizations it holds. */
export interface ChangeRequestIncidents {
  changeRequestNumber: string;
  /** Open major incidents that would keep it out of scheduled/implement now. */
  blockedBy: Incident[];
  authorizations: IncidentAuthorization[];
}

export async function changeRequestIncidents(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ChangeRequestIncidents> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  const [decision, authorizations] = await Promise.all([
    incidentBlockFor(deps.db, actor, cr, { to: 'implement' }),
    listIncidentAuthorizations(deps.db, actor.tenantId, { changeRequestId: cr.id }),
  ]);
  return { changeRequestNumber: cr.number, blockedBy: decision.blocking, authorizations };
}
