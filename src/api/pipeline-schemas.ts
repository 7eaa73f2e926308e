import { type Static, Type } from 'typebox';
import { approvalStates, changeStates, changeTypes, closeCategories } from '../domain/change-request.js';
import { deploymentFlows, pipelineStatuses } from '../domain/deployment.js';
import { evidenceResults } from '../domain/evidence.js';
import { deltaChanges } from '../domain/inventory.js';
import { Enum, EnvironmentSchema, Nullable, ObligationSchema, Time } from './schemas.js';

/** JSON shapes of the pipeline API: configuration, inventory, evidence, promotion and deployments. */

const Json = Type.Unknown();

export const TenantConfigSchema = Type.Object({
  version: Type.Integer({ description: '0 when nothing was applied yet (defaults are in force)' }),
  appliedBy: Nullable(Type.String()),
  appliedAt: Nullable(Time),
  environments: Type.Array(EnvironmentSchema),
  autoApproval: Type.Object({ maxRisk: Type.String() }),
  evidenceChecks: Type.Union([Type.Null(), Json], {
    description: 'The evidence-checks v2 document, as applied',
  }),
  complianceProfile: Type.Union([Type.Null(), Type.Object({ name: Type.String(), document: Json })]),
  document: Json,
});

export const InventoryEntrySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  artifact: Type.String(),
  type: Nullable(Type.String()),
  sha256: Nullable(Type.String()),
  commitSha: Type.String(),
  committedAt: Nullable(Time),
  repositoryUrl: Type.String(),
  buildNumber: Nullable(Type.String()),
  pipelineRunId: Type.String(),
  provenance: Nullable(Type.String()),
  signature: Nullable(Type.String()),
  appArtifacts: Type.Union([Type.Null(), Type.Record(Type.String(), Json)]),
  hasSbom: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Time,
});

export const RevisionSchema = Type.Object({
  id: Type.String(),
  environment: Type.String(),
  seq: Type.Integer(),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Time,
});

export const InventoryLabelSchema = Type.Object({
  environment: Type.String(),
  label: Type.String(),
  revisionId: Type.String(),
  revisionSeq: Type.Integer(),
  updatedBy: Type.String(),
  updatedAt: Time,
});

export const InventorySchema = Type.Object({
  environment: Type.String(),
  revision: Nullable(RevisionSchema),
  labels: Type.Array(Type.String()),
  entries: Type.Array(InventoryEntrySchema),
});

export const InventoryAddResultSchema = Type.Object({
  updated: Type.Boolean(),
  reason: Nullable(Type.String()),
  environment: Type.String(),
  revision: Nullable(RevisionSchema),
  entries: Type.Array(InventoryEntrySchema),
});

export const EvidenceSchema = Type.Object({
  id: Type.String(),
  evidenceTypeId: Type.String(),
  result: Enum(evidenceResults),
  tool: Type.String(),
  assets: Type.Array(Type.String()),
  pipelineRunId: Nullable(Type.String()),
  environment: Type.String(),
  findings: Type.Array(
    Type.Object({
      id: Type.String(),
      severity: Nullable(Type.String()),
      dueDate: Nullable(Time),
      exempt: Type.Boolean(),
    }),
  ),
  issues: Type.Array(Type.String()),
  attachments: Type.Array(Type.Object({ name: Type.String(), sha256: Type.String(), size: Type.Integer() })),
  date: Time,
  createdBy: Type.String(),
});

export const RuleOutcomeSchema = Type.Object({
  phase: Type.String(),
  evidenceTypeId: Type.String(),
  assetType: Type.String(),
  level: Type.String(),
  state: Type.String(),
  status: Type.String(),
  evidenceIds: Type.Array(Type.String()),
  reason: Type.String(),
});

export const ReadinessSchema = Type.Object({
  ready: Type.Boolean(),
  mode: Type.String(),
  entries: Type.Array(
    Type.Object({
      name: Type.String(),
      version: Type.String(),
      ready: Type.Boolean(),
      outcomes: Type.Array(RuleOutcomeSchema),
    }),
  ),
  warnings: Type.Array(Type.String()),
  summary: Type.String(),
});

