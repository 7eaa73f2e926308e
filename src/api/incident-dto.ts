import type { Incident, IncidentAuthorization } from '../domain/incident.js';
import type { ChangeRequestIncidents } from '../services/incidents/change-request-incidents.js';
import type { IncidentDetail } from '../services/incidents/incident-service.js';
import type { WebhookOutcome } from '../services/incidents/receive-incident-webhook.js';
import type {
  ChangeRequestIncidentsDto,
  IncidentAuthorizationDto,
  IncidentDetailDto,
  IncidentDto,
  IncidentLinkDto,
  IncidentWebhookResultDto,
} from './incident-schemas.js';

/** Domain → API shapes for incidents; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();

export function incidentDto(i: Incident): IncidentDto {
  return {
    id: i.id,
    number: i.number,
    title: i.title,
    severity: i.severity,
    components: i.components,
    environment: i.environment,
    major: i.major,
    status: i.status,
    commander: i.commander,
    startedAt: iso(i.startedAt),
    detectedAt: i.detectedAt === null ? null : iso(i.detectedAt),
    source: i.source,
    externalId: i.externalId,
    resolvedAt: i.resolvedAt === null ? null : iso(i.resolvedAt),
    resolvedBy: i.resolvedBy,
    createdBy: i.createdBy,
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
  };
}

export function incidentAuthorizationDto(a: IncidentAuthorization): IncidentAuthorizationDto {
  return {
    id: a.id,
    incident: a.incidentNumber,
    changeRequest: a.changeRequestNumber,
    authorizedBy: a.authorizedBy,
    reason: a.reason,
    createdAt: iso(a.createdAt),
  };
}

export function incidentLinkDto(
  incidentNumber: string,
  l: { changeRequestNumber: string; linkedBy: string; linkedAt: number },
): IncidentLinkDto {
  return {
    incident: incidentNumber,
    changeRequest: l.changeRequestNumber,
    linkedBy: l.linkedBy,
    linkedAt: iso(l.linkedAt),
  };
}

export function incidentDetailDto(d: IncidentDetail): IncidentDetailDto {
  return {
    ...incidentDto(d.incident),
    linkedChanges: d.linkedChanges.map((l) => incidentLinkDto(d.incident.number, l)),
    authorizations: d.authorizations.map(incidentAuthorizationDto),
    problems: d.problems.map((p) => ({
      problem: p.problemNumber,
      linkedBy: p.linkedBy,
      linkedAt: iso(p.linkedAt),
    })),
    causes: d.causes.map((c) => ({
      changeRequest: c.changeRequestNumber,
      status: c.status,
      confidence: c.confidence,
      explanation: c.explanation,
      decidedBy: c.decidedBy,
    })),
  };
}

export function incidentWebhookResultDto(r: WebhookOutcome): IncidentWebhookResultDto {
  return { ...incidentDto(r.incident), outcome: r.outcome };
}

export function changeRequestIncidentsDto(c: ChangeRequestIncidents): ChangeRequestIncidentsDto {
  return {
    changeRequest: c.changeRequestNumber,
    blockedBy: c.blockedBy.map(incidentDto),
    authorizations: c.authorizations.map(incidentAuthorizationDto),
  };
}
