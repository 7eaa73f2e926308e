import type { ChangeBatch } from '../domain/batch.js';
import type { BatchGlance, MemberGlance } from '../domain/batch-glance.js';
import type { BatchApprovalResult } from '../services/batches/approve-batch.js';
import type { BatchDetail } from '../services/batches/batch-service.js';
import type { BatchScheduleResult } from '../services/batches/schedule-batch.js';
import type {
  BatchApprovalResultDto,
  BatchDetailDto,
  BatchMemberDto,
  BatchScheduleResultDto,
  BatchSummaryDto,
} from './batch-schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Keys in the schema's order, so local output matches the server's serialized JSON byte for byte. */
function batchFields(b: ChangeBatch) {
  return {
    id: b.id,
    number: b.number,
    name: b.name,
    title: b.title,
    description: b.description,
    plannedStart: isoOrNull(b.plannedStart),
    plannedEnd: isoOrNull(b.plannedEnd),
    createdBy: b.createdBy,
    createdAt: iso(b.createdAt),
    updatedAt: iso(b.updatedAt),
  };
}

function glanceFields(g: BatchGlance) {
  return {
    phase: g.phase,
    ready: g.ready,
    blockers: g.blockers,
    memberCount: g.members.length,
    counts: { byState: g.counts.byState, byApproval: g.counts.byApproval },
  };
}

function memberDto(m: MemberGlance): BatchMemberDto {
  const cr = m.member.changeRequest;
  return {
    number: cr.number,
    title: cr.title,
    environment: cr.environment,
    components: cr.components,
    state: cr.state,
    approval: cr.approval,
    plannedStart: isoOrNull(cr.plannedStart),
    plannedEnd: isoOrNull(cr.plannedEnd),
    ready: m.ready,
    waitsFor: m.waitsFor,
    addedBy: m.member.addedBy,
    addedAt: iso(m.member.addedAt),
  };
}

export function batchSummaryDto(d: BatchDetail): BatchSummaryDto {
  return { ...batchFields(d.batch), ...glanceFields(d.glance) };
}

export function batchDetailDto(d: BatchDetail): BatchDetailDto {
  return { ...batchFields(d.batch), ...glanceFields(d.glance), members: d.glance.members.map(memberDto) };
}

export function batchScheduleResultDto(r: BatchScheduleResult): BatchScheduleResultDto {
  return {
    batch: batchDetailDto(r.detail),
    window: { start: iso(r.window.start), end: iso(r.window.end) },
    members: r.members.map((m) => ({
      number: m.changeRequest.number,
      outcome: m.outcome,
      state: m.changeRequest.state,
      approval: m.changeRequest.approval,
      detail: m.detail,
    })),
  };
}

export function batchApprovalResultDto(r: BatchApprovalResult): BatchApprovalResultDto {
  return {
    batch: r.batch.number,
    results: r.results.map((m) => ({
      number: m.number,
      title: m.title,
      outcome: m.outcome,
      state: m.state,
      approval: m.approval,
      reason: m.reason,
      code: m.code,
    })),
    counted: r.counted,
    refused: r.refused,
    failed: r.failed,
    skipped: r.skipped,
  };
}
