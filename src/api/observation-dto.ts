import type { UnauthorizedChange } from '../domain/observation.js';
import type { ObservationOutcome } from '../services/observations/report-observations.js';
import type { ObservationResultDto, UnauthorizedChangeDto } from './observation-schemas.js';

/** Domain → API shapes for observations; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function unauthorizedChangeDto(u: UnauthorizedChange): UnauthorizedChangeDto {
  return {
    id: u.id,
    number: u.number,
    environment: u.environment,
    component: u.component,
    version: u.version,
    digest: u.digest,
    observedAt: iso(u.observedAt),
    lastObservedAt: iso(u.lastObservedAt),
    timesObserved: u.timesObserved,
    source: u.source,
    status: u.status,
    explanation: u.explanation,
    acknowledgedBy: u.acknowledgedBy,
    acknowledgedAt: isoOrNull(u.acknowledgedAt),
    resolvedBy: u.resolvedBy,
    resolvedAt: isoOrNull(u.resolvedAt),
    note: u.note,
    createdBy: u.createdBy,
    createdAt: iso(u.createdAt),
    updatedAt: iso(u.updatedAt),
  };
}

export function observationResultDto(outcomes: ObservationOutcome[]): ObservationResultDto {
  return {
    observations: outcomes.map((o) => ({
      environment: o.observation.environment,
      component: o.observation.component,
      version: o.observation.version,
      digest: o.observation.digest,
      observedAt: iso(o.observation.observedAt),
      source: o.observation.source,
      authorized: o.authorized,
      matchedBy: o.matchedBy,
      explanation: o.explanation,
      repeated: o.repeated,
      unauthorizedChange: o.unauthorizedChange && unauthorizedChangeDto(o.unauthorizedChange),
    })),
    unauthorized: outcomes.filter((o) => !o.authorized).length,
  };
}