export const DeltaItemSchema = Type.Object({
  name: Type.String(),
  change: Enum(deltaChanges),
  fromVersion: Nullable(Type.String()),
  toVersion: Nullable(Type.String()),
});

export const EvidenceSummarySchema = Type.Object({
  environment: Type.String(),
  source: Type.String(),
  promotionId: Type.String(),
  targetRevision: RevisionSchema,
  baseRevision: Nullable(RevisionSchema),
  delta: Type.Array(DeltaItemSchema),
  readiness: ReadinessSchema,
});

export const PromotionSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  target: Type.String(),
  sourceRevisionId: Type.String(),
  targetRevisionId: Type.String(),
  include: Type.Array(Type.String()),
  exclude: Type.Array(Type.String()),
  fields: Type.Record(Type.String(), Json),
  labels: Type.Array(Type.String()),
  delta: Type.Array(DeltaItemSchema),
  createdBy: Type.String(),
  createdAt: Time,
});

export const StageSchema = Type.Object({
  name: Type.String(),
  status: Type.String(),
  durationMs: Type.Number(),
  detail: Type.Optional(Type.String()),
});

/** What the gate saw when it let the run through (docs/compliance.md#violations); null before that and on older runs. */
export const GateDecisionSchema = Type.Object({
  decidedAt: Time,
  approval: Enum(approvalStates),
  emergency: Type.Boolean(),
  ready: Type.Boolean(),
  readinessSummary: Type.String(),
  notReady: Type.Array(
    Type.Object({
      name: Type.String(),
      version: Type.String(),
      failing: Type.Array(
        Type.Object({ evidenceTypeId: Type.String(), state: Type.String(), reason: Type.String() }),
      ),
    }),
  ),
  freezes: Type.Array(
    Type.Object({
      window: Type.String(),
      basis: Enum(['emergency', 'override'] as const),
      overrideId: Nullable(Type.String()),
    }),
  ),
  freezeOverridden: Type.Boolean(),
});

/** What `deploy --json` prints, and what every deployment endpoint answers. */
export const DeploymentSchema = Type.Object({
  runId: Type.String(),
  pipelineRunId: Type.String(),
  environment: Type.String(),
  region: Type.String(),
  flow: Enum(deploymentFlows),
  phase: Type.String(),
  deploymentReady: Type.Boolean(),
  status: Nullable(Enum(pipelineStatuses)),
  rollbackEnabled: Type.Boolean(),
  changeRequest: Type.Object({
    number: Type.String(),
    state: Enum(changeStates),
    approval: Enum(approvalStates),
    closeCategory: Nullable(Enum(closeCategories)),
    type: Enum(changeTypes),
  }),
  autoApproval: Nullable(Type.Object({ approved: Type.Boolean(), reasons: Type.Array(Type.String()) })),
  rejection: Nullable(Type.Object({ approver: Type.String(), comment: Nullable(Type.String()) })),
  delta: Type.Array(DeltaItemSchema),
  readiness: ReadinessSchema,
  gate: Nullable(GateDecisionSchema),
  stages: Type.Array(StageSchema),
  obligations: Type.Array(ObligationSchema),
  attachments: Type.Array(Type.String()),
  startedAt: Time,
  finishedAt: Nullable(Time),
});

export type TenantConfigDto = Static<typeof TenantConfigSchema>;
export type InventoryEntryDto = Static<typeof InventoryEntrySchema>;
export type InventoryDto = Static<typeof InventorySchema>;
export type InventoryAddResultDto = Static<typeof InventoryAddResultSchema>;
export type InventoryLabelDto = Static<typeof InventoryLabelSchema>;
export type EvidenceDto = Static<typeof EvidenceSchema>;
export type EvidenceSummaryDto = Static<typeof EvidenceSummarySchema>;
export type PromotionDto = Static<typeof PromotionSchema>;
export type DeploymentDto = Static<typeof DeploymentSchema>;
export type StageDto = Static<typeof StageSchema>;
