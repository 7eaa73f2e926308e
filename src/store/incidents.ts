import type { Selectable } from 'kysely';
import type {
  Incident,
  IncidentAuthorization,
  IncidentFields,
  IncidentSeverity,
  IncidentSource,
  IncidentStatus,
} from '../domain/incident.js';
import type { DbOrTx, Dialect } from './database.js';
import type { IncidentsTable } from './schema.js';
import { updateTenantRow } from './update-tenant-row.js';

/** Incidents and the authorizations their commanders grant to change requests. */

function toIncident(row: Selectable<IncidentsTable>): Incident {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    severity: row.severity as IncidentSeverity | null,
    components: JSON.parse(row.components_json) as string[],
    environment: row.environment,
    major: Number(row.major) === 1,
    status: row.status as IncidentStatus,
    commander: row.commander,
    startedAt: Number(row.started_at),
    detectedAt: row.detected_at === null ? null : Number(row.detected_at),
    source: row.source as IncidentSource | null,
    externalId: row.external_id,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolvedBy: row.resolved_by,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertIncident(db: DbOrTx, tenantId: string, i: Incident): Promise<void> {
  await db
    .insertInto('incidents')
    .values({
      id: i.id,
      tenant_id: tenantId,
      number: i.number,
      title: i.title,
      severity: i.severity,
      components_json: JSON.stringify(i.components),
      environment: i.environment,
      major: i.major ? 1 : 0,
      status: i.status,
      commander: i.commander,
      started_at: i.startedAt,
      detected_at: i.detectedAt,
      source: i.source,
      external_id: i.externalId,
      resolved_at: i.resolvedAt,
      resolved_by: i.resolvedBy,
      created_by: i.createdBy,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
    })
    .execute();
}

/** By number (INC0000007) or id; `lockFor` takes a row lock for a read-modify-write on PostgreSQL. */
export async function findIncident(
  db: DbOrTx,
  tenantId: string,
  ref: { by: 'number' | 'id'; value: string },
  options: { lockFor?: Dialect } = {},
): Promise<Incident | undefined> {
  const row = await db
    .selectFrom('incidents')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(ref.by === 'number' ? 'number' : 'id', '=', ref.value)
    .$if(options.lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toIncident(row);
}

/**
 * The incident a webhook sender knows by its own id, if one was recorded, with the signed time of
 * the last delivery applied to it (null before migration 0016 or for one never delivered by webhook).
 */
export async function findIncidentByExternalId(
  db: DbOrTx,
  tenantId: string,
  externalId: string,
  options: { lockFor?: Dialect } = {},
): Promise<{ incident: Incident; lastDeliveryAt: number | null } | undefined> {
  const row = await db
    .selectFrom('incidents')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('external_id', '=', externalId)
    .$if(options.lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    incident: toIncident(row),
    lastDeliveryAt: row.last_delivery_at === null ? null : Number(row.last_delivery_at),
  };
}

/** Remembers the signed time of the webhook delivery just applied to the incident. */
export async function noteWebhookDelivery(
  db: DbOrTx,
  tenantId: string,
  id: string,
  at: number,
): Promise<void> {
  await updateTenantRow(db, 'incidents', { tenantId, id }, { last_delivery_at: at });
}

/** Writes changed incident fields (only those given). */
export async function updateIncidentFields(
  db: DbOrTx,
  tenantId: string,
  id: string,
  changed: Partial<IncidentFields>,
  at: number,
): Promise<void> {
  await updateTenantRow(
    db,
    'incidents',
    { tenantId, id },
    {
      updated_at: at,
      title: changed.title,
      severity: changed.severity,
      components_json: changed.components && JSON.stringify(changed.components),
      environment: changed.environment,
      major: changed.major === undefined ? undefined : changed.major ? 1 : 0,
      commander: changed.commander,
      started_at: changed.startedAt,
      detected_at: changed.detectedAt,
    },
  );
}

/** The tenant's incidents, newest first; optionally of one status, or only major ones. */
export async function listIncidents(
  db: DbOrTx,
  tenantId: string,
  filter: { status?: IncidentStatus; major?: boolean } = {},
): Promise<Incident[]> {
  let query = db.selectFrom('incidents').selectAll().where('tenant_id', '=', tenantId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.major !== undefined) query = query.where('major', '=', filter.major ? 1 : 0);
  return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toIncident);
}

/** Marks an open incident resolved; false when it no longer was open. */
export async function markIncidentResolved(
  db: DbOrTx,
  tenantId: string,
  id: string,
  by: string,
  at: number,
): Promise<boolean> {
  return updateTenantRow(
    db,
    'incidents',
    { tenantId, id },
    { status: 'resolved', resolved_at: at, resolved_by: by, updated_at: at },
    { column: 'status', is: 'open' },
  );
}

export async function insertIncidentAuthorization(
  db: DbOrTx,
  tenantId: string,
  a: Omit<IncidentAuthorization, 'incidentNumber' | 'changeRequestNumber'>,
): Promise<void> {
  await db
    .insertInto('incident_authorizations')
    .values({
      id: a.id,
      tenant_id: tenantId,
      incident_id: a.incidentId,
      change_request_id: a.changeRequestId,
      authorized_by: a.authorizedBy,
      reason: a.reason,
      created_at: a.createdAt,
    })
    .execute();
}

/** Authorizations of a change request, or of an incident, with both numbers. */
export async function listIncidentAuthorizations(
  db: DbOrTx,
  tenantId: string,
  filter: { changeRequestId?: string; incidentId?: string },
): Promise<IncidentAuthorization[]> {
  let query = db
    .selectFrom('incident_authorizations as a')
    .innerJoin('incidents as i', 'i.id', 'a.incident_id')
    .innerJoin('change_requests as c', 'c.id', 'a.change_request_id')
    .select([
      'a.id',
      'a.incident_id',
      'i.number as incident_number',
      'a.change_request_id',
      'c.number as change_request_number',
      'a.authorized_by',
      'a.reason',
      'a.created_at',
    ])
    .where('a.tenant_id', '=', tenantId)
    .where('i.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId);
  if (filter.changeRequestId) query = query.where('a.change_request_id', '=', filter.changeRequestId);
  if (filter.incidentId) query = query.where('a.incident_id', '=', filter.incidentId);
  const rows = await query.orderBy('a.created_at').orderBy('a.id').execute();
  return rows.map((r) => ({
    id: r.id,
    incidentId: r.incident_id,
    incidentNumber: r.incident_number,
    changeRequestId: r.change_request_id,
    changeRequestNumber: r.change_request_number,
    authorizedBy: r.authorized_by,
    reason: r.reason,
    createdAt: Number(r.created_at),
  }));
}

/** Change requests linked to an incident (change_links rows of kind `incident` naming its number). */
export async function listLinkedChanges(
  db: DbOrTx,
  tenantId: string,
  incidentNumber: string,
): Promise<{ changeRequestNumber: string; linkedBy: string; linkedAt: number }[]> {
  const rows = await db
    .selectFrom('change_links as l')
    .innerJoin('change_requests as c', 'c.id', 'l.change_request_id')
    .select(['c.number', 'l.created_by', 'l.created_at'])
    .where('l.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId)
    .where('l.kind', '=', 'incident')
    .where('l.target', '=', incidentNumber)
    .orderBy('l.created_at')
    .orderBy('l.id')
    .execute();
  return rows.map((r) => ({
    changeRequestNumber: r.number,
    linkedBy: r.created_by,
    linkedAt: Number(r.created_at),
  }));
}

export interface IncidentCauseSummary {
  changeRequestNumber: string;
  status: string;
  confidence: number;
  explanation: string;
  decidedBy: string | null;
}

/** The ranked candidate and decided causing changes of an incident (rows written by attribution). */
export async function listIncidentCauseSummaries(
  db: DbOrTx,
  tenantId: string,
  incidentId: string,
): Promise<IncidentCauseSummary[]> {
  const rows = await db
    .selectFrom('incident_causes as k')
    .innerJoin('change_requests as c', 'c.id', 'k.change_request_id')
    .select(['c.number', 'k.status', 'k.confidence', 'k.explanation', 'k.decided_by'])
    .where('k.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId)
    .where('k.incident_id', '=', incidentId)
    .orderBy('k.confidence', 'desc')
    .orderBy('c.number')
    .execute();
  return rows.map((r) => ({
    changeRequestNumber: r.number,
    status: r.status,
    confidence: Number(r.confidence),
    explanation: r.explanation,
    decidedBy: r.decided_by,
  }));
}
