import { type Static, type TSchema, Type } from 'typebox';
import { unauthorizedStatuses } from '../domain/observation.js';

/** JSON shapes of observations and unauthorized-change records (docs/compliance.md#observe). */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

const ObservationInput = Type.Object(
  {
    environment: Type.String({ description: 'Where it runs' }),
    component: Type.String({ description: 'The inventory entry name (component) that runs' }),
    version: Type.Optional(Nullable(Type.String())),
    digest: Type.Optional(Nullable(Type.String({ description: 'sha256:<64 hex>' }))),
    observedAt: Type.Optional(Type.String({ description: 'ISO-8601; default now' })),
    source: Type.Optional(Type.String({ description: 'Who saw it, e.g. argocd-drift; default api' })),
  },
  { additionalProperties: false },
);

// Checked by the service, so local and remote mode refuse alike with the same messages.
export const ObservationBatchSchema = Type.Union([
  ObservationInput,
  Type.Object({ observations: Type.Array(ObservationInput) }, { additionalProperties: false }),
]);

export const UnauthorizedChangeSchema = Type.Object({
  id: Type.String(),
  number: Type.String({ description: 'UAC0000001' }),
  environment: Type.String(),
  component: Type.String(),
  version: Nullable(Type.String()),
  digest: Nullable(Type.String()),
  observedAt: Time,
  lastObservedAt: Time,
  timesObserved: Type.Integer(),
  source: Type.String(),
  status: Type.Enum([...unauthorizedStatuses]),
  explanation: Type.String({ description: 'Why no approved change matched' }),
  acknowledgedBy: Nullable(Type.String()),
  acknowledgedAt: Nullable(Time),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Time),
  note: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});

export const ObservationOutcomeSchema = Type.Object({
  environment: Type.String(),
  component: Type.String(),
  version: Nullable(Type.String()),
  digest: Nullable(Type.String()),
  observedAt: Time,
  source: Type.String(),
  authorized: Type.Boolean(),
  matchedBy: Nullable(
    Type.Object({
      changeRequest: Nullable(Type.String()),
      runId: Nullable(Type.String()),
      label: Nullable(Type.String()),
    }),
  ),
  explanation: Nullable(Type.String()),
  repeated: Type.Boolean({ description: 'The same drift was already open: counted, no new record or alert' }),
  unauthorizedChange: Nullable(UnauthorizedChangeSchema),
});

export const ObservationResultSchema = Type.Object({
  observations: Type.Array(ObservationOutcomeSchema),
  unauthorized: Type.Integer({ description: 'How many observations matched no approved change' }),
});

export const UnauthorizedNoteSchema = Type.Object(
  { note: Type.Optional(Type.String({ description: 'Required to resolve: how it was resolved' })) },
  { additionalProperties: false },
);

export type UnauthorizedChangeDto = Static<typeof UnauthorizedChangeSchema>;
export type ObservationResultDto = Static<typeof ObservationResultSchema>;
