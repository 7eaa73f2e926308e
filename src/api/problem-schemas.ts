import { type Static, type TSchema, Type } from 'typebox';
import { problemStatuses } from '../domain/problem.js';

/** JSON shapes of problems (docs/incidents.md#problems). */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const ProblemSchema = Type.Object({
  id: Type.String(),
  number: Type.String({ description: 'PRB0000007' }),
  title: Type.String(),
  status: Type.Enum([...problemStatuses]),
  rootCause: Nullable(Type.String({ description: 'The root-cause findings' })),
  fixChangeRequest: Nullable(Type.String({ description: 'The CR number that fixes it' })),
  createdBy: Type.String(),
  createdAt: Time,
  updatedAt: Time,
  resolvedAt: Nullable(Time),
});

export const ProblemDetailSchema = Type.Intersect([
  ProblemSchema,
  Type.Object({
    incidents: Type.Array(
      Type.Object({
        incident: Type.String({ description: 'INC number' }),
        linkedBy: Type.String(),
        linkedAt: Time,
      }),
    ),
  }),
]);

export const ProblemCreateSchema = Type.Object(
  {
    title: Type.String(),
    incident: Type.Optional(Type.String({ description: 'An incident (INC number or id) to link at once' })),
  },
  { additionalProperties: false },
);

export const ProblemIncidentLinkSchema = Type.Object(
  { incident: Type.String({ description: 'INC number or id' }) },
  { additionalProperties: false },
);

export const ProblemRootCauseSchema = Type.Object(
  { text: Type.String({ description: 'The root-cause findings' }) },
  { additionalProperties: false },
);

export const ProblemFixSchema = Type.Object(
  { changeRequestId: Type.String({ description: 'The fixing CR: number or id' }) },
  { additionalProperties: false },
);

export type ProblemDto = Static<typeof ProblemSchema>;
export type ProblemDetailDto = Static<typeof ProblemDetailSchema>;
