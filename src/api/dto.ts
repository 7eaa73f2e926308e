import type { ApiToken } from '../domain/api-token.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import type { Approval, Attachment, ChangeRequest, Comment } from '../domain/change-request.js';
import type { Obligation } from '../domain/deployment.js';
import type { Environment } from '../domain/environment.js';
import type { Tenant } from '../domain/tenant.js';
import type { ChangeRequestDetail } from '../services/changes/change-request-queries.js';
import { riskAssessmentDto } from './risk-dto.js';
import type {
  ApprovalDto,
  AttachmentDto,
  AuditEventDto,
  ChangeRequestDetailDto,
  ChangeRequestDto,
  CommentDto,
  EnvironmentDto,
  ObligationDto,
  TenantDto,
  TokenDto,
} from './schemas.js';
import { checklistStateDto } from './template-dto.js';
import { windowOverrideDto } from './window-dto.js';

/** Domain → API shapes, in one place: epoch ms become ISO-8601 UTC, tenant ids stay inside. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Keys in the schema's order, so local output matches the server's serialized JSON byte for byte. */
export function changeRequestDto(cr: ChangeRequest): ChangeRequestDto {
  return {
    id: cr.id,
    number: cr.number,
    type: cr.type,
    state: cr.state,
    approval: cr.approval,
    closeCategory: cr.closeCategory,
    closeNotes: cr.closeNotes,
    title: cr.title,
    environment: cr.environment,
    region: cr.region,
    components: cr.components,
    priority: cr.priority,
    assignee: cr.assignee,
    description: cr.description,
    purpose: cr.purpose,
    impact: cr.impact,
    customerImpact: cr.customerImpact,
    deploymentImpact: cr.deploymentImpact,
    backoutPlan: cr.backoutPlan,
    risk: cr.risk,
    plannedStart: isoOrNull(cr.plannedStart),
    plannedEnd: isoOrNull(cr.plannedEnd),
    outageMinutes: cr.outageMinutes,
    targetEnvironmentPurpose: cr.targetEnvironmentPurpose,
    targetEnvironmentDetail: cr.targetEnvironmentDetail,
    deploymentReady: cr.deploymentReady,
    targetFingerprint: cr.targetFingerprint,
    pipelineRunId: cr.pipelineRunId,
    requestedBy: cr.requestedBy,
    implementedBy: cr.implementedBy,
    category: cr.category,
    template: cr.template,
    labels: cr.labels,
    customFields: cr.customFields,
    origin: cr.origin,
    riskAssessment: riskAssessmentDto(cr.riskAssessment),
    createdAt: iso(cr.createdAt),
    updatedAt: iso(cr.updatedAt),
    closedAt: isoOrNull(cr.closedAt),
  };
}

export function approvalDto(a: Approval): ApprovalDto {
  return {
    id: a.id,
    approver: a.approver,
    decision: a.decision,
    comment: a.comment,
    decidedAt: iso(a.decidedAt),
  };
}

export function commentDto(c: Comment): CommentDto {
  return { id: c.id, author: c.author, body: c.body, createdAt: iso(c.createdAt) };
}

export function attachmentDto(a: Attachment): AttachmentDto {
  return {
    id: a.id,
    kind: a.kind,
    name: a.name,
    mediaType: a.mediaType,
    sha256: a.sha256,
    size: a.size,
    createdBy: a.createdBy,
    createdAt: iso(a.createdAt),
  };
}

export function changeRequestDetailDto(d: ChangeRequestDetail): ChangeRequestDetailDto {
  return {
    ...changeRequestDto(d.changeRequest),
    approvals: d.approvals.map(approvalDto),
    comments: d.comments.map(commentDto),
    attachments: d.attachments.map(attachmentDto),
    obligations: d.obligations.map(obligationDto),
    links: d.links.map((l) => ({
      kind: l.kind,
      target: l.target,
      createdBy: l.createdBy,
      createdAt: iso(l.createdAt),
    })),
    windows: d.windows.windows.map((w) => ({
      name: w.window.name,
      kind: w.window.kind,
      reason: w.window.reason,
      start: iso(w.occurrence.start),
      end: iso(w.occurrence.end),
      overridden: w.overridden,
    })),
    windowOverrides: d.windows.overrides.map(windowOverrideDto),
    checklist: d.checklist && checklistStateDto(d.checklist),
    batch: d.batch,
  };
}

export function obligationDto(o: Obligation): ObligationDto {
  return {
    id: o.id,
    kind: o.kind,
    state: o.state,
    detail: o.detail,
    dueAt: isoOrNull(o.dueAt),
    createdAt: iso(o.createdAt),
    completedAt: isoOrNull(o.completedAt),
    completedBy: o.completedBy,
  };
}

export function environmentDto(e: Environment): EnvironmentDto {
  return {
    id: e.id,
    name: e.name,
    purpose: e.purpose,
    detail: e.detail,
    regions: e.regions,
    rollbackEnabled: e.rollbackEnabled,
    createdAt: iso(e.createdAt),
  };
}

export function tokenDto(t: ApiToken): TokenDto {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    createdBy: t.createdBy,
    createdAt: iso(t.createdAt),
    revokedAt: isoOrNull(t.revokedAt),
  };
}

export function tenantDto(t: Tenant): TenantDto {
  return { id: t.id, slug: t.slug, name: t.name, createdAt: iso(t.createdAt) };
}

export function auditEventDto(e: AuditEvent): AuditEventDto {
  return {
    seq: e.seq,
    id: e.id,
    at: iso(e.at),
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    before: e.before,
    after: e.after,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** A chain report as the API shows it: the retention cut's time in ISO-8601 like every other time. */
export function auditVerifyDto<
  R extends { cut?: { seq: number; hash: string; at: number; archive: string } | null },
>(report: R): Omit<R, 'cut'> & { cut?: { seq: number; hash: string; at: string; archive: string } | null } {
  const { cut, ...rest } = report;
  return cut === undefined ? rest : { ...rest, cut: cut && { ...cut, at: iso(cut.at) } };
}
