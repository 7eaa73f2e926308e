import type { ProblemDetail } from '../services/problems/problem-service.js';
import type { ProblemDetailDto, ProblemDto } from './problem-schemas.js';

/** Domain → API shapes for problems; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();

export function problemDto(d: Omit<ProblemDetail, 'incidents'>): ProblemDto {
  const p = d.problem;
  return {
    id: p.id,
    number: p.number,
    title: p.title,
    status: p.status,
    rootCause: p.rootCause,
    fixChangeRequest: d.fixChangeRequest,
    createdBy: p.createdBy,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    resolvedAt: p.resolvedAt === null ? null : iso(p.resolvedAt),
  };
}

export function problemDetailDto(d: ProblemDetail): ProblemDetailDto {
  return {
    ...problemDto(d),
    incidents: d.incidents.map((l) => ({
      incident: l.incidentNumber,
      linkedBy: l.linkedBy,
      linkedAt: iso(l.linkedAt),
    })),
  };
}
