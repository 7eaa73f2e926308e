import { sql } from 'kysely';
import type { AuditEvent } from '../domain/audit-chain.js';
import { readAuditEventAt } from './audit-log.js';
import type { DbOrTx, Dialect } from './database.js';

/** Where a retention purge cut a tenant's chain (audit_cuts). */
export interface AuditCut {
  seq: number;
  hash: string;
  at: number;
  archive: string;
}

export async function latestAuditCut(db: DbOrTx, tenantId: string): Promise<AuditCut | null> {
  const row = await db
    .selectFrom('audit_cuts')
    .select(['seq', 'hash', 'at', 'archive'])
    .where('tenant_id', '=', tenantId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash, at: Number(row.at), archive: row.archive } : null;
}

export async function insertAuditCut(
  tx: DbOrTx,
  tenantId: string,
  cut: AuditCut,
  createdAt: number,
): Promise<void> {
  await tx
    .insertInto('audit_cuts')
    .values({ tenant_id: tenantId, ...cut, created_at: createdAt })
    .execute();
}

/** Tables whose rows hang off a change request, children before parents. */
export const changeRequestChildren = [
  'approvals',
  'approval_steps',
  'comments',
  'attachments',
  'change_links',
  'checklist_checks',
  'obligations',
  'window_overrides',
  'change_batch_members',
  'incident_causes',
  'incident_authorizations',
  'deployment_runs',
] as const;

/** Tables whose rows hang off an incident (problem_incidents never: an incident in a problem is kept). */
export const incidentChildren = ['incident_causes', 'incident_authorizations'] as const;

export interface PurgeCandidate {
  id: string;
  number: string;
}

export interface SkippedRecord {
  number: string;
  reason: string;
}

/** Resolved incidents resolved before the cutoff and not part of any problem. */
export async function purgeableIncidents(
  db: DbOrTx,
  tenantId: string,
  cutoff: number,
): Promise<{ purge: PurgeCandidate[]; skipped: SkippedRecord[] }> {
  const rows = await db
    .selectFrom('incidents as i')
    .leftJoin('problem_incidents as pi', (j) =>
      j.onRef('pi.incident_id', '=', 'i.id').onRef('pi.tenant_id', '=', 'i.tenant_id'),
    )
    .leftJoin('problems as p', 'p.id', 'pi.problem_id')
    .select(['i.id', 'i.number', 'p.number as problem'])
    .where('i.tenant_id', '=', tenantId)
    .where('i.status', '=', 'resolved')
    .where('i.resolved_at', '<', cutoff)
    .orderBy('i.number')
    .execute();
  const purge: PurgeCandidate[] = [];
  const skipped: SkippedRecord[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    if (r.problem)
      skipped.push({ number: r.number, reason: `linked to problem ${r.problem}, which is kept` });
    else purge.push({ id: r.id, number: r.number });
  }
  return { purge, skipped };
}

/**
 * Closed or canceled CRs finished before the cutoff, except those a kept record still points at:
 * a problem's fix, or the cause or authorization of an incident that is not purged with them.
 */
export async function purgeableChangeRequests(
  db: DbOrTx,
  tenantId: string,
  cutoff: number,
  purgedIncidentIds: readonly string[],
): Promise<{ purge: PurgeCandidate[]; skipped: SkippedRecord[] }> {
  const rows = await db
    .selectFrom('change_requests')
    .select(['id', 'number'])
    .where('tenant_id', '=', tenantId)
    .where('state', 'in', ['closed', 'canceled'])
    .where((eb) => eb(eb.fn.coalesce('closed_at', 'updated_at'), '<', cutoff))
    .orderBy('number')
    .execute();
  if (rows.length === 0) return { purge: [], skipped: [] };
  const ids = rows.map((r) => r.id);
  const gone = purgedIncidentIds.length ? [...purgedIncidentIds] : [''];
  const keptBy = new Map<string, string>();
  const fixes = await db
    .selectFrom('problems')
    .select(['fix_change_request_id as cr', 'number'])
    .where('tenant_id', '=', tenantId)
    .where('fix_change_request_id', 'in', ids)
    .execute();
  for (const f of fixes) if (f.cr) keptBy.set(f.cr, `the fix of problem ${f.number}, which is kept`);
  const links = [
    ...(await incidentLinks(db, 'incident_causes', tenantId, ids, gone)).map((l) => ({
      ...l,
      what: 'a cause of',
    })),
    ...(await incidentLinks(db, 'incident_authorizations', tenantId, ids, gone)).map((l) => ({
      ...l,
      what: 'authorized by',
    })),
  ];
  for (const l of links)
    if (!keptBy.has(l.cr)) keptBy.set(l.cr, `${l.what} incident ${l.number}, which is kept`);
  return {
    purge: rows.filter((r) => !keptBy.has(r.id)),
    skipped: rows
      .filter((r) => keptBy.has(r.id))
      .map((r) => ({ number: r.number, reason: keptBy.get(r.id) ?? '' })),
  };
}

