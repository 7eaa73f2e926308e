import type { ChangeConflictsDto } from '../api/conflict-schemas.js';
import type { ChangeRequestIncidentsDto, IncidentDetailDto, IncidentDto } from '../api/incident-schemas.js';
import type { ChangeRequestDetailDto } from '../api/schemas.js';
import type { ChangegateApi } from '../client/changegate-api.js';
import { table } from './output.js';
import { renderChangeRequest } from './render.js';

/** Human renderings of incidents, a CR's incident block and its conflicts (docs/incidents.md, docs/windows.md). */

function scope(i: IncidentDto): string {
  const where = i.components.length ? i.components.join(', ') : 'every component';
  return `${where} in ${i.environment ?? 'every environment'}`;
}

function kind(i: IncidentDto): string {
  return `${i.major ? 'major ' : ''}incident${i.severity ? ` (${i.severity})` : ''}`;
}

export function renderIncident(i: IncidentDto | IncidentDetailDto): string[] {
  const lines = [
    `${i.number}  ${i.title}`,
    `  ${kind(i)}, ${i.status}${i.status === 'resolved' ? ` at ${i.resolvedAt} by ${i.resolvedBy}` : ''}`,
    `  on           ${scope(i)}`,
    `  commander    ${i.commander ?? 'none'}`,
    `  started      ${i.startedAt}${i.detectedAt ? `, detected ${i.detectedAt}` : ''}`,
    `  created      ${i.createdAt} by ${i.createdBy}${i.source ? ` via ${i.source}` : ''}${i.externalId ? ` (external id ${i.externalId})` : ''}`,
  ];
  if (i.major && i.status === 'open')
    lines.push(
      `  blocks       changes of risk high or critical to ${scope(i)}, unless ${i.commander} authorizes them`,
    );
  if ('linkedChanges' in i) {
    for (const l of i.linkedChanges)
      lines.push(`  linked       ${l.changeRequest} by ${l.linkedBy} at ${l.linkedAt}`);
    for (const a of i.authorizations)
      lines.push(`  authorized   ${a.changeRequest} by ${a.authorizedBy} at ${a.createdAt}: ${a.reason}`);
    for (const p of i.problems) lines.push(`  problem      ${p.problem} (linked by ${p.linkedBy})`);
    for (const c of i.causes)
      lines.push(
        `  cause        ${c.changeRequest} ${c.status} (confidence ${c.confidence.toFixed(2)}): ${c.explanation}`,
      );
  }
  return lines;
}

export function renderIncidentList(items: IncidentDto[], open: boolean): string[] {
  if (items.length === 0) return [open ? 'no open incidents' : 'no incidents'];
  return table(
    ['NUMBER', 'STATUS', 'KIND', 'ON', 'COMMANDER', 'TITLE'],
    items.map((i) => [i.number, i.status, kind(i), scope(i), i.commander ?? '-', i.title]),
  );
}

export function renderConflicts(c: ChangeConflictsDto): string[] {
  if (c.conflicts.length === 0) return [c.reason ?? `${c.changeRequest} has no conflicts`];
  return [
    `${c.changeRequest} conflicts with ${c.conflicts.length} change request${c.conflicts.length > 1 ? 's' : ''}:`,
    ...c.conflicts.map((x) => `  ${x.explanation}`),
  ];
}

/** What `cr get` adds to a CR: its conflicts and the incidents that block it or authorized it. */
export interface ChangeRequestView extends ChangeRequestDetailDto {
  conflicts: ChangeConflictsDto;
  incidents: ChangeRequestIncidentsDto;
}

/** The CR with its conflicts and incident block: two extra reads, so lists stay cheap. */
export async function changeRequestView(api: ChangegateApi, ref: string): Promise<ChangeRequestView> {
  const detail = await api.getChangeRequest(ref);
  const [conflicts, incidents] = await Promise.all([
    api.changeRequestConflicts(detail.number),
    api.changeRequestIncidents(detail.number),
  ]);
  return { ...detail, conflicts, incidents };
}

export function renderChangeRequestView(view: ChangeRequestView): string[] {
  const lines = renderChangeRequest(view);
  const { conflicts, incidents } = view;
  if (conflicts.conflicts.length > 0) {
    lines.push(`  conflicts: ${conflicts.conflicts.length} (changegate cr conflicts ${view.number})`);
    for (const c of conflicts.conflicts) lines.push(`    ${c.explanation}`);
  } else if (conflicts.reason === null) lines.push('  conflicts: none');
  for (const i of incidents.blockedBy)
    lines.push(
      `  blocked by major incident ${i.number} '${i.title}' on ${scope(i)} until resolved or authorized by its commander ${i.commander}`,
    );
  for (const a of incidents.authorizations)
    lines.push(`  authorized during ${a.incident} by ${a.authorizedBy} at ${a.createdAt}: ${a.reason}`);
  return lines;
}
