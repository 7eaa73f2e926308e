import { type Static, type TSchema, Type } from 'typebox';
import { roles } from '../domain/access.js';
import {
  approvalDecisions,
  approvalStates,
  attachmentKinds,
  changeOrigins,
  changeStates,
  changeTypes,
  closeCategories,
  customerImpacts,
  deploymentImpacts,
  environmentPurposes,
  priorities,
  riskLevels,
} from '../domain/change-request.js';
import { obligationKinds } from '../domain/deployment.js';
import { ChainBreakKinds } from './chain-break-kinds.js';
import { RiskAssessmentSchema } from './risk-schemas.js';
import { ChangeWindowNoteSchema, WindowOverrideSchema } from './window-schemas.js';

/** JSON shapes of the HTTP API (and of the CLI's --json): camelCase keys, snake_case enum values, ISO times. */

export const Enum = <const T extends readonly string[]>(values: T) => Type.Enum([...values] as T[number][]);
// null first: with type coercion on, AJV would otherwise turn null into "" for a string branch.
export const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
export const Time = Type.String({ format: 'date-time' });

export const ChangeRequestSchema = Type.Object(
  {
    id: Type.String(),
    number: Type.String({ description: 'Per-tenant human number, e.g. CHG0000042' }),
    type: Enum(changeTypes),
    state: Enum(changeStates),
    approval: Enum(approvalStates),
    closeCategory: Nullable(Enum(closeCategories)),
    closeNotes: Nullable(Type.String()),
    title: Type.String(),
    environment: Nullable(Type.String()),
    region: Nullable(Type.String()),
    components: Type.Array(Type.String(), { description: 'Names of the components it changes' }),
    priority: Enum(priorities),
    assignee: Type.String(),
    description: Nullable(Type.String()),
    purpose: Nullable(Type.String()),
    impact: Nullable(Type.String()),
    customerImpact: Enum(customerImpacts),
    deploymentImpact: Enum(deploymentImpacts),
    backoutPlan: Nullable(Type.String()),
    risk: Nullable(Enum(riskLevels)),
    plannedStart: Nullable(Time),
    plannedEnd: Nullable(Time),
    outageMinutes: Type.Integer(),
    targetEnvironmentPurpose: Nullable(Enum(environmentPurposes)),
    targetEnvironmentDetail: Nullable(Type.String()),
    deploymentReady: Nullable(Type.Boolean()),
    targetFingerprint: Nullable(Type.String()),
    pipelineRunId: Nullable(Type.String()),
    requestedBy: Type.String(),
    implementedBy: Nullable(Type.String()),
    category: Nullable(Type.String({ description: 'Kind of change; its checklist gates implement' })),
    template: Nullable(Type.String({ description: 'The standard change template it was created from' })),
    labels: Type.Array(Type.String(), { description: 'Label slugs approval rules can match on' }),
    customFields: Type.Record(Type.String(), Type.Unknown(), {
      description: "The tenant's custom fields, valid against its customFields JSON Schema",
    }),
    origin: Enum(changeOrigins),
    riskAssessment: Nullable(RiskAssessmentSchema),
    createdAt: Time,
    updatedAt: Time,
    closedAt: Nullable(Time),
  },
  { $id: 'ChangeRequest' },
);

export const ApprovalSchema = Type.Object({
  id: Type.String(),
  approver: Type.String(),
  decision: Enum(approvalDecisions),
  comment: Nullable(Type.String()),
  decidedAt: Time,
});

export const CommentSchema = Type.Object({
  id: Type.String(),
  author: Type.String(),
  body: Type.String(),
  createdAt: Time,
});

export const AttachmentSchema = Type.Object({
  id: Type.String(),
  kind: Enum(attachmentKinds),
  name: Type.String(),
  mediaType: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Time,
});

export const ObligationSchema = Type.Object({
  id: Type.String(),
  kind: Enum(obligationKinds),
  state: Type.String(),
  detail: Nullable(Type.String()),
  dueAt: Nullable(Time),
  createdAt: Time,
  completedAt: Nullable(Time),
  completedBy: Nullable(Type.String()),
});

export const ChangeLinkSchema = Type.Object({
  kind: Type.String({ description: 'e.g. rollback_of, rolled_back_by' }),
  target: Type.String(),
  createdBy: Type.String(),
  createdAt: Time,
});

/** A CR's checklist (docs/templates-and-checklists.md); here, not in template-schemas, to avoid an import cycle. */
export const ChecklistStateSchema = Type.Object({
  category: Type.String(),
  items: Type.Array(
    Type.Object({
      item: Type.String(),
      done: Type.Boolean(),
      note: Nullable(Type.String()),
      checkedBy: Nullable(Type.String()),
      checkedAt: Nullable(Time),
    }),
  ),
  open: Type.Array(Type.String(), { description: 'Items still to complete before implement' }),
});

export const ChangeRequestDetailSchema = Type.Intersect([
  ChangeRequestSchema,
  Type.Object({
    approvals: Type.Array(ApprovalSchema),
    comments: Type.Array(CommentSchema),
    attachments: Type.Array(AttachmentSchema),
    obligations: Type.Array(ObligationSchema),
    links: Type.Array(ChangeLinkSchema),
    windows: Type.Array(ChangeWindowNoteSchema, {
      description: 'Freeze and maintenance windows its planned window overlaps (docs/windows.md)',
    }),
    windowOverrides: Type.Array(WindowOverrideSchema, { description: 'Freeze overrides granted to it' }),
    checklist: Nullable(ChecklistStateSchema),
    batch: Nullable(
      Type.Object(
        { number: Type.String(), name: Type.String() },
        { description: 'The change batch it belongs to (docs/batches.md)' },
      ),
    ),
  }),
]);

