import { type Static, type TSchema, Type } from 'typebox';
import { causeStatuses } from '../domain/attribution.js';

/** JSON shapes of an incident's ranked causes and of post-incident reviews (docs/attribution.md). */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const IncidentCauseSchema = Type.Object({
  changeRequest: Type.String({ description: 'CR number' }),
  deploymentRunId: Nullable(Type.String({ description: 'The deployment run it was ranked by, if any' })),
  status: Type.Enum([...causeStatuses]),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  explanation: Type.Array(Type.String(), { description: 'One line per factor: "factor (+points): detail"' }),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Time),
  decisionNote: Nullable(Type.String()),
  createdAt: Time,
});

export const IncidentCausesSchema = Type.Object({
  incident: Type.String({ description: 'INC number' }),
  causes: Type.Array(IncidentCauseSchema, {
    description: 'Highest confidence first; rejected causes last',
  }),
});

export const CauseDecisionSchema = Type.Object({
  incident: Type.String({ description: 'INC number' }),
  cause: IncidentCauseSchema,
  reviewDueAt: Type.Union([Type.Null(), Time], {
    description: 'When the post-incident review a confirmation required is due (null: none added)',
  }),
});

export const CauseDecisionBodySchema = Type.Object(
  { note: Type.Optional(Type.String({ description: 'Why; required to reject' })) },
  { additionalProperties: false },
);

export const ReviewSchema = Type.Object({
  id: Type.String(),
  changeRequest: Type.String({ description: 'CR number' }),
  title: Type.String({ description: "The CR's title" }),
  state: Type.Enum(['open', 'done']),
  detail: Nullable(Type.String()),
  dueAt: Nullable(Time),
  createdAt: Time,
  completedAt: Nullable(Time),
  completedBy: Nullable(Type.String()),
});

export type IncidentCauseDto = Static<typeof IncidentCauseSchema>;
export type IncidentCausesDto = Static<typeof IncidentCausesSchema>;
export type CauseDecisionDto = Static<typeof CauseDecisionSchema>;
export type ReviewDto = Static<typeof ReviewSchema>;
