import { type Static, type TSchema, Type } from 'typebox';
import { windowKinds } from '../domain/windows.js';

/** JSON shapes of freeze and maintenance windows (docs/windows.md). Self-contained: schemas.ts uses two of them. */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
const Kind = Type.Enum([...windowKinds]);

export const WindowSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Kind,
  schedule: Type.Enum(['once', 'recurring'], {
    description: 'once: start and end; recurring: rrule, startTime, duration, timeZone, from, until',
  }),
  start: Nullable(Time),
  end: Nullable(Time),
  rrule: Nullable(Type.String({ description: 'RFC 5545 RRULE parts, e.g. FREQ=WEEKLY;BYDAY=FR' })),
  startTime: Nullable(Type.String({ description: 'Local start time of each occurrence, HH:MM' })),
  duration: Nullable(Type.Integer({ description: 'Minutes on the local clock' })),
  timeZone: Nullable(Type.String({ description: 'IANA time zone, e.g. Europe/Berlin' })),
  from: Nullable(Type.String({ description: 'Local date the series starts on, YYYY-MM-DD' })),
  until: Nullable(Time),
  environments: Type.Array(Type.String(), { description: 'Empty: every environment' }),
  components: Type.Array(Type.String(), { description: 'Empty: every component' }),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Time,
});

export const OccurrenceSchema = Type.Object({ start: Time, end: Time });

const statusFields = {
  activeOccurrence: Nullable(OccurrenceSchema),
  nextOccurrence: Nullable(OccurrenceSchema),
};

export const WindowStatusSchema = Type.Intersect([WindowSchema, Type.Object(statusFields)]);

export const WindowListSchema = Type.Object({
  at: Time,
  windows: Type.Array(WindowStatusSchema),
});

export const WindowOverrideSchema = Type.Object({
  id: Type.String(),
  window: Type.String(),
  changeRequest: Type.String({ description: 'CR number' }),
  reason: Type.String(),
  grantedBy: Type.String(),
  grantedAt: Time,
});

export const WindowDetailSchema = Type.Intersect([
  WindowSchema,
  Type.Object({
    ...statusFields,
    occurrences: Type.Array(OccurrenceSchema, {
      description: 'The next occurrences (one in progress first)',
    }),
    overrides: Type.Array(WindowOverrideSchema),
  }),
]);

/** A window a CR's planned window overlaps (informational for maintenance, blocking for a freeze). */
export const ChangeWindowNoteSchema = Type.Object({
  name: Type.String(),
  kind: Kind,
  reason: Type.String(),
  start: Time,
  end: Time,
  overridden: Type.Boolean(),
});

const optionalText = (description: string) => Type.Optional(Type.String({ description }));

export const WindowCreateSchema = Type.Object(
  {
    name: Type.String({ description: 'Lowercase slug, unique in the tenant' }),
    kind: Kind,
    start: optionalText('One-off: ISO-8601 instant'),
    end: optionalText('One-off: ISO-8601 instant after start'),
    rrule: optionalText('Recurring: RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYMONTHDAY=-1'),
    startTime: optionalText('Recurring: local start time, HH:MM'),
    duration: Type.Optional(Type.Integer({ description: 'Recurring: minutes on the local clock' })),
    timeZone: optionalText('Recurring: IANA time zone'),
    from: optionalText('Recurring: first local date, YYYY-MM-DD (default: today there)'),
    until: optionalText('Recurring: no occurrence starts after this instant'),
    environments: Type.Optional(Type.Array(Type.String(), { description: 'Empty or absent: all' })),
    components: Type.Optional(Type.Array(Type.String(), { description: 'Empty or absent: all' })),
    reason: Type.String(),
  },
  { additionalProperties: false },
);

export const WindowOverrideCreateSchema = Type.Object(
  {
    changeRequestId: Type.String({ description: 'CR number or id' }),
    reason: Type.String(),
  },
  { additionalProperties: false },
);

export type WindowDto = Static<typeof WindowSchema>;
export type OccurrenceDto = Static<typeof OccurrenceSchema>;
export type WindowStatusDto = Static<typeof WindowStatusSchema>;
export type WindowListDto = Static<typeof WindowListSchema>;
export type WindowDetailDto = Static<typeof WindowDetailSchema>;
export type WindowOverrideDto = Static<typeof WindowOverrideSchema>;
export type ChangeWindowNoteDto = Static<typeof ChangeWindowNoteSchema>;
