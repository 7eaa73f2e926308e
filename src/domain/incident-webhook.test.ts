import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  defaultIncidentWebhookConfig,
  mapIncidentPayload,
  parseIncidentWebhookConfig,
  parsePath,
  readPath,
  verifyWebhookSignature,
  webhookToleranceMs,
} from './incident-webhook.js';

const now = Date.parse('2026-03-01T12:00:00Z');
const secret = 'a-tenant-secret-of-some-length';
const body = Buffer.from('{"externalId":"A-1","title":"down"}');
const ts = String(now / 1000);
/** Computed independently of webhookSignature: what a sender's shell recipe produces. */
const sign = (key: string, timestamp: string, raw: Buffer) =>
  `sha256=${createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))
    .digest('hex')}`;

describe('incident webhook signature', () => {
  const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
    verifyWebhookSignature({
      secrets: [secret],
      timestamp: ts,
      signature: sign(secret, ts, body),
      rawBody: body,
      now,
      ...over,
    });

  it('accepts the HMAC-SHA256 of "<timestamp>.<raw body>" with any of the tenant secrets', () => {
    expect(check({})).toBe('valid');
    expect(check({ secrets: ['the-new-secret-after-rotation', secret] })).toBe('valid');
  });

  it('refuses a wrong secret, a changed body, a swapped timestamp and malformed headers', () => {
    expect(check({ signature: sign('another-secret-entirely', ts, body) })).toBe('invalid');
    expect(check({ rawBody: Buffer.from('{"externalId":"A-1","title":"up"}') })).toBe('invalid');
    expect(check({ timestamp: String(now / 1000 + 1) })).toBe('invalid');
    expect(check({ signature: undefined })).toBe('invalid');
    expect(check({ signature: 'md5=abc' })).toBe('invalid');
    expect(check({ timestamp: 'yesterday' })).toBe('invalid');
    expect(check({ secrets: [] })).toBe('invalid');
  });

  it('calls a correctly signed delivery outside the 5-minute window stale (a replay)', () => {
    const old = String((now - webhookToleranceMs - 1000) / 1000);
    expect(check({ timestamp: old, signature: sign(secret, old, body) })).toBe('stale');
    const edge = String((now - webhookToleranceMs) / 1000);
    expect(check({ timestamp: edge, signature: sign(secret, edge, body) })).toBe('valid');
  });
});

describe('incident webhook mapping', () => {
  it('parses dotted paths with list indices and reads own properties only', () => {
    expect(parsePath('p', '$.alerts[0].labels.service')).toEqual(['alerts', 0, 'labels', 'service']);
    expect(parsePath('p', 'alert.title')).toEqual(['alert', 'title']);
    for (const bad of ['$..x', 'a b', '$.a[x]', '$.constructor()', '$']) {
      expect(() => parsePath('p', bad), bad).toThrow(/p: /);
    }
    const payload = { alerts: [{ labels: { service: 'payments' } }] };
    expect(readPath(payload, ['alerts', 0, 'labels', 'service'])).toBe('payments');
    expect(readPath(payload, ['alerts', 1, 'labels'])).toBeUndefined();
    expect(readPath(payload, ['toString'])).toBeUndefined();
    expect(readPath(payload, ['alerts', 'length'])).toBeUndefined();
  });

  it('maps a tool-specific payload with a severity map, and resolves on a configured status', () => {
    const config = parseIncidentWebhookConfig({
      fields: {
        externalId: '$.alert.id',
        title: '$.alert.summary',
        severity: '$.alert.priority',
        components: '$.alert.service',
        environment: '$.alert.env',
        status: '$.alert.state',
      },
      severityMap: { P1: 'sev1', P2: 'sev2' },
      resolvedValues: ['closed', 'resolved'],
    });
    if (!config) throw new Error('config expected');
    const payload = (state: string, priority = 'P1') => ({
      alert: { id: 4711, summary: 'Checkout errors', priority, service: 'payments', env: 'prod', state },
    });
    expect(mapIncidentPayload(payload('firing'), config)).toEqual({
      externalId: '4711',
      fields: { title: 'Checkout errors', severity: 'sev1', components: ['payments'], environment: 'prod' },
      resolved: false,
    });
    expect(mapIncidentPayload(payload('closed'), config).resolved).toBe(true);
    expect(() => mapIncidentPayload(payload('firing', 'P9'), config)).toThrow(
      /severity \(read from \$\.alert\.priority\): 'P9' is not in incidentWebhook\.severityMap/,
    );
  });

  it('without a mapping reads the changegate schema, and names what is missing', () => {
    const mapped = mapIncidentPayload(
      {
        externalId: 'x-1',
        title: 'Down',
        severity: 'sev2',
        major: true,
        commander: 'c@example.com',
        status: 'resolved',
      },
      defaultIncidentWebhookConfig,
    );
    expect(mapped).toEqual({
      externalId: 'x-1',
      fields: { title: 'Down', severity: 'sev2', major: true, commander: 'c@example.com' },
      resolved: true,
    });
    expect(() => mapIncidentPayload({ title: 'x' }, defaultIncidentWebhookConfig)).toThrow(/externalId/);
    expect(() => mapIncidentPayload({ externalId: 'x' }, defaultIncidentWebhookConfig)).toThrow(/title/);
    expect(() => mapIncidentPayload([], defaultIncidentWebhookConfig)).toThrow(/JSON object/);
  });

  it('refuses bad configuration with the path of the bad key', () => {
    expect(() => parseIncidentWebhookConfig({ fields: { titel: '$.a' } })).toThrow(
      /incidentWebhook\.fields\.titel: unknown key \(did you mean 'title'\?\)/,
    );
    expect(() => parseIncidentWebhookConfig({ severityMap: { P1: 'critical' } })).toThrow(
      /incidentWebhook\.severityMap\.P1: must be one of sev1, sev2, sev3, sev4/,
    );
    expect(() => parseIncidentWebhookConfig({ fields: { title: 'a..b' } })).toThrow(
      /incidentWebhook\.fields\.title: 'a\.\.b' is not a dotted path/,
    );
  });
});