export const ChangeRequestPageSchema = Type.Object({
  items: Type.Array(ChangeRequestSchema),
  nextCursor: Nullable(Type.String()),
});

const editableFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  environment: Type.String({ minLength: 1 }),
  region: Type.String({ minLength: 1 }),
  components: Type.Array(Type.String(), {
    description:
      'Component names; once the tenant registers components, only registered ones (see docs/components.md)',
  }),
  priority: Enum(priorities),
  assignee: Type.String({ description: 'Email address of the person who implements the change' }),
  description: Type.String(),
  purpose: Type.String(),
  impact: Type.String(),
  customerImpact: Enum(customerImpacts),
  deploymentImpact: Enum(deploymentImpacts),
  backoutPlan: Type.String(),
  risk: Enum(riskLevels),
  // Inputs are checked by the service, so local and remote mode accept the same forms with the same errors.
  plannedStart: Type.String({ description: 'ISO-8601 date-time, e.g. 2026-03-01T22:00:00Z' }),
  plannedEnd: Type.String({ description: 'ISO-8601 date-time' }),
  outageMinutes: Type.Integer({ description: 'Expected downtime in minutes, 0 to 525600; 0 = none' }),
  category: Type.String({
    description:
      "A slug such as database-schema; the tenant's checklist for it must be complete before implement",
  }),
  labels: Type.Array(Type.String(), { description: 'Label slugs, e.g. privileged-access' }),
  customFields: Type.Record(Type.String(), Type.Unknown(), {
    description:
      "Values of the tenant's custom fields, checked against its JSON Schema (docs/custom-fields.md)",
  }),
  // internal (default) or vendor: a vendor-performed change, reported apart (docs/compliance.md).
  origin: Enum(changeOrigins),
};

export const ChangeCreateSchema = Type.Object(
  {
    type: Type.Optional(Enum(changeTypes)),
    template: Type.Optional(
      Nullable(
        Type.String({
          description:
            'A standard change template: its fields are preset, and inside its scope the CR is created approved',
        }),
      ),
    ),
    // priority, assignee, customerImpact and deploymentImpact are required, unless a template presets
    // them; the service checks, so local and remote mode refuse alike.
    ...Object.fromEntries(
      Object.entries(editableFields).map(([k, v]) => [
        k,
        ['priority', 'assignee', 'customerImpact', 'deploymentImpact'].includes(k)
          ? Type.Optional(v)
          : Type.Optional(Nullable(v)),
      ]),
    ),
  } as Record<string, TSchema>,
  {
    additionalProperties: false,
    description:
      'priority, assignee, customerImpact and deploymentImpact are required unless the template presets them',
  },
);

export const ChangeUpdateSchema = Type.Object(
  Object.fromEntries(
    Object.entries(editableFields).map(([k, v]) => [k, Type.Optional(Nullable(v))]),
  ) as Record<string, TSchema>,
  {
    additionalProperties: false,
    description: 'A value sets the field, an absent key leaves it, null clears it.',
  },
);

export const EnvironmentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  purpose: Enum(environmentPurposes),
  detail: Nullable(Type.String()),
  regions: Type.Array(Type.String()),
  rollbackEnabled: Type.Boolean(),
  createdAt: Time,
});

export const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Enum(roles),
  prefix: Type.String({ description: 'First characters of the secret, to recognise it' }),
  createdBy: Type.String(),
  createdAt: Time,
  revokedAt: Nullable(Time),
});

export const TenantSchema = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  createdAt: Time,
});

export const AuditEventSchema = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: Time,
  actor: Type.String(),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.String(),
  before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  after: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const AuditVerifySchema = Type.Object({
  ok: Type.Boolean(),
  tenant: Type.String(),
  count: Type.Integer(),
  head: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()]),
  firstBad: Type.Union([
    Type.Object({
      kind: Enum(ChainBreakKinds),
      seq: Type.Integer(),
      id: Nullable(Type.String()),
      message: Type.String(),
    }),
    Type.Null(),
  ]),
  checkpoint: Type.Optional(
    Type.Object({ sequence: Type.Integer(), ok: Type.Boolean(), message: Type.String() }),
  ),
  cut: Type.Optional(
    Nullable(
      Type.Object(
        { seq: Type.Integer(), hash: Type.String(), at: Time, archive: Type.String() },
        { description: 'The retention cut the chain is verified from (docs/audit-trail.md#retention)' },
      ),
    ),
  ),
});

export const CheckpointSchema = Type.Object({
  format: Type.Literal('changegate-audit-checkpoint/v1'),
  tenant: Type.String(),
  sequence: Type.Integer(),
  hash: Type.String(),
  time: Type.String(),
  keyId: Type.String(),
  publicKey: Type.String(),
  signature: Type.String(),
});

export const ErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  }),
});

export type ChangeRequestDto = Static<typeof ChangeRequestSchema>;
export type ChangeRequestDetailDto = Static<typeof ChangeRequestDetailSchema>;
export type ObligationDto = Static<typeof ObligationSchema>;
export type ChangeRequestPageDto = Static<typeof ChangeRequestPageSchema>;
export type ApprovalDto = Static<typeof ApprovalSchema>;
export type CommentDto = Static<typeof CommentSchema>;
export type AttachmentDto = Static<typeof AttachmentSchema>;
export type EnvironmentDto = Static<typeof EnvironmentSchema>;
export type TokenDto = Static<typeof TokenSchema>;
export type TenantDto = Static<typeof TenantSchema>;
export type AuditEventDto = Static<typeof AuditEventSchema>;
export type AuditVerifyDto = Static<typeof AuditVerifySchema>;
export type CheckpointDto = Static<typeof CheckpointSchema>;
