import type { AuditEvent } from '../audit-chain.js';
import { AppError } from '../errors.js';
import { oneOf } from '../validate.js';
import { formatCef } from './cef.js';
import { formatJsonLine } from './siem-record.js';
import { formatSyslog, octetCounted, type SyslogOrigin } from './syslog.js';

export const siemFormats = ['jsonl', 'syslog', 'cef'] as const;
export type SiemFormat = (typeof siemFormats)[number];
export const siemProtocols = ['tcp', 'tls', 'udp'] as const;
export type SiemProtocol = (typeof siemProtocols)[number];

export interface SiemDestination {
  protocol: SiemProtocol;
  host: string;
  port: number;
  /** Normalised `protocol://host:port`: the key of the stored cursor. */
  url: string;
}

export function parseSiemDestination(value: string): SiemDestination {
  const m = /^([a-z]+):\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]\s]+):(\d{1,5})\/?$/.exec(value.trim());
  const protocol = m?.[1];
  const port = Number(m?.[3]);
  if (!m?.[2] || !protocol || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new AppError(
      'invalid_input',
      `to: '${value}' is not a SIEM destination; use tcp://host:port, tls://host:port or udp://host:port`,
      { field: 'to' },
    );
  }
  oneOf('to', protocol, siemProtocols);
  const host = m[2].replace(/^\[|\]$/g, '');
  return {
    protocol: protocol as SiemProtocol,
    host,
    port,
    url: `${protocol}://${m[2].toLowerCase()}:${port}`,
  };
}

export interface FrameContext extends SyslogOrigin {
  productVersion: string;
}

/** One event as one message of the format (no framing). CEF travels as the MSG of a syslog message. */
export function formatSiemMessage(format: SiemFormat, e: AuditEvent, ctx: FrameContext): string {
  switch (format) {
    case 'jsonl':
      return formatJsonLine(e, ctx.tenant);
    case 'syslog':
      return formatSyslog(e, ctx, formatJsonLine(e, ctx.tenant));
    case 'cef':
      return formatSyslog(e, ctx, formatCef(e, ctx.tenant, ctx.productVersion));
  }
}

/**
 * Framing on the wire: over UDP one message per datagram; over TCP and TLS JSON lines end with a
 * line feed and syslog messages are octet-counted (RFC 6587), so a line break inside never splits one.
 */
export function frameSiemMessage(format: SiemFormat, protocol: SiemProtocol, message: string): Buffer {
  if (protocol === 'udp') return Buffer.from(message, 'utf8');
  return Buffer.from(format === 'jsonl' ? `${message}\n` : octetCounted(message), 'utf8');
}
