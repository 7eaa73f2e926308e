import type { Environment } from '../domain/environment.js';
import type { Evidence } from '../domain/evidence.js';
import type { DeltaItem, InventoryEntry, InventoryRevision } from '../domain/inventory.js';
import type { Promotion } from '../domain/promotion.js';
import type { AppliedConfig } from '../services/config/config-service.js';
import type { DeploymentView } from '../services/deployments/deployment-support.js';
import type { InventoryAddResult, InventoryView } from '../services/inventory/inventory-service.js';
import type { InventoryLabel } from '../store/inventory.js';
import { environmentDto, obligationDto } from './dto.js';
import type {
  DeploymentDto,
  EvidenceDto,
  EvidenceSummaryDto,
  InventoryAddResultDto,
  InventoryDto,
  InventoryEntryDto,
  InventoryLabelDto,
  PromotionDto,
  TenantConfigDto,
} from './pipeline-schemas.js';

/** Domain → API shapes for the pipeline endpoints; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function tenantConfigDto(c: AppliedConfig & { environments: Environment[] }): TenantConfigDto {
  return {
    version: c.version,
    appliedBy: c.appliedBy,
    appliedAt: isoOrNull(c.appliedAt),
    environments: c.environments.map(environmentDto),
    autoApproval: { maxRisk: c.config.autoApproval.maxRisk },
    evidenceChecks: c.config.evidenceChecks?.document ?? null,
    complianceProfile: c.config.complianceProfile,
    document: c.document,
  };
}

export function inventoryEntryDto(e: InventoryEntry): InventoryEntryDto {
  return {
    id: e.id,
    name: e.name,
    version: e.version,
    artifact: e.artifact,
    type: e.type,
    sha256: e.sha256,
    commitSha: e.commitSha,
    committedAt: e.committedAt == null ? null : iso(e.committedAt),
    repositoryUrl: e.repositoryUrl,
    buildNumber: e.buildNumber,
    pipelineRunId: e.pipelineRunId,
    provenance: e.provenance,
    signature: e.signature,
    appArtifacts: e.appArtifacts,
    hasSbom: e.hasSbom,
    createdBy: e.createdBy,
    createdAt: iso(e.createdAt),
  };
}

export function revisionDto(r: InventoryRevision) {
  return {
    id: r.id,
    environment: r.environment,
    seq: r.seq,
    reason: r.reason,
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
  };
}

export function inventoryDto(v: InventoryView): InventoryDto {
  return {
    environment: v.environment,
    revision: v.revision ? revisionDto(v.revision) : null,
    labels: v.labels,
    entries: v.entries.map(inventoryEntryDto),
  };
}

export function inventoryAddResultDto(r: InventoryAddResult): InventoryAddResultDto {
  return {
    updated: r.updated,
    reason: r.reason,
    environment: r.environment,
    revision: r.revision ? revisionDto(r.revision) : null,
    entries: r.entries.map(inventoryEntryDto),
  };
}

export function inventoryLabelDto(l: InventoryLabel): InventoryLabelDto {
  return {
    environment: l.environment,
    label: l.label,
    revisionId: l.revisionId,
    revisionSeq: l.revisionSeq,
    updatedBy: l.updatedBy,
    updatedAt: iso(l.updatedAt),
  };
}

export function evidenceDto(e: Evidence): EvidenceDto {
  return {
    id: e.id,
    evidenceTypeId: e.evidenceTypeId,
    result: e.result,
    tool: e.tool,
    assets: e.assets,
    pipelineRunId: e.pipelineRunId,
    environment: e.environment,
    findings: e.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      dueDate: isoOrNull(f.dueDate),
      exempt: f.exempt,
    })),
    issues: e.issues,
    attachments: e.attachments.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size })),
    date: iso(e.date),
    createdBy: e.createdBy,
  };
}

export function deltaDto(d: DeltaItem[]) {
  return d.map((x) => ({
    name: x.name,
    change: x.change,
    fromVersion: x.fromVersion,
    toVersion: x.toVersion,
  }));
}

export function promotionDto(p: Promotion & { delta: DeltaItem[] }): PromotionDto {
  return {
    id: p.id,
    source: p.source,
    target: p.target,
    sourceRevisionId: p.sourceRevisionId,
    targetRevisionId: p.targetRevisionId,
    include: p.include,
    exclude: p.exclude,
    fields: { ...p.fields },
    labels: p.labels,
    delta: deltaDto(p.delta),
    createdBy: p.createdBy,
    createdAt: iso(p.createdAt),
  };
}

export function evidenceSummaryDto(s: {
  environment: string;
  source: string;
  promotionId: string;
  targetRevision: InventoryRevision;
  baseRevision: InventoryRevision | null;
  delta: DeltaItem[];
  readiness: EvidenceSummaryDto['readiness'];
}): EvidenceSummaryDto {
  return {
    environment: s.environment,
    source: s.source,
    promotionId: s.promotionId,
    targetRevision: revisionDto(s.targetRevision),
    baseRevision: s.baseRevision ? revisionDto(s.baseRevision) : null,
    delta: deltaDto(s.delta),
    readiness: s.readiness,
  };
}

export function deploymentDto(v: DeploymentView): DeploymentDto {
  const { run, changeRequest: cr } = v;
  const readiness = run.readiness as DeploymentDto['readiness'];
  return {
    runId: run.id,
    pipelineRunId: run.pipelineRunId,
    environment: run.environment,
    region: run.region,
    flow: run.flow,
    phase: run.phase,
    deploymentReady: readiness.ready,
    status: run.phase === 'awaiting_approval' ? 'awaiting_approval' : run.status,
    rollbackEnabled: v.rollbackEnabled,
    changeRequest: {
      number: cr.number,
      state: cr.state,
      approval: cr.approval,
      closeCategory: cr.closeCategory,
      type: cr.type,
    },
    autoApproval: v.autoApproval,
    rejection: v.rejection,
    delta: deltaDto(run.delta),
    readiness,
    gate: run.gate ? { ...run.gate, decidedAt: iso(run.gate.decidedAt) } : null,
    stages: run.stages.map((s) => ({
      name: s.name,
      status: s.status,
      durationMs: s.durationMs,
      ...(s.detail === undefined ? {} : { detail: s.detail }),
    })),
    obligations: v.obligations.map(obligationDto),
    attachments: v.attachments,
    startedAt: iso(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
  };
}
