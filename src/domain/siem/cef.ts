import type { AuditEvent } from '../audit-chain.js';

/**
 * ArcSight Common Event Format: CEF:Version|Device Vendor|Device Product|Device Version|Signature
 * ID|Name|Severity|Extension. In the header `\` and `|` are escaped; in extension values `\` and
 * `=` are, and line breaks become `\n` / `\r`.
 */
export function escapeCefHeader(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

export function escapeCefValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** 6 for changes to who may do what (tokens, tenants, configuration) and for exceptions granted; 3 otherwise. */
export function cefSeverity(action: string): number {
  return /^(token|tenant|config)\.|override|authoriz/.test(action) ? 6 : 3;
}

export function formatCef(e: AuditEvent, tenant: string, productVersion: string): string {
  const header = [
    'CEF:0',
    'changegate',
    'changegate',
    productVersion,
    e.action,
    e.action.replace(/[._]/g, ' '),
    String(cefSeverity(e.action)),
  ].map((part, i) => (i === 0 ? part : escapeCefHeader(part)));
  const extensions: [string, string | number][] = [
    ['rt', e.at],
    ['suser', e.actor],
    ['act', e.action],
    ['externalId', e.id],
    ['cs1Label', 'tenant'],
    ['cs1', tenant],
    ['cs2Label', 'entityType'],
    ['cs2', e.entityType],
    ['cs3Label', 'entityId'],
    ['cs3', e.entityId],
    ['cn1Label', 'seq'],
    ['cn1', e.seq],
    ['cs4Label', 'hash'],
    ['cs4', e.hash],
  ];
  return `${header.join('|')}|${extensions.map(([k, v]) => `${k}=${escapeCefValue(String(v))}`).join(' ')}`;
}
