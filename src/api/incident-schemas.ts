import { type Static, type TSchema, Type } from 'typebox';
import { incidentSeverities, incidentSources, incidentStatuses } from '../domain/incident.js';

/** JSON shapes of incidents and commander authorizations (docs/incidents.md). */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const IncidentSchema = Type.Object({
  id: Type.String(),
  number: Type.String({ description: 'INC0000007' }),
  title: Type.String(),
  severity: Nullable(Type.Enum([...incidentSeverities])),
  components: Type.Array(Type.String(), { description: 'Empty: tenant-wide (every component)' }),
  environment: Nullable(Type.String({ description: 'null: every environment' })),
  major: Type.Boolean(),
  status: Type.Enum([...incidentStatuses]),
  commander: Nullable(Type.String({ description: 'The only person who may authorize changes during it' })),
  startedAt: Time,
  detectedAt: Nullable(Time),
  source: Nullable(Type.Enum([...incidentSources])),
  externalId: Nullable(Type.String({ description: "The webhook sender's id of the incident" })),
  resolvedAt: Nullable(Time),
  resolvedBy: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});

export const IncidentAuthorizationSchema = Type.Object({
  id: Type.String(),
  incident: Type.String({ description: 'INC number' }),
  changeRequest: Type.String({ description: 'CR number' }),
  authorizedBy: Type.String(),
  reason: Type.String(),
  createdAt: Time,
});

export const IncidentLinkSchema = Type.Object({
  incident: Type.String({ description: 'INC number' }),
  changeRequest: Type.String({ description: 'CR number' }),
  linkedBy: Type.String(),
  linkedAt: Time,
});

export const IncidentProblemSchema = Type.Object({
  problem: Type.String({ description: 'PRB number' }),
  linkedBy: Type.String(),
  linkedAt: Time,
});

export const IncidentCauseSummarySchema = Type.Object({
  changeRequest: Type.String({ description: 'CR number' }),
  status: Type.String({ description: 'candidate | confirmed | rejected' }),
  confidence: Type.Number(),
  explanation: Type.String(),
  decidedBy: Nullable(Type.String()),
});

export const IncidentDetailSchema = Type.Intersect([
  IncidentSchema,
  Type.Object({
    linkedChanges: Type.Array(IncidentLinkSchema),
    authorizations: Type.Array(IncidentAuthorizationSchema),
    problems: Type.Array(IncidentProblemSchema),
    causes: Type.Array(IncidentCauseSummarySchema, { description: 'Candidate and decided causing changes' }),
  }),
]);

export const IncidentUnlinkSchema = Type.Object({
  incident: Type.String({ description: 'INC number' }),
  changeRequest: Type.String({ description: 'CR number' }),
});

export const IncidentWebhookResultSchema = Type.Intersect([
  IncidentSchema,
  Type.Object({
    outcome: Type.Enum(['created', 'updated', 'unchanged', 'stale'], {
      description:
        'created: a new incident; updated: fields changed or resolved; unchanged: a resend; stale: signed earlier than a delivery already applied, ignored (the incident as it stands)',
    }),
  }),
]);

export const ChangeRequestIncidentsSchema = Type.Object({
  changeRequest: Type.String({ description: 'CR number' }),
  blockedBy: Type.Array(IncidentSchema, {
    description: 'Open major incidents that keep it out of scheduled and implement now',
  }),
  authorizations: Type.Array(IncidentAuthorizationSchema),
});

export const IncidentCreateSchema = Type.Object(
  {
    title: Type.String(),
    severity: Type.Optional(Type.Enum([...incidentSeverities])),
    components: Type.Optional(Type.Array(Type.String(), { description: 'Empty or absent: tenant-wide' })),
    environment: Type.Optional(Type.String({ description: 'Absent: every environment' })),
    major: Type.Optional(Type.Boolean({ description: 'A major incident blocks high-risk changes' })),
    commander: Type.Optional(Type.String({ description: 'Required for a major incident' })),
    startedAt: Type.Optional(Type.String({ description: 'ISO-8601; default now' })),
    detectedAt: Type.Optional(Type.String({ description: 'ISO-8601; when it was noticed' })),
  },
  { additionalProperties: false },
);

export const IncidentUpdateSchema = Type.Object(
  {
    title: Type.Optional(Type.String()),
    severity: Type.Optional(Type.Union([Type.Enum([...incidentSeverities]), Type.Literal('')])),
    components: Type.Optional(Type.Array(Type.String(), { description: 'Empty: tenant-wide' })),
    environment: Type.Optional(Type.String({ description: 'Empty: every environment' })),
    major: Type.Optional(Type.Boolean()),
    commander: Type.Optional(Type.String({ description: 'Empty: none (not for a major incident)' })),
    detectedAt: Type.Optional(Type.String({ description: 'ISO-8601; empty: unknown' })),
  },
  { additionalProperties: false },
);

export const IncidentAuthorizeSchema = Type.Object(
  {
    changeRequestId: Type.String({ description: 'CR number or id' }),
    reason: Type.String(),
  },
  { additionalProperties: false },
);

export const IncidentLinkCreateSchema = Type.Object(
  { changeRequestId: Type.String({ description: 'CR number or id' }) },
  { additionalProperties: false },
);

export type IncidentDto = Static<typeof IncidentSchema>;
export type IncidentAuthorizationDto = Static<typeof IncidentAuthorizationSchema>;
export type IncidentLinkDto = Static<typeof IncidentLinkSchema>;
export type IncidentDetailDto = Static<typeof IncidentDetailSchema>;
export type IncidentUnlinkDto = Static<typeof IncidentUnlinkSchema>;
export type IncidentWebhookResultDto = Static<typeof IncidentWebhookResultSchema>;
export type ChangeRequestIncidentsDto = Static<typeof ChangeRequestIncidentsSchema>;
