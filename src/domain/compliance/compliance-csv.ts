import type { ComplianceReport } from './compliance-report.js';
import type { Violation } from './violations.js';

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, and its quotes are doubled. A text
 * that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return; a CR
 * title is anyone's text) gets a leading apostrophe, so it is shown, not evaluated. Numbers stay numbers.
 */
export function csvField(value: string | number | null): string {
  const raw = value === null ? '' : String(value);
  const s = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvRow(values: (string | number | null)[]): string {
  return values.map(csvField).join(',');
}

const header = [
  'kind',
  'at',
  'origin',
  'environment',
  'change_request',
  'change_request_title',
  'deployment_run',
  'audit_seq',
  'audit_event_id',
  'unauthorized_change',
  'summary',
  'link',
  'basis',
];

function row(v: Violation): string {
  const link =
    v.links.unauthorizedChange ?? v.links.deploymentRun ?? v.links.auditEvent ?? v.links.changeRequest;
  return csvRow([
    v.kind,
    v.at,
    v.origin,
    v.environment,
    v.changeRequest,
    v.changeRequestTitle,
    v.deploymentRunId,
    v.auditEvent?.seq ?? null,
    v.auditEvent?.id ?? null,
    v.unauthorizedChange,
    v.summary,
    link,
    v.basis,
  ]);
}

/** One row per violation (internal, vendor, then unauthorized changes), CRLF line ends as RFC 4180 asks. */
export function complianceCsv(report: ComplianceReport): string {
  const rows = [
    ...report.internal.violations,
    ...report.vendor.violations,
    ...report.unauthorizedChanges,
  ].map(row);
  return `${[csvRow(header), ...rows].join('\r\n')}\r\n`;
}