async function incidentLinks(
  db: DbOrTx,
  table: 'incident_causes' | 'incident_authorizations',
  tenantId: string,
  crIds: string[],
  purgedIncidentIds: string[],
): Promise<{ cr: string; number: string }[]> {
  return db
    .selectFrom(table)
    .innerJoin('incidents', 'incidents.id', `${table}.incident_id`)
    .select([`${table}.change_request_id as cr`, 'incidents.number'])
    .where(`${table}.tenant_id`, '=', tenantId)
    .where(`${table}.change_request_id`, 'in', crIds)
    .where(`${table}.incident_id`, 'not in', purgedIncidentIds)
    .execute() as Promise<{ cr: string; number: string }[]>;
}

/** One table's rows that belong to the purged records: `column in ids` for any of the given columns. */
export interface RowSelection {
  table: string;
  where: { column: string; ids: readonly string[] }[];
}

function selectionSql(tenantId: string, s: RowSelection) {
  const conditions = s.where
    .filter((w) => w.ids.length > 0)
    .map((w) => sql`${sql.ref(w.column)} in (${sql.join([...w.ids])})`);
  if (conditions.length === 0) return null;
  return sql`${sql.table(s.table)} where tenant_id = ${tenantId} and (${sql.join(conditions, sql` or `)})`;
}

export async function readSelectedRows(
  db: DbOrTx,
  tenantId: string,
  s: RowSelection,
): Promise<Record<string, unknown>[]> {
  const from = selectionSql(tenantId, s);
  if (!from) return [];
  const { rows } = await sql<Record<string, unknown>>`select * from ${from}`.execute(db);
  return rows.map(withoutGeneratedColumns);
}

/**
 * Columns the database computes from the others (migration 0018): not part of the record, and a row
 * that carried them could not be inserted back, so archives leave them out.
 */
const generatedColumns = ['maturity_profile'];

function withoutGeneratedColumns(row: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...row };
  for (const column of generatedColumns) delete copy[column];
  return copy;
}

export async function deleteSelectedRows(db: DbOrTx, tenantId: string, s: RowSelection): Promise<void> {
  const from = selectionSql(tenantId, s);
  if (from) await sql`delete from ${from}`.execute(db);
}

/**
 * The last event a purge may remove: events older than the cutoff, up to (not including) the first
 * event that is recent or concerns a change request, incident or problem that is kept. Null: none.
 */
export async function auditPurgeEnd(
  db: DbOrTx,
  tenantId: string,
  afterSeq: number,
  cutoff: number,
  purgedIds: readonly string[],
): Promise<AuditEvent | null> {
  const gone = purgedIds.length ? [...purgedIds] : [''];
  const firstKept = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.min('seq').as('seq'))
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', afterSeq)
    .where((eb) =>
      eb.or([
        eb('at', '>=', cutoff),
        eb(
          'entity_id',
          'in',
          eb
            .selectFrom('change_requests')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .where('id', 'not in', gone),
        ),
        eb(
          'entity_id',
          'in',
          eb
            .selectFrom('incidents')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .where('id', 'not in', gone),
        ),
        eb('entity_id', 'in', eb.selectFrom('problems').select('id').where('tenant_id', '=', tenantId)),
      ]),
    )
    .executeTakeFirst();
  let end: number;
  if (firstKept?.seq !== null && firstKept?.seq !== undefined) end = Number(firstKept.seq) - 1;
  else {
    const last = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    end = Number(last?.seq ?? 0);
  }
  if (end <= afterSeq) return null;
  return (await readAuditEventAt(db, tenantId, end)) ?? null;
}

/**
 * THE one place the application deletes audit events: a retention purge, in the transaction that
 * recorded the cut at `throughSeq`. On PostgreSQL the append-only trigger allows it only with
 * `changegate.retention` on for this transaction and only at or below the tenant's latest cut.
 */
export async function purgeAuditEventsThroughCut(
  tx: DbOrTx,
  dialect: Dialect,
  tenantId: string,
  throughSeq: number,
): Promise<void> {
  if (!tx.isTransaction) throw new Error('audit events are purged only inside the retention transaction');
  if (dialect === 'postgres') await sql`select set_config('changegate.retention', 'on', true)`.execute(tx);
  await tx
    .deleteFrom('audit_events')
    .where('tenant_id', '=', tenantId)
    .where('seq', '<=', throughSeq)
    .execute();
  if (dialect === 'postgres') await sql`select set_config('changegate.retention', 'off', true)`.execute(tx);
}
