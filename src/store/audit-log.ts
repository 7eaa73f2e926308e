import type { AuditEvent, AuditEventBody } from '../domain/audit-chain.js';
import type { DbOrTx } from './database.js';
import type { AuditEventsTable } from './schema.js';

export type NewAuditEvent = Omit<AuditEventBody, 'seq'>;

function toAuditEvent(row: AuditEventsTable): AuditEvent {
  return {
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    id: row.id,
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before_json === null ? null : JSON.parse(row.before_json),
    after: row.after_json === null ? null : JSON.parse(row.after_json),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The chain's rule, from the domain: where it starts and how an event links to its predecessor. */
export interface ChainRule {
  genesis: string;
  link(prevHash: string, body: AuditEventBody): string;
}

/**
 * Appends one event to its tenant's chain. Must run inside the transaction of the change it records.
 * Advancing the head first (one atomic upsert) serialises writers of a tenant, and the returned row
 * still carries the previous hash to link to.
 */
export async function appendAuditEvent(
  tx: DbOrTx,
  event: NewAuditEvent,
  chain: ChainRule,
): Promise<AuditEvent> {
  const head = await tx
    .insertInto('audit_heads')
    .values({ tenant_id: event.tenantId, seq: 1, hash: chain.genesis })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({ seq: eb('audit_heads.seq', '+', 1) })))
    .returning(['seq', 'hash'])
    .executeTakeFirstOrThrow();
  const body: AuditEventBody = { ...event, seq: Number(head.seq) };
  const prevHash = head.hash;
  const hash = chain.link(prevHash, body);
  await tx
    .insertInto('audit_events')
    .values({
      tenant_id: body.tenantId,
      seq: body.seq,
      id: body.id,
      at: body.at,
      actor: body.actor,
      action: body.action,
      entity_type: body.entityType,
      entity_id: body.entityId,
      before_json: body.before === null ? null : JSON.stringify(body.before),
      after_json: body.after === null ? null : JSON.stringify(body.after),
      prev_hash: prevHash,
      hash,
    })
    .execute();
  await tx.updateTable('audit_heads').set({ hash }).where('tenant_id', '=', body.tenantId).execute();
  return { ...body, prevHash, hash };
}

export async function readAuditHead(
  db: DbOrTx,
  tenantId: string,
): Promise<{ seq: number; hash: string } | null> {
  const row = await db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** A page of a tenant's events in sequence order, after `afterSeq`. */
export async function readAuditPage(
  db: DbOrTx,
  tenantId: string,
  afterSeq: number,
  limit: number,
  filter: { entityIds?: readonly string[] } = {},
): Promise<AuditEvent[]> {
  let q = db
    .selectFrom('audit_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit);
  if (filter.entityIds) q = q.where('entity_id', 'in', filter.entityIds.length ? filter.entityIds : ['']);
  const rows = await q.execute();
  return rows.map(toAuditEvent);
}

export async function readAuditEventAt(
  db: DbOrTx,
  tenantId: string,
  seq: number,
): Promise<AuditEvent | undefined> {
  const row = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row && toAuditEvent(row);
}
