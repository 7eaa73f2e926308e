import { escalationTopics } from '../domain/escalation.js';
import type { OutboxEvent } from '../domain/outbox-event.js';
import type { Page } from '../services/changes/change-request-queries.js';
import type { EscalationRunDto, EventDto, EventPageDto } from './event-schemas.js';

/** Domain → API shapes for outbox events; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();

export function eventDto(e: OutboxEvent): EventDto {
  return {
    id: e.id,
    topic: e.topic,
    payload: e.payload,
    createdAt: iso(e.createdAt),
    publishedAt: e.publishedAt === null ? null : iso(e.publishedAt),
  };
}

export function eventPageDto(page: Page<OutboxEvent>): EventPageDto {
  return { items: page.items.map(eventDto), nextCursor: page.nextCursor };
}

export function escalationRunDto(events: OutboxEvent[]): EscalationRunDto {
  return {
    escalated: events.filter((e) => e.topic === escalationTopics.escalated).length,
    overdue: events.filter((e) => e.topic === escalationTopics.overdue).length,
    events: events.map(eventDto),
  };
}
