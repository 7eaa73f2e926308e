import { type Static, Type } from 'typebox';

/** JSON shapes of outbox events (docs/escalation.md#events). */

const Time = Type.String({ format: 'date-time' });

export const EventSchema = Type.Object({
  id: Type.String(),
  topic: Type.String({ description: 'e.g. approval.step_escalated, approval.step_overdue' }),
  payload: Type.Record(Type.String(), Type.Unknown(), { description: "The topic's own fields" }),
  createdAt: Time,
  publishedAt: Type.Union([Type.Null(), Time], { description: 'When a deliverer sent it; null until then' }),
});

export const EventPageSchema = Type.Object({
  items: Type.Array(EventSchema),
  nextCursor: Type.Union([Type.Null(), Type.String()], {
    description: 'Pass as cursor for the next page; null on the last',
  }),
});

export type EventDto = Static<typeof EventSchema>;
export type EventPageDto = Static<typeof EventPageSchema>;

/** What `changegate escalations run` did: the events it wrote, in every tenant. */
export interface EscalationRunDto {
  escalated: number;
  overdue: number;
  events: EventDto[];
}
