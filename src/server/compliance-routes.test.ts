import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';

describe.each(dialects)('compliance and observation routes on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  const tokens: Record<string, string> = {};
  const as = (role: string) => tokens[role] as string;

  beforeAll(async () => {
    s = await testServer(dialect, 'compliance-routes');
    for (const role of [
      'viewer',
      'requester',
      'approver',
      'change_manager',
      'auditor',
      'pipeline',
      'admin',
    ] as const)
      tokens[role] = await tokenFor(s.app, 'default', `${role}@example.com`, role);
    const env = await s.call(as('admin'), {
      method: 'POST',
      url: '/api/v1/environments',
      payload: { name: 'prod', purpose: 'production' },
    });
    expect(env.statusCode, env.body).toBe(201);
  });
  afterAll(() => s?.close());

  it('lets drift monitors (pipeline tokens) report, auditors read, change managers resolve', async () => {
    for (const role of ['viewer', 'requester', 'approver', 'auditor', 'change_manager']) {
      const res = await s.call(as(role), {
        method: 'POST',
        url: '/api/v1/observations',
        payload: { environment: 'prod', component: 'api', version: '1' },
      });
      expect(res.statusCode, role).toBe(403);
    }
    const seen = await s.call(as('pipeline'), {
      method: 'POST',
      url: '/api/v1/observations',
      payload: {
        observations: [{ environment: 'prod', component: 'api', version: '9.9.9', source: 'drift' }],
      },
    });
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json()).toMatchObject({
      unauthorized: 1,
      observations: [{ authorized: false, repeated: false }],
    });
    const number = seen.json().observations[0].unauthorizedChange.number;

    for (const role of ['viewer', 'pipeline', 'requester']) {
      const res = await s.call(as(role), { method: 'GET', url: '/api/v1/unauthorized-changes' });
      expect(res.statusCode, role).toBe(403);
    }
    const list = await s.call(as('auditor'), {
      method: 'GET',
      url: '/api/v1/unauthorized-changes?status=open',
    });
    expect(list.json().map((u: { number: string }) => u.number)).toEqual([number]);
    const denied = await s.call(as('auditor'), {
      method: 'POST',
      url: `/api/v1/unauthorized-changes/${number}/acknowledge`,
    });
    expect(denied.statusCode).toBe(403);
    const ack = await s.call(as('change_manager'), {
      method: 'POST',
      url: `/api/v1/unauthorized-changes/${number}/acknowledge`,
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'change_manager@example.com',
    });
    const missing = await s.call(as('auditor'), {
      method: 'GET',
      url: '/api/v1/unauthorized-changes/UAC9999999',
    });
    expect(missing.statusCode).toBe(404);
  });

  it('serves the compliance report as JSON, CSV and HTML to auditors, change managers and admins', async () => {
    for (const role of ['viewer', 'requester', 'approver', 'pipeline']) {
      const res = await s.call(as(role), { method: 'GET', url: '/api/v1/reports/compliance' });
      expect(res.statusCode, role).toBe(403);
    }
    const period = 'since=2026-01-01T00:00:00Z&until=2027-01-01T00:00:00Z';
    const json = await s.call(as('auditor'), { method: 'GET', url: `/api/v1/reports/compliance?${period}` });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toMatchObject({
      since: '2026-01-01T00:00:00.000Z',
      violationCounts: { unauthorized_change: 1 },
      unauthorizedChanges: [{ kind: 'unauthorized_change', environment: 'prod' }],
    });
    const csv = await s.call(as('change_manager'), {
      method: 'GET',
      url: `/api/v1/reports/compliance?${period}&format=csv`,
    });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[1]).toMatch(/^unauthorized_change,/);
    const page = await s.call(as('admin'), {
      method: 'GET',
      url: `/api/v1/reports/compliance?${period}&format=html`,
    });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/^<!doctype html>/);
    expect(page.body).toContain('href="/api/v1/unauthorized-changes/UAC0000001"');
    const bad = await s.call(as('auditor'), {
      method: 'GET',
      url: '/api/v1/reports/compliance?since=yesterday',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe('since');
  });
});
