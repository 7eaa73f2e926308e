import { AppError } from '../../domain/errors.js';
import type { OutboxEvent } from '../../domain/outbox-event.js';
import { instant, text } from '../../domain/validate.js';
import { listOutboxEvents } from '../../store/outbox.js';
import type { Page } from '../changes/change-request-queries.js';
import type { Actor, ServiceDeps } from '../context.js';

export interface EventListQuery {
  topic?: unknown;
  since?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

export const maxEventPage = 200;

const given = (value: unknown) => value !== undefined && value !== '';

/** The tenant's outbox events, oldest first, a page at a time (docs/escalation.md#events). */
export async function listEvents(
  deps: ServiceDeps,
  actor: Actor,
  query: EventListQuery = {},
): Promise<Page<OutboxEvent>> {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxEventPage) {
    throw new AppError(
      'invalid_input',
      `limit: '${String(query.limit)}' must be a whole number from 1 to ${maxEventPage}`,
      { field: 'limit' },
    );
  }
  const items = await listOutboxEvents(deps.db, actor.tenantId, {
    topic: given(query.topic) ? text('topic', query.topic, { max: 200 }) : undefined,
    since: given(query.since) ? instant('since', query.since) : undefined,
    after: given(query.cursor) ? decodeCursor(String(query.cursor)) : undefined,
    limit: limit + 1,
  });
  const more = items.length > limit;
  const page = more ? items.slice(0, limit) : items;
  const last = page.at(-1);
  return { items: page, nextCursor: more && last ? encodeCursor(last) : null };
}

function encodeCursor(event: OutboxEvent): string {
  return Buffer.from(`ev:${event.createdAt}:${event.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const match = /^ev:(\d{1,16}):([0-9A-Z]{26})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match?.[1] || !match[2]) {
    throw new AppError(
      'invalid_input',
      'cursor: not a cursor from a previous page; pass nextCursor back unchanged',
      { field: 'cursor' },
    );
  }
  return { createdAt: Number(match[1]), id: match[2] };
}
