import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';

/** A freeze far ahead of the test clock, so the permission checks below are about who, not when. */
const freeze = {
  name: 'year-end',
  kind: 'freeze',
  start: '2026-12-20T00:00:00Z',
  end: '2027-01-04T00:00:00Z',
  reason: 'year-end trading',
};

describe.each(dialects)('window routes on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    s = await testServer(dialect, 'window-routes');
    for (const role of ['viewer', 'requester', 'approver', 'change_manager', 'pipeline'] as const)
      tokens[role] = await tokenFor(s.app, 'default', `${role}@example.com`, role);
    tokens.admin = await tokenFor(s.app, 'default', 'admin@example.com', 'admin');
    const env = await s.call(tokens.admin as string, {
      method: 'POST',
      url: '/api/v1/environments',
      payload: { name: 'prod', purpose: 'production' },
    });
    expect(env.statusCode, env.body).toBe(201);
  });
  afterAll(() => s?.close());

  const as = (role: string) => tokens[role] as string;

  it('lets only change managers and admins create and delete windows, and every role read them', async () => {
    for (const role of ['pipeline', 'requester', 'approver', 'viewer']) {
      const res = await s.call(as(role), { method: 'POST', url: '/api/v1/windows', payload: freeze });
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.message).toBe(
        `role '${role}' lacks the permission 'window:manage'; see docs/access-control.md`,
      );
    }
    const created = await s.call(as('change_manager'), {
      method: 'POST',
      url: '/api/v1/windows',
      payload: freeze,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'year-end',
      kind: 'freeze',
      schedule: 'once',
      start: '2026-12-20T00:00:00.000Z',
      end: '2027-01-04T00:00:00.000Z',
      rrule: null,
      environments: [],
      createdBy: 'change_manager@example.com',
    });

    const list = await s.call(as('viewer'), {
      method: 'GET',
      url: '/api/v1/windows?at=2026-12-24T12:00:00Z&active=true',
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().windows).toMatchObject([
      {
        name: 'year-end',
        activeOccurrence: { start: '2026-12-20T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z' },
        nextOccurrence: null,
      },
    ]);
    const one = await s.call(as('pipeline'), { method: 'GET', url: '/api/v1/windows/year-end' });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ occurrences: [{ start: '2026-12-20T00:00:00.000Z' }], overrides: [] });

    const del = await s.call(as('pipeline'), { method: 'DELETE', url: '/api/v1/windows/year-end' });
    expect(del.statusCode).toBe(403);
    expect(del.json().error.details).toEqual({ permission: 'window:manage' });
  });

  it('gives the service’s field errors over HTTP', async () => {
    const res = await s.call(as('admin'), {
      method: 'POST',
      url: '/api/v1/windows',
      payload: {
        name: 'fridays',
        kind: 'freeze',
        rrule: 'FREQ=WEEKLY;BYDAY=FR',
        startTime: '18:00',
        duration: 600,
        timeZone: 'Mars/Olympus',
        reason: 'x',
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'invalid_input',
      message:
        "timeZone: 'Mars/Olympus' is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC",
      details: { field: 'timeZone' },
    });
    const kind = await s.call(as('admin'), {
      method: 'POST',
      url: '/api/v1/windows',
      payload: { ...freeze, kind: 'blackout' },
    });
    expect(kind.json().error.message).toMatch(
      /^kind: 'blackout' is not valid; use one of: freeze, maintenance/,
    );
  });

  it('lets only change managers and admins grant an override, and never for a CR they requested', async () => {
    await s.call(as('admin'), {
      method: 'POST',
      url: '/api/v1/windows',
      payload: { ...freeze, name: 'override-me' },
    });
    const cr = (
      await s.call(as('requester'), {
        method: 'POST',
        url: '/api/v1/change-requests',
        payload: { ...validChange, environment: 'prod' },
      })
    ).json();
    const grant = (role: string, changeRequestId = cr.number) =>
      s.call(as(role), {
        method: 'POST',
        url: '/api/v1/windows/override-me/overrides',
        payload: { changeRequestId, reason: 'security fix' },
      });
    for (const role of ['pipeline', 'requester', 'approver', 'viewer']) {
      const res = await grant(role);
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.details).toEqual({ permission: 'window:override' });
    }
    const mine = (
      await s.call(as('change_manager'), {
        method: 'POST',
        url: '/api/v1/change-requests',
        payload: { ...validChange, environment: 'prod' },
      })
    ).json();
    const own = await grant('change_manager', mine.number);
    expect(own.statusCode).toBe(403);
    expect(own.json().error.code).toBe('separation_of_duties');

    const ok = await grant('change_manager');
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      window: 'override-me',
      changeRequest: cr.number,
      reason: 'security fix',
      grantedBy: 'change_manager@example.com',
    });
    const detail = (
      await s.call(as('viewer'), { method: 'GET', url: `/api/v1/change-requests/${cr.number}` })
    ).json();
    expect(detail.windowOverrides).toMatchObject([
      { window: 'override-me', grantedBy: 'change_manager@example.com' },
    ]);
    expect((await grant('admin')).statusCode).toBe(409);
  });
});
