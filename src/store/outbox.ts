import type { Selectable } from 'kysely';
import type { OutboxEvent } from '../domain/outbox-event.js';
import type { DbOrTx } from './database.js';
import type { OutboxTable } from './schema.js';

/** The outbox: events written in the transaction of what they report, read by deliverers and people. */

function toOutboxEvent(row: Selectable<OutboxTable>): OutboxEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    topic: row.topic,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    publishedAt: row.published_at === null ? null : Number(row.published_at),
  };
}

export async function insertOutboxEvent(db: DbOrTx, event: Omit<OutboxEvent, 'publishedAt'>): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      id: event.id,
      tenant_id: event.tenantId,
      topic: event.topic,
      payload_json: JSON.stringify(event.payload),
      created_at: event.createdAt,
      published_at: null,
    })
    .execute();
}

export interface OutboxFilter {
  topic?: string;
  /** Only events created at or after this instant. */
  since?: number;
  /** Keyset cursor: the last event of the previous page. */
  after?: { createdAt: number; id: string };
  limit: number;
}

/** A tenant's events, oldest first (a feed is read forward). */
export async function listOutboxEvents(
  db: DbOrTx,
  tenantId: string,
  filter: OutboxFilter,
): Promise<OutboxEvent[]> {
  let query = db.selectFrom('outbox').selectAll().where('tenant_id', '=', tenantId);
  if (filter.topic !== undefined) query = query.where('topic', '=', filter.topic);
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(filter.limit).execute();
  return rows.map(toOutboxEvent);
}
