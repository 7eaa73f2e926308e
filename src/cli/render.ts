import type {
  AttachmentDto,
  AuditEventDto,
  AuditVerifyDto,
  ChangeRequestDetailDto,
  ChangeRequestDto,
  EnvironmentDto,
  TokenDto,
} from '../api/schemas.js';
import { table } from './output.js';
import { riskSummary } from './render-risk.js';
import { renderChecklistState } from './render-templates.js';

/** Human renderings of the API shapes; --json prints the shapes themselves. */

export function renderChangeRequest(cr: ChangeRequestDto | ChangeRequestDetailDto): string[] {
  const field = (label: string, value: unknown) =>
    value === null || value === undefined ? [] : [`  ${label.padEnd(18)} ${String(value)}`];
  const lines = [
    `${cr.number}  ${cr.title}`,
    ...field('type', cr.type),
    ...field('origin', cr.origin === 'vendor' ? 'vendor' : null),
    ...field('state', cr.state),
    ...field('approval', cr.approval),
    ...field('close category', cr.closeCategory),
    ...field('close notes', cr.closeNotes),
    ...field(
      'environment',
      cr.environment &&
        `${cr.environment}${cr.targetEnvironmentPurpose ? ` (${cr.targetEnvironmentPurpose})` : ''}`,
    ),
    ...field('region', cr.region),
    ...field('components', cr.components.join(', ') || null),
    ...field('labels', cr.labels.join(', ') || null),
    ...field(
      'custom fields',
      Object.entries(cr.customFields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ') || null,
    ),
    ...field('category', cr.category),
    ...field('template', cr.template),
    ...field('priority', cr.priority),
    ...field('risk', riskSummary(cr)),
    ...field('assignee', cr.assignee),
    ...field('customer impact', cr.customerImpact),
    ...field('deployment impact', cr.deploymentImpact),
    ...field('outage minutes', cr.outageMinutes),
    ...field('planned', cr.plannedStart && `${cr.plannedStart} → ${cr.plannedEnd ?? '?'}`),
    ...field('description', cr.description),
    ...field('purpose', cr.purpose),
    ...field('impact', cr.impact),
    ...field('backout plan', cr.backoutPlan),
    ...field('requested by', cr.requestedBy),
    ...field('implemented by', cr.implementedBy),
    ...field('created', cr.createdAt),
    ...field('id', cr.id),
  ];
  if ('approvals' in cr) {
    for (const a of cr.approvals)
      lines.push(`  ${a.decision} by ${a.approver} at ${a.decidedAt}${a.comment ? `: ${a.comment}` : ''}`);
    for (const c of cr.comments) lines.push(`  comment by ${c.author} at ${c.createdAt}: ${c.body}`);
    for (const f of cr.attachments) lines.push(`  attachment ${f.kind} ${f.name} (${f.size} bytes, ${f.id})`);
    for (const o of cr.obligations)
      lines.push(
        `  follow-up ${o.kind.replaceAll('_', ' ')}: ${o.state}${o.completedBy ? ` (by ${o.completedBy} at ${o.completedAt})` : o.dueAt ? ` (due ${o.dueAt})` : ''}`,
      );
    for (const l of cr.links) lines.push(`  link ${l.kind.replaceAll('_', ' ')} ${l.target}`);
    for (const w of cr.windows)
      lines.push(
        `  plan inside ${w.kind} '${w.name}' (${w.start} → ${w.end}): ${w.reason}${w.overridden ? ' (overridden for this CR)' : ''}`,
      );
    for (const o of cr.windowOverrides)
      lines.push(`  freeze override '${o.window}' by ${o.grantedBy} at ${o.grantedAt}: ${o.reason}`);
    if (cr.checklist) lines.push(...renderChecklistState(cr.checklist));
    if (cr.batch) lines.push(`  batch: ${cr.batch.number} (${cr.batch.name})`);
  }
  return lines;
}

export function renderChangeList(items: ChangeRequestDto[]): string[] {
  if (items.length === 0) return ['no change requests match'];
  return table(
    ['NUMBER', 'TYPE', 'STATE', 'APPROVAL', 'ENVIRONMENT', 'PRIORITY', 'TITLE'],
    items.map((c) => [c.number, c.type, c.state, c.approval, c.environment ?? '-', c.priority, c.title]),
  );
}

export function renderAttachments(items: AttachmentDto[]): string[] {
  if (items.length === 0) return ['no attachments'];
  return table(
    ['ID', 'KIND', 'NAME', 'MEDIA TYPE', 'SIZE', 'SHA256'],
    items.map((a) => [a.id, a.kind, a.name, a.mediaType, String(a.size), a.sha256]),
  );
}

export function renderEnvironments(items: EnvironmentDto[]): string[] {
  if (items.length === 0)
    return ['no environments; create one with: changegate env create <name> --purpose production|pre_prod'];
  return table(
    ['NAME', 'PURPOSE', 'DETAIL'],
    items.map((e) => [e.name, e.purpose, e.detail ?? '']),
  );
}

export function renderTokens(items: TokenDto[]): string[] {
  if (items.length === 0) return ['no tokens'];
  return table(
    ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'REVOKED'],
    items.map((t) => [t.id, t.name, t.role, `${t.prefix}…`, t.createdAt, t.revokedAt ?? '']),
  );
}

export function renderAuditEvents(items: AuditEventDto[]): string[] {
  if (items.length === 0) return ['no audit events'];
  return table(
    ['SEQ', 'AT', 'ACTOR', 'ACTION', 'ENTITY', 'CHANGES'],
    items.map((e) => [
      String(e.seq),
      e.at,
      e.actor,
      e.action,
      `${e.entityType}:${e.entityId}`,
      summarizeChange(e),
    ]),
  );
}

function summarizeChange(e: AuditEventDto): string {
  const { before, after } = e;
  if (!before || !after) return '';
  return Object.keys(after)
    .filter((k) => k !== 'number' && k in before)
    .map((k) => `${k}: ${String(before[k])} → ${String(after[k])}`)
    .join('; ');
}

export function renderVerify(report: AuditVerifyDto): string[] {
  const lines = report.ok
    ? [
        `OK: ${report.count} audit events of tenant '${report.tenant}' verified${report.head ? ` (head ${report.head.seq} ${report.head.hash})` : ''}`,
      ]
    : [
        `FAILED: ${report.firstBad?.message ?? report.checkpoint?.message ?? 'the audit log does not verify'}`,
      ];
  if (report.cut)
    lines.push(
      `verified from the retention cut at event ${report.cut.seq} (${report.cut.at}; earlier events archived to ${report.cut.archive})`,
    );
  if (report.checkpoint)
    lines.push(`checkpoint: ${report.checkpoint.ok ? 'OK' : 'FAILED'}: ${report.checkpoint.message}`);
  return lines;
}
