import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../audit-chain.js';
import { escapeCefHeader, escapeCefValue, formatCef } from './cef.js';
import { formatSiemMessage, frameSiemMessage, parseSiemDestination } from './siem-format.js';
import { escapeSdValue, formatSyslog, headerField } from './syslog.js';

const event: AuditEvent = {
  tenantId: 't1',
  seq: 16,
  id: '01M7ZXJ1M7DG548SEDD1S9GCGH',
  at: Date.parse('2026-11-21T20:42:56.009Z'),
  actor: 'alice@example.com',
  action: 'change_request.transitioned',
  entityType: 'change_request',
  entityId: '01M7ZXJ1M7DG548SEDD1S9GCGJ',
  before: { state: 'new' },
  after: { number: 'CHG0000002', state: 'authorize' },
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};
const ctx = { tenant: 'default', hostname: 'cg-1', procId: '4242', productVersion: '0.1.0' };
const json =
  '{"tenant":"default","seq":16,"id":"01M7ZXJ1M7DG548SEDD1S9GCGH","at":"2026-11-21T20:42:56.009Z","actor":"alice@example.com","action":"change_request.transitioned","entityType":"change_request","entityId":"01M7ZXJ1M7DG548SEDD1S9GCGJ","before":{"state":"new"},"after":{"number":"CHG0000002","state":"authorize"},' +
  `"prevHash":"${'a'.repeat(64)}","hash":"${'b'.repeat(64)}"}`;
const sd =
  '[changegate@32473 tenant="default" seq="16" id="01M7ZXJ1M7DG548SEDD1S9GCGH" actor="alice@example.com" entityType="change_request" entityId="01M7ZXJ1M7DG548SEDD1S9GCGJ"]';

describe('SIEM formats', () => {
  it('writes one JSON line per event', () => {
    expect(formatSiemMessage('jsonl', event, ctx)).toBe(json);
    expect(frameSiemMessage('jsonl', 'tcp', json).toString()).toBe(`${json}\n`);
    expect(frameSiemMessage('jsonl', 'udp', json).toString()).toBe(json);
  });

  it('writes RFC 5424 syslog with the JSON event as MSG, octet-counted on streams', () => {
    const line = `<109>1 2026-11-21T20:42:56.009Z cg-1 changegate 4242 change_request.transitioned ${sd} ${json}`;
    expect(formatSiemMessage('syslog', event, ctx)).toBe(line);
    expect(frameSiemMessage('syslog', 'tls', line).toString()).toBe(`${Buffer.byteLength(line)} ${line}`);
    expect(frameSiemMessage('syslog', 'udp', line).toString()).toBe(line);
  });

  it('counts octets, not characters', () => {
    const framed = frameSiemMessage('syslog', 'tcp', 'é✓').toString();
    expect(framed).toBe('5 é✓');
  });

  it('cuts MSGID at 32 characters and cleans header fields', () => {
    const long = { ...event, action: 'change_request.approval_requested' };
    expect(formatSyslog(long, ctx, 'x').split(' ')[5]).toBe('change_request.approval_requeste');
    expect(headerField('my host', 255)).toBe('my_host');
    expect(headerField('', 48)).toBe('-');
  });

  it('escapes ", \\ and ] in structured data', () => {
    expect(escapeSdValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    const tricky = { ...event, actor: 'eve "the ]admin"' };
    expect(formatSyslog(tricky, ctx, '-')).toContain('actor="eve \\"the \\]admin\\""');
  });

  it('writes CEF inside syslog, with CEF escaping', () => {
    const cef =
      'CEF:0|changegate|changegate|0.1.0|change_request.transitioned|change request transitioned|3|' +
      'rt=1795293776009 suser=alice@example.com act=change_request.transitioned externalId=01M7ZXJ1M7DG548SEDD1S9GCGH ' +
      'cs1Label=tenant cs1=default cs2Label=entityType cs2=change_request cs3Label=entityId cs3=01M7ZXJ1M7DG548SEDD1S9GCGJ ' +
      `cn1Label=seq cn1=16 cs4Label=hash cs4=${'b'.repeat(64)}`;
    expect(formatCef(event, 'default', '0.1.0')).toBe(cef);
    expect(formatSiemMessage('cef', event, ctx)).toBe(
      `<109>1 2026-11-21T20:42:56.009Z cg-1 changegate 4242 change_request.transitioned ${sd} ${cef}`,
    );
    expect(escapeCefHeader('a|b\\c')).toBe('a\\|b\\\\c');
    expect(escapeCefValue('a=b\\c|d\ne')).toBe('a\\=b\\\\c|d\\ne');
    const token = { ...event, action: 'token.created', actor: 'x=y|z' };
    expect(formatCef(token, 'default', '1|2')).toMatch(
      /^CEF:0\|changegate\|changegate\|1\\\|2\|token\.created\|token created\|6\|rt=\d+ suser=x\\=y\|z /,
    );
  });

  it('parses destinations and refuses anything else', () => {
    expect(parseSiemDestination('tls://SIEM.example.com:6514')).toEqual({
      protocol: 'tls',
      host: 'SIEM.example.com',
      port: 6514,
      url: 'tls://siem.example.com:6514',
    });
    expect(parseSiemDestination('udp://[::1]:514')).toMatchObject({ host: '::1', port: 514 });
    expect(() => parseSiemDestination('http://x:1')).toThrow(/to: 'http'/);
    expect(() => parseSiemDestination('tcp://x')).toThrow(/use tcp:\/\/host:port/);
    expect(() => parseSiemDestination('tcp://x:70000')).toThrow(/not a SIEM destination/);
  });
});
