import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';

describe.each(dialects)('HTTP API on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let admin: string;
  let requester: string;
  let approver: string;
  let viewer: string;
  let auditor: string;

  beforeAll(async () => {
    s = await testServer(dialect, 'http', { maxAttachmentBytes: 2048 });
    admin = await tokenFor(s.app, 'default', 'admin@example.com', 'admin');
    requester = await tokenFor(s.app, 'default', 'req@example.com', 'requester');
    approver = await tokenFor(s.app, 'default', 'appr@example.com', 'approver');
    viewer = await tokenFor(s.app, 'default', 'viewer@example.com', 'viewer');
    auditor = await tokenFor(s.app, 'default', 'auditor@example.com', 'auditor');
  });
  afterAll(() => s?.close());

  const create = (token = requester, body: Record<string, unknown> = validChange, headers = {}) =>
    s.call(token, { method: 'POST', url: '/api/v1/change-requests', payload: body, headers });

  it('answers health and readiness', async () => {
    expect((await s.call(null, { method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await s.call(null, { method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('publishes a valid OpenAPI 3.1 document covering the routes', async () => {
    const doc = (await s.call(null, { method: 'GET', url: '/api/openapi.json' })).json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/change-requests',
        '/api/v1/change-requests/{ref}',
        '/api/v1/audit/verify',
      ]),
    );
  });

  it('requires a valid, unrevoked token on every /api/v1 operation', async () => {
    const doc = (await s.call(null, { method: 'GET', url: '/api/openapi.json' })).json();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{[^}]+\}/g, 'x');
        const res = await s.call(null, { method: method.toUpperCase() as 'GET', url });
        expect(res.statusCode, `${method} ${path}`).toBe(401);
        expect(res.json().error.code).toBe('unauthenticated');
      }
    }
    expect((await s.call('cgt_forged', { method: 'GET', url: '/api/v1/change-requests' })).statusCode).toBe(
      401,
    );
    const doomed = await tokenFor(s.app, 'default', 'doomed', 'viewer');
    expect((await s.call(doomed, { method: 'GET', url: '/api/v1/change-requests' })).statusCode).toBe(200);
    await s.call(admin, { method: 'POST', url: '/api/v1/tokens/doomed/revoke' });
    expect((await s.call(doomed, { method: 'GET', url: '/api/v1/change-requests' })).statusCode).toBe(401);
  });

  it('checks the role of every call', async () => {
    expect((await create(viewer)).json().error).toMatchObject({ code: 'forbidden' });
    expect((await s.call(viewer, { method: 'GET', url: '/api/v1/audit/verify' })).statusCode).toBe(403);
    expect((await s.call(auditor, { method: 'GET', url: '/api/v1/audit/verify' })).json().ok).toBe(true);
    expect(
      (
        await s.call(requester, {
          method: 'POST',
          url: '/api/v1/tokens',
          payload: { name: 'x', role: 'admin' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (await s.call(admin, { method: 'POST', url: '/api/v1/tenants', payload: { slug: 'from-admin' } }))
        .statusCode,
    ).toBe(201);
  });

  it('creates, approves and closes through the API; the requester cannot approve', async () => {
    const created = await create();
    expect(created.statusCode).toBe(201);
    const cr = created.json();
    expect(cr).toMatchObject({
      state: 'new',
      approval: 'not_requested',
      customerImpact: 'low',
      requestedBy: 'req@example.com',
    });
    expect(cr.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await s.call(requester, { method: 'POST', url: `/api/v1/change-requests/${cr.number}/request-approval` });
    const sod = await s.call(requester, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.number}/approve`,
      payload: {},
    });
    expect(sod.statusCode).toBe(403);
    expect(sod.json().error).toMatchObject({ code: 'forbidden' });
    const selfApprover = await tokenFor(s.app, 'default', 'req@example.com-approver', 'change_manager');
    const own = await s.call(selfApprover, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: validChange,
    });
    await s.call(selfApprover, {
      method: 'POST',
      url: `/api/v1/change-requests/${own.json().id}/request-approval`,
    });
    const refused = await s.call(selfApprover, {
      method: 'POST',
      url: `/api/v1/change-requests/${own.json().id}/approve`,
      payload: {},
    });
    expect(refused.json().error).toMatchObject({ code: 'separation_of_duties' });
    const bare = await s.call(requester, {
      method: 'POST',
      url: `/api/v1/change-requests/${own.json().id}/cancel`,
    });
    expect(bare.json()).toMatchObject({ state: 'canceled' });
    const approved = await s.call(approver, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.id}/approve`,
      payload: { comment: 'fine' },
    });
    expect(approved.json()).toMatchObject({ approval: 'approved', state: 'scheduled' });
    const detail = (
      await s.call(viewer, { method: 'GET', url: `/api/v1/change-requests/${cr.number}` })
    ).json();
    expect(detail.approvals).toMatchObject([
      { approver: 'appr@example.com', decision: 'approved', comment: 'fine' },
    ]);
  });

  it('answers bad input with the error envelope naming the field and valid values, and writes nothing', async () => {
    const before = (await s.call(admin, { method: 'GET', url: '/api/v1/audit/verify' })).json().count;
    const badEnum = await create(requester, { ...validChange, priority: 'urgent' });
    expect(badEnum.statusCode).toBe(400);
    expect(badEnum.json().error).toMatchObject({
      code: 'invalid_input',
      details: { field: 'priority', validValues: ['critical', 'high', 'moderate', 'low', 'planning'] },
    });
    expect(badEnum.json().error.message).toBe(
      "priority: 'urgent' is not valid; use one of: critical, high, moderate, low, planning",
    );
    const negative = await create(requester, { ...validChange, outageMinutes: -1 });
    expect(negative.json().error.message).toBe(
      "outageMinutes: '-1' must be a whole number between 0 and 525600",
    );
    const missing = await create(requester, { priority: 'high' });
    // The service answers, listing every missing field, as in local mode.
    expect(missing.json().error.message).toBe(
      'missing required fields: assignee, customerImpact, deploymentImpact',
    );
    const unknown = await create(requester, { ...validChange, colour: 'red' });
    expect(unknown.json().error.message).toMatch(/unknown field colour/);
    const email = await create(requester, { ...validChange, assignee: 'nobody' });
    expect(email.json().error.message).toMatch(/assignee: 'nobody' is not an email address/);
    const notJson = await s.call(requester, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.json().error.code).toBe('invalid_input');
    const unknownCr = await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests/CHG9999999' });
    expect(unknownCr.statusCode).toBe(404);
    expect(unknownCr.json().error).toMatchObject({
      code: 'not_found',
      message: "change request 'CHG9999999' was not found",
    });
    const cr = (await create()).json();
    const illegal = await s.call(admin, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.id}/transitions`,
      payload: { to: 'review' },
    });
    expect(illegal.statusCode).toBe(409);
    expect(illegal.json().error.code).toBe('illegal_transition');
    expect((await s.call(admin, { method: 'GET', url: '/api/v1/audit/verify' })).json().count).toBe(
      before + 1,
    );
  });

  it('applies PATCH semantics and paginates with a cursor', async () => {
    const cr = (await create(requester, { ...validChange, description: 'd', risk: 'low' })).json();
    const patched = await s.call(requester, {
      method: 'PATCH',
      url: `/api/v1/change-requests/${cr.id}`,
      payload: { risk: null, outageMinutes: 15 },
    });
    expect(patched.json()).toMatchObject({ risk: null, outageMinutes: 15, description: 'd' });
    const first = (await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests?limit=2' })).json();
    expect(first.items).toHaveLength(2);
    const second = (
      await s.call(viewer, {
        method: 'GET',
        url: `/api/v1/change-requests?limit=2&cursor=${first.nextCursor}`,
      })
    ).json();
    expect(second.items[0].id < first.items[1].id).toBe(true);
    const filtered = (
      await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests?state=new&state=scheduled' })
    ).json();
    expect(filtered.items.every((c: { state: string }) => ['new', 'scheduled'].includes(c.state))).toBe(true);
    const bad = await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests?state=done' });
    expect(bad.json().error.details.validValues).toContain('authorize');
  });

  it('replays a POST with the same Idempotency-Key and refuses the key for another body', async () => {
    const key = { 'idempotency-key': 'create-once-1' };
    const first = await create(requester, { ...validChange, title: 'idempotent' }, key);
    const again = await create(requester, { ...validChange, title: 'idempotent' }, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const list = (
      await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests?q=idempotent' })
    ).json();
    expect(list.items).toHaveLength(1);
    const stranger = await tokenFor(s.app, 'default', 'stranger@example.com', 'requester');
    const reused = await create(stranger, { ...validChange, title: 'idempotent' }, key);
    expect(reused.statusCode).toBe(409);
    const other = await create(requester, { ...validChange, title: 'something else' }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('idempotency_conflict');
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        create(requester, { ...validChange, title: 'raced' }, { 'idempotency-key': 'race-1' }),
      ),
    );
    expect(new Set(concurrent.map((r) => r.json().id)).size).toBe(1);
    expect(
      (await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests?q=raced' })).json().items,
    ).toHaveLength(1);
  });

  it('refuses odd input with 4xx, never 500', async () => {
    const nul = await create(requester, { ...validChange, title: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.details.field).toBe('title');
    expect((await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests/%00' })).statusCode).toBe(
      404,
    );
    expect((await s.call(viewer, { method: 'GET', url: '/api/v1/change-requests?q=%00' })).statusCode).toBe(
      400,
    );
    const badCursor = Buffer.from('cr:\u0000').toString('base64url');
    expect(
      (await s.call(viewer, { method: 'GET', url: `/api/v1/change-requests?cursor=${badCursor}` }))
        .statusCode,
    ).toBe(400);
    const huge = await s.call(admin, {
      method: 'GET',
      url: '/api/v1/audit/events?afterSeq=9223372036854775808',
    });
    expect(huge.statusCode).toBe(400);
    const feb30 = await create(requester, { ...validChange, plannedStart: '2026-02-30' });
    expect(feb30.json().error.details.field).toBe('plannedStart');
  });

  it('gives one active token per name even when created concurrently, and never stores a secret for replay', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        s.call(admin, {
          method: 'POST',
          url: '/api/v1/tokens',
          payload: { name: 'dup', role: 'viewer' },
          headers: { 'idempotency-key': `tok-${i}` },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const stored = await s.app.deps.db.selectFrom('idempotency_keys').select('response_json').execute();
    expect(stored.some((r) => r.response_json.includes('cgt_'))).toBe(false);
  });

  it('uploads and downloads attachments byte for byte, with a clear size limit', async () => {
    const cr = (await create()).json();
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const up = await s.call(requester, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.id}/attachments?name=bom.bin&kind=deployment_bom`,
      payload: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({
      kind: 'deployment_bom',
      size: 6,
      mediaType: 'application/octet-stream',
    });
    const down = await s.call(viewer, {
      method: 'GET',
      url: `/api/v1/change-requests/${cr.id}/attachments/${up.json().id}`,
    });
    expect(down.rawPayload.equals(bytes)).toBe(true);
    expect(down.headers['x-content-sha256']).toBe(up.json().sha256);
    const json = await s.call(requester, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.id}/attachments?name=summary.json&kind=delta_summary`,
      payload: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.json()).toMatchObject({ mediaType: 'application/json', size: 7 });
    const big = await s.call(requester, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.id}/attachments?name=big.bin`,
      payload: Buffer.alloc(5000),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.message).toMatch(/limit of 2048 bytes/);
    const unicode = await s.call(requester, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.id}/attachments?name=${encodeURIComponent('日本 "report".txt')}`,
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    const named = await s.call(viewer, {
      method: 'GET',
      url: `/api/v1/change-requests/${cr.id}/attachments/${unicode.json().id}`,
    });
    expect(named.statusCode).toBe(200);
    expect(named.headers['content-disposition']).toMatch(/filename\*=UTF-8''%E6%97%A5%E6%9C%AC/);
    const list = (
      await s.call(viewer, { method: 'GET', url: `/api/v1/change-requests/${cr.id}/attachments` })
    ).json();
    expect(list).toHaveLength(3);
  });
});
