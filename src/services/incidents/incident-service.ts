import { changeRef } from '../../domain/change-request.js';
import { sameActor } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import {
  formatIncidentNumber,
  type Incident,
  type IncidentAuthorization,
  incidentRef,
  validateIncidentCreate,
} from '../../domain/incident.js';
import { insertLink, listLinks } from '../../store/change-links.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { nextCounterValue } from '../../store/counters.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  findIncident,
  insertIncident,
  listIncidentAuthorizations,
  listIncidents,
  listLinkedChanges,
  markIncidentResolved,
} from '../../store/incidents.js';
import { recordAudit } from '../audit/record-audit.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';

/** An incident with the change requests linked to it and the authorizations its commander granted. */
export interface IncidentDetail {
  incident: Incident;
  linkedChanges: { changeRequestNumber: string; linkedBy: string; linkedAt: number }[];
  authorizations: IncidentAuthorization[];
}

/** What the audit trail keeps of an incident: its facts, not the tenant id. */
function audited(i: Incident) {
  const { id: _id, ...facts } = i;
  return facts;
}

export async function requireIncident(
  db: DbOrTx,
  deps: Pick<ServiceDeps, 'dialect'>,
  actor: Pick<Actor, 'tenantId'>,
  ref: string,
  options: { lock?: boolean } = {},
): Promise<Incident> {
  const found = await findIncident(db, actor.tenantId, incidentRef(ref), {
    lockFor: options.lock ? deps.dialect : undefined,
  });
  if (!found) throw notFound('incident', ref);
  return found;
}

export async function createIncident(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<Incident> {
  const now = deps.now();
  const fields = validateIncidentCreate(input, now);
  return inTransaction(deps.db, async (tx) => {
    if (fields.environment !== null) {
      const known = await environmentNames(tx, actor);
      if (!known.includes(fields.environment)) throw unknownEnvironment(fields.environment, known);
    }
    await assertRegisteredComponents(tx, actor, fields.components);
    const incident: Incident = {
      id: deps.newId(),
      number: formatIncidentNumber(await nextCounterValue(tx, actor.tenantId, 'incident')),
      ...fields,
      status: 'open',
      resolvedAt: null,
      resolvedBy: null,
      createdBy: actor.name,
      createdAt: now,
      updatedAt: now,
    };
    await insertIncident(tx, actor.tenantId, incident);
    await recordAudit(tx, deps, actor, {
      action: 'incident.created',
      entityType: 'incident',
      entityId: incident.id,
      after: audited(incident),
    });
    return incident;
  });
}

export async function listTenantIncidents(
  deps: ServiceDeps,
  actor: Actor,
  query: { open?: unknown } = {},
): Promise<Incident[]> {
  const open = query.open === true || query.open === 'true';
  return listIncidents(deps.db, actor.tenantId, open ? { status: 'open' } : {});
}

export async function getIncident(deps: ServiceDeps, actor: Actor, ref: string): Promise<IncidentDetail> {
  const incident = await requireIncident(deps.db, deps, actor, ref);
  const [linkedChanges, authorizations] = await Promise.all([
    listLinkedChanges(deps.db, actor.tenantId, incident.number),
    listIncidentAuthorizations(deps.db, actor.tenantId, { incidentId: incident.id }),
  ]);
  return { incident, linkedChanges, authorizations };
}

/** Resolving lifts the block at once: changes it held back may be scheduled and deployed. */
export async function resolveIncident(deps: ServiceDeps, actor: Actor, ref: string): Promise<Incident> {
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref, { lock: true });
    assertMayResolve(incident, actor);
    const now = deps.now();
    if (!(await markIncidentResolved(tx, actor.tenantId, incident.id, actor.name, now))) {
      throw new AppError(
        'illegal_transition',
        `${incident.number} is already resolved (at ${new Date(incident.resolvedAt ?? now).toISOString()} by ${incident.resolvedBy})`,
        { field: 'incident', status: incident.status },
      );
    }
    const resolved: Incident = {
      ...incident,
      status: 'resolved',
      resolvedAt: now,
      resolvedBy: actor.name,
      updatedAt: now,
    };
    await recordAudit(tx, deps, actor, {
      action: 'incident.resolved',
      entityType: 'incident',
      entityId: incident.id,
      before: { status: incident.status },
      after: { number: incident.number, status: 'resolved', resolvedAt: now },
    });
    return resolved;
  });
}

/**
 * Links a change request to an incident: a `change_links` row of kind `incident` naming the
 * incident's number, which the risk history counts as a failure of that change.
 */
export async function linkIncident(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  changeRequest: unknown,
): Promise<{ incident: Incident; changeRequestNumber: string; linkedBy: string; linkedAt: number }> {
  const crRef = typeof changeRequest === 'string' ? changeRequest : '';
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref);
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(crRef), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', crRef);
    const links = await listLinks(tx, actor.tenantId, cr.id);
    if (links.some((l) => l.kind === 'incident' && l.target === incident.number)) {
      throw new AppError('conflict', `${cr.number} is already linked to ${incident.number}`, {
        field: 'changeRequest',
      });
    }
    const link = {
      id: deps.newId(),
      changeRequestId: cr.id,
      kind: 'incident',
      target: incident.number,
      createdBy: actor.name,
      createdAt: deps.now(),
    };
    await insertLink(tx, actor.tenantId, link);
    await recordAudit(tx, deps, actor, {
      action: 'change_request.incident_linked',
      entityType: 'change_request',
      entityId: cr.id,
      after: { number: cr.number, incident: incident.number, incidentId: incident.id, linkId: link.id },
    });
    return { incident, changeRequestNumber: cr.number, linkedBy: actor.name, linkedAt: link.createdAt };
  });
}

/**
 * Resolving a major incident lifts its block on high-risk changes, so it is the commander's call (or a
 * change manager's or admin's), not anyone's who may write incidents.
 */
function assertMayResolve(incident: Incident, actor: Actor): void {
  if (!incident.major || actor.role === 'change_manager' || actor.role === 'admin') return;
  if (incident.commander !== null && sameActor(incident.commander, actor.name)) return;
  throw new AppError(
    'forbidden',
    `${incident.number} is a major incident: only its commander (${incident.commander ?? 'none named'}), a change manager or an admin may resolve it`,
    { field: 'incident', commander: incident.commander },
  );
}
