import { changeRef } from '../../domain/change-request.js';
import { sameActor } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import {
  formatIncidentNumber,
  type Incident,
  type IncidentAuthorization,
  type IncidentFields,
  type IncidentSource,
  incidentRef,
  validateIncidentCreate,
  validateIncidentUpdate,
} from '../../domain/incident.js';
import { deleteIncidentLinks, insertLink, listLinks } from '../../store/change-links.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { nextCounterValue } from '../../store/counters.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  findIncident,
  type IncidentCauseSummary,
  insertIncident,
  listIncidentAuthorizations,
  listIncidentCauseSummaries,
  listIncidents,
  listLinkedChanges,
  markIncidentResolved,
  updateIncidentFields,
} from '../../store/incidents.js';
import { listProblemIncidents } from '../../store/problems.js';
import { rankIncidentCauses } from '../attribution/rank-incident-causes.js';
import { recordAudit } from '../audit/record-audit.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';
import { auditIncidentLink } from './audit-incident-link.js';

/** An incident with its linked CRs, problems, causing-change candidates and commander authorizations. */
export interface IncidentDetail {
  incident: Incident;
  linkedChanges: { changeRequestNumber: string; linkedBy: string; linkedAt: number }[];
  authorizations: IncidentAuthorization[];
  problems: { problemNumber: string; linkedBy: string; linkedAt: number }[];
  causes: IncidentCauseSummary[];
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
  const fields = validateIncidentCreate(input, deps.now());
  // A bearer credential means the HTTP API; local mode is the CLI. The webhook says so itself.
  const source: IncidentSource = actor.credentialId ? 'api' : 'cli';
  return inTransaction(deps.db, (tx) =>
    recordNewIncident(tx, deps, actor, fields, { source, externalId: null }),
  );
}

/** Environment and components must be the tenant's own: a typo would scope the incident to nothing. */
async function assertKnownScope(
  tx: DbOrTx,
  actor: Actor,
  fields: Partial<Pick<IncidentFields, 'environment' | 'components'>>,
): Promise<void> {
  if (fields.environment !== undefined && fields.environment !== null) {
    const known = await environmentNames(tx, actor);
    if (!known.includes(fields.environment)) throw unknownEnvironment(fields.environment, known);
  }
  if (fields.components !== undefined) await assertRegisteredComponents(tx, actor, fields.components);
}

/**
 * Records a new incident in the caller's transaction, whatever its source (CLI, API, webhook): numbers
 * it, audits it and ranks its candidate causing changes (docs/attribution.md).
 */
export async function recordNewIncident(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  fields: IncidentFields,
  origin: { source: IncidentSource; externalId: string | null },
): Promise<Incident> {
  await assertKnownScope(tx, actor, fields);
  const now = deps.now();
  const incident: Incident = {
    id: deps.newId(),
    number: formatIncidentNumber(await nextCounterValue(tx, actor.tenantId, 'incident')),
    ...fields,
    status: 'open',
    source: origin.source,
    externalId: origin.externalId,
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
  await rankIncidentCauses(tx, deps, actor, incident);
  return incident;
}

/**
 * `incident update`: title, severity, components, environment, detection time, major flag and
 * commander. On a major incident, changing the commander or lifting the major flag decides who may
 * let changes through, so it takes the same standing as resolving it.
 */
export async function updateIncident(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: Record<string, unknown>,
): Promise<Incident> {
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref, { lock: true });
    const changed = validateIncidentUpdate(input, incident, deps.now());
    if (incident.major && (changed.commander !== undefined || changed.major === false)) {
      assertMayCommand(incident, actor, 'change its commander or major flag');
    }
    return applyIncidentUpdate(tx, deps, actor, incident, changed);
  });
}

/** Writes validated changes and audits them (before/after of the changed fields only); none: no event. */
export async function applyIncidentUpdate(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  incident: Incident,
  changed: Partial<IncidentFields>,
): Promise<Incident> {
  const keys = Object.keys(changed) as (keyof IncidentFields)[];
  if (keys.length === 0) return incident;
  await assertKnownScope(tx, actor, changed);
  const now = deps.now();
  await updateIncidentFields(tx, actor.tenantId, incident.id, changed, now);
  await recordAudit(tx, deps, actor, {
    action: 'incident.updated',
    entityType: 'incident',
    entityId: incident.id,
    before: Object.fromEntries(keys.map((k) => [k, incident[k]])),
    after: { number: incident.number, ...changed },
  });
  const updated = { ...incident, ...changed, updatedAt: now };
  // A narrower (or wider) scope changes which changes may have caused it: candidates are ranked again.
  if ('components' in changed || 'environment' in changed || 'startedAt' in changed)
    await rankIncidentCauses(tx, deps, actor, updated);
  return updated;
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
  const [linkedChanges, authorizations, problems, causes] = await Promise.all([
    listLinkedChanges(deps.db, actor.tenantId, incident.number),
    listIncidentAuthorizations(deps.db, actor.tenantId, { incidentId: incident.id }),
    listProblemIncidents(deps.db, actor.tenantId, { incidentId: incident.id }),
    listIncidentCauseSummaries(deps.db, actor.tenantId, incident.id),
  ]);
  return {
    incident,
    linkedChanges,
    authorizations,
    problems: problems.map((p) => ({
      problemNumber: p.problemNumber,
      linkedBy: p.linkedBy,
      linkedAt: p.linkedAt,
    })),
    causes,
  };
}

/** Resolving lifts the block at once: changes it held back may be scheduled and deployed. */
export async function resolveIncident(deps: ServiceDeps, actor: Actor, ref: string): Promise<Incident> {
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref, { lock: true });
    assertMayCommand(incident, actor, 'resolve it');
    return markResolved(tx, deps, actor, incident);
  });
}

/** Resolves an open incident in the caller's transaction and audits it. */
export async function markResolved(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  incident: Incident,
): Promise<Incident> {
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
    const facts = { incident: incident.number, changeRequest: cr.number, linkId: link.id };
    await auditIncidentLink(tx, deps, actor, incident, cr, 'linked', facts);
    return { incident, changeRequestNumber: cr.number, linkedBy: actor.name, linkedAt: link.createdAt };
  });
}

/** Removes a CR's link to the incident (the risk history then no longer counts it); audited on both. */
export async function unlinkIncident(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  changeRequest: unknown,
): Promise<{ incident: Incident; changeRequestNumber: string }> {
  const crRef = typeof changeRequest === 'string' ? changeRequest : '';
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref);
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(crRef), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', crRef);
    if ((await deleteIncidentLinks(tx, actor.tenantId, cr.id, incident.number)) === 0) {
      throw new AppError('not_found', `${cr.number} is not linked to ${incident.number}`, {
        field: 'changeRequest',
      });
    }
    const facts = { incident: incident.number, changeRequest: cr.number };
    await auditIncidentLink(tx, deps, actor, incident, cr, 'unlinked', facts);
    return { incident, changeRequestNumber: cr.number };
  });
}

/**
 * Resolving a major incident lifts its block on high-risk changes, and its commander decides which
 * changes pass, so those are the commander's call (or a change manager's or admin's), not anyone's
 * who may write incidents.
 */
function assertMayCommand(incident: Incident, actor: Actor, what: string): void {
  if (!incident.major || actor.role === 'change_manager' || actor.role === 'admin') return;
  if (incident.commander !== null && sameActor(incident.commander, actor.name)) return;
  throw new AppError(
    'forbidden',
    `${incident.number} is a major incident: only its commander (${incident.commander ?? 'none named'}), a change manager or an admin may ${what}`,
    { field: 'incident', commander: incident.commander },
  );
}
