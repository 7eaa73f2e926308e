import type { AuditEvent } from '../audit-chain.js';

/**
 * RFC 5424 syslog: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [STRUCTURED-DATA] MSG.
 * Facility 13 (log audit), severity 5 (notice): PRI 109.
 */
export const syslogPri = 13 * 8 + 5;

/** SD-ID of the structured data element; 32473 is the private enterprise number reserved for examples (RFC 5612). */
export const sdId = 'changegate@32473';

export interface SyslogOrigin {
  tenant: string;
  hostname: string;
  procId: string;
}

/** PRINTUSASCII without spaces, at most `max` characters; "-" (the NILVALUE) when nothing is left. */
export function headerField(value: string, max: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return cleaned === '' ? '-' : cleaned;
}

/** RFC 5424 §6.3.3: inside PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export function formatSyslog(e: AuditEvent, origin: SyslogOrigin, msg: string): string {
  const params: [string, string | number][] = [
    ['tenant', origin.tenant],
    ['seq', e.seq],
    ['id', e.id],
    ['actor', e.actor],
    ['entityType', e.entityType],
    ['entityId', e.entityId],
  ];
  const sd = `[${sdId} ${params.map(([k, v]) => `${k}="${escapeSdValue(String(v))}"`).join(' ')}]`;
  return [
    `<${syslogPri}>1`,
    new Date(e.at).toISOString(),
    headerField(origin.hostname, 255),
    'changegate',
    headerField(origin.procId, 128),
    // MSGID is at most 32 characters: a longer action is cut here and stays whole in MSG.
    headerField(e.action, 32),
    sd,
    msg,
  ].join(' ');
}

/** RFC 6587 §3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, the length in bytes of the UTF-8 message. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}
