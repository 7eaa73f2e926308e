import type { CauseDecision } from '../services/attribution/decide-cause.js';
import type { IncidentCause, ReviewObligation } from '../store/attribution.js';
import type {
  CauseDecisionDto,
  IncidentCauseDto,
  IncidentCausesDto,
  ReviewDto,
} from './attribution-schemas.js';

/** Domain → API shapes for change attribution and reviews; keys in schema order. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function incidentCauseDto(c: IncidentCause): IncidentCauseDto {
  return {
    changeRequest: c.changeRequestNumber,
    deploymentRunId: c.deploymentRunId,
    status: c.status,
    confidence: c.confidence,
    explanation: c.explanation.split('\n'),
    decidedBy: c.decidedBy,
    decidedAt: isoOrNull(c.decidedAt),
    decisionNote: c.decisionNote,
    createdAt: iso(c.createdAt),
  };
}

export function incidentCausesDto(r: {
  incident: { number: string };
  causes: IncidentCause[];
}): IncidentCausesDto {
  return { incident: r.incident.number, causes: r.causes.map(incidentCauseDto) };
}

export function causeDecisionDto(d: CauseDecision): CauseDecisionDto {
  return {
    incident: d.incident.number,
    cause: incidentCauseDto(d.cause),
    reviewDueAt: isoOrNull(d.reviewDueAt),
  };
}

export function reviewDto(r: ReviewObligation): ReviewDto {
  return {
    id: r.id,
    changeRequest: r.changeRequestNumber,
    title: r.changeRequestTitle,
    state: r.state,
    detail: r.detail,
    dueAt: isoOrNull(r.dueAt),
    createdAt: iso(r.createdAt),
    completedAt: isoOrNull(r.completedAt),
    completedBy: r.completedBy,
  };
}
