import { type Static, type TSchema, Type } from 'typebox';

/** JSON shape of a CR's conflicts (docs/windows.md#conflicts). */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const ConflictSchema = Type.Object({
  changeRequest: Type.String({ description: 'The other CR' }),
  environment: Type.String(),
  components: Type.Array(Type.String(), { description: 'Components both change' }),
  plannedStart: Time,
  plannedEnd: Time,
  overlapStart: Time,
  overlapEnd: Time,
  explanation: Type.String(),
});

export const ChangeConflictsSchema = Type.Object({
  changeRequest: Type.String({ description: 'CR number' }),
  environment: Nullable(Type.String()),
  plannedStart: Nullable(Time),
  plannedEnd: Nullable(Time),
  conflicts: Type.Array(ConflictSchema),
  reason: Nullable(
    Type.String({ description: 'Why it can conflict with nothing (no planned window, no components, …)' }),
  ),
});

export type ConflictDto = Static<typeof ConflictSchema>;
export type ChangeConflictsDto = Static<typeof ChangeConflictsSchema>;
