import { type Static, Type } from 'typebox';
import { batchPhases } from '../domain/batch-glance.js';
import { approvalStates, changeStates } from '../domain/change-request.js';
import { Enum, Nullable, Time } from './schemas.js';

/** JSON shapes of change batches (docs/batches.md). */

const batchFields = {
  id: Type.String(),
  number: Type.String({ description: 'Per-tenant human number, e.g. BAT0000003' }),
  name: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  plannedStart: Nullable(Time),
  plannedEnd: Nullable(Time),
  createdBy: Type.String(),
  createdAt: Time,
  updatedAt: Time,
};

const Counts = Type.Record(Type.String(), Type.Integer());

const glanceFields = {
  phase: Enum(batchPhases),
  ready: Type.Boolean({ description: 'Every member not canceled is approved and scheduled (or past that)' }),
  blockers: Type.Array(Type.String(), { description: 'Why it is not ready, one reason each' }),
  memberCount: Type.Integer(),
  counts: Type.Object({
    byState: Counts,
    byApproval: Counts,
  }),
};

export const BatchMemberSchema = Type.Object({
  number: Type.String(),
  title: Type.String(),
  environment: Nullable(Type.String()),
  components: Type.Array(Type.String()),
  state: Enum(changeStates),
  approval: Enum(approvalStates),
  plannedStart: Nullable(Time),
  plannedEnd: Nullable(Time),
  ready: Type.Boolean(),
  waitsFor: Nullable(Type.String({ description: 'What it still waits for; null when closed or canceled' })),
  addedBy: Type.String(),
  addedAt: Time,
});

export const BatchSummarySchema = Type.Object({ ...batchFields, ...glanceFields });

export const BatchDetailSchema = Type.Object({
  ...batchFields,
  ...glanceFields,
  members: Type.Array(BatchMemberSchema),
});

const Refs = Type.Array(Type.String({ minLength: 1 }), {
  minItems: 1,
  description: 'CR numbers (CHG0000042) or ids',
});

export const BatchCreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Slug, unique in the tenant' }),
    title: Type.String({ minLength: 1 }),
    description: Type.Optional(Nullable(Type.String())),
    start: Type.Optional(Type.String({ description: 'Window start, ISO-8601 (with end)' })),
    end: Type.Optional(Type.String({ description: 'Window end, ISO-8601 (with start)' })),
    changes: Type.Optional(Refs),
  },
  { additionalProperties: false },
);

export const BatchMembersSchema = Type.Object({ changes: Refs }, { additionalProperties: false });

export const BatchScheduleSchema = Type.Object(
  {
    start: Type.Optional(Type.String({ description: "Window start, ISO-8601; default the batch's window" })),
    end: Type.Optional(Type.String({ description: 'Window end, ISO-8601' })),
    withdrawApprovals: Type.Optional(
      Type.Boolean({
        description: 'Re-plan members approved (or requested) for another window, withdrawing their approval',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BatchScheduleResultSchema = Type.Object({
  batch: BatchDetailSchema,
  window: Type.Object({ start: Time, end: Time }),
  members: Type.Array(
    Type.Object({
      number: Type.String(),
      outcome: Enum(['rescheduled', 'unchanged', 'approval_withdrawn', 'skipped'] as const),
      state: Enum(changeStates),
      approval: Enum(approvalStates),
      detail: Type.String(),
    }),
  ),
});

export const BatchApproveSchema = Type.Object(
  { comment: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const BatchApprovalResultSchema = Type.Object({
  batch: Type.String({ description: 'The batch number' }),
  results: Type.Array(
    Type.Object({
      number: Type.String(),
      title: Type.String(),
      outcome: Enum(['approved', 'step_counted', 'refused', 'failed', 'skipped'] as const),
      state: Enum(changeStates),
      approval: Enum(approvalStates),
      reason: Nullable(Type.String()),
      code: Nullable(Type.String()),
    }),
  ),
  counted: Type.Integer({ description: 'Members approved or with a step counted' }),
  refused: Type.Integer(),
  failed: Type.Integer({ description: 'Members that failed unexpectedly' }),
  skipped: Type.Integer(),
});

export type BatchSummaryDto = Static<typeof BatchSummarySchema>;
export type BatchDetailDto = Static<typeof BatchDetailSchema>;
export type BatchMemberDto = Static<typeof BatchMemberSchema>;
export type BatchScheduleResultDto = Static<typeof BatchScheduleResultSchema>;
export type BatchApprovalResultDto = Static<typeof BatchApprovalResultSchema>;
