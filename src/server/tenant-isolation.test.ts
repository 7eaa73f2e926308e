import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';

/** A valid request body per operation, so that a 404 cannot hide behind a 400. */
const bodies: Record<string, unknown> = {
  'patch /api/v1/change-requests/{ref}': { description: 'taken over' },
  'post /api/v1/change-requests/{ref}/approve': { comment: 'ok' },
  'post /api/v1/change-requests/{ref}/reject': { comment: 'no' },
  'post /api/v1/change-requests/{ref}/transitions': { to: 'assess' },
  'post /api/v1/change-requests/{ref}/comments': { body: 'hello' },
  'post /api/v1/change-requests/{ref}/close': { category: 'successful' },
  'post /api/v1/change-requests/{ref}/cancel': { reason: 'mine now' },
};

describe.each(dialects)('tenant isolation on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let a: string;
  let b: string;
  const secrets: string[] = [];
  const objects: Record<string, string> = {};

  beforeAll(async () => {
    s = await testServer(dialect, 'isolation');
    a = await tokenFor(s.app, 'default', 'admin-a@example.com', 'admin');
    b = await tokenFor(s.app, 'acme', 'admin-b@example.com', 'admin');
    const env = await s.call(b, {
      method: 'POST',
      url: '/api/v1/environments',
      payload: { name: 'b-only-env', purpose: 'production' },
    });
    const cr = await s.call(b, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: { ...validChange, title: 'B-SECRET-TITLE', environment: 'b-only-env' },
    });
    const attachment = await s.call(b, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.json().id}/attachments?name=b-secret.txt`,
      payload: 'B secret content',
      headers: { 'content-type': 'text/plain' },
    });
    const token = await s.call(b, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'b-pipeline', role: 'pipeline' },
    });
    objects.ref = cr.json().id;
    objects.number = cr.json().number;
    objects.attachmentId = attachment.json().id;
    objects.tokenId = token.json().token.id;
    secrets.push(
      env.json().id,
      cr.json().id,
      attachment.json().id,
      token.json().token.id,
      'B-SECRET-TITLE',
      'b-only-env',
      'b-pipeline',
    );
  });
  afterAll(() => s?.close());

  it('answers 404 on every operation that names another tenant’s object, and sees none of it in lists', async () => {
    const doc = (await s.call(null, { method: 'GET', url: '/api/openapi.json' })).json();
    let withParams = 0;
    let lists = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const op = `${method} ${path}`;
        if (path.includes('{')) {
          const refs = path.includes('/tokens/') ? [objects.tokenId] : [objects.ref, objects.number];
          for (const ref of refs) {
            const url = path
              .replace('{ref}', String(ref))
              .replace('{attachmentId}', String(objects.attachmentId));
            const isUpload = op === 'post /api/v1/change-requests/{ref}/attachments';
            const res = await s.call(a, {
              method: method.toUpperCase() as 'GET',
              url: isUpload ? `${url}?name=x.txt` : url,
              ...(isUpload
                ? { payload: 'x', headers: { 'content-type': 'text/plain' } }
                : bodies[op] !== undefined
                  ? { payload: bodies[op] as object }
                  : {}),
            });
            expect(res.statusCode, `${op} with ${ref}`).toBe(404);
            expect(res.json().error.code).toBe('not_found');
          }
          withParams++;
        } else if (method === 'get') {
          const res = await s.call(a, { method: 'GET', url: path });
          expect(res.statusCode, op).toBe(200);
          for (const secret of secrets) expect(res.body, `${op} leaks ${secret}`).not.toContain(secret);
          lists++;
        }
      }
    }
    expect(withParams).toBeGreaterThanOrEqual(13);
    expect(lists).toBeGreaterThanOrEqual(5);
  });

  it('keeps writes in the caller’s tenant: B’s environment is unknown to A, B’s data unchanged', async () => {
    const res = await s.call(a, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: { ...validChange, environment: 'b-only-env' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).not.toContain('b-only-env;');
    const verify = (await s.call(a, { method: 'GET', url: '/api/v1/audit/verify' })).json();
    expect(verify.tenant).toBe('default');
    const still = (await s.call(b, { method: 'GET', url: `/api/v1/change-requests/${objects.ref}` })).json();
    expect(still).toMatchObject({ state: 'new', description: null, comments: [] });
    const tokens = (await s.call(b, { method: 'GET', url: '/api/v1/tokens' })).json();
    expect(tokens.find((t: { id: string }) => t.id === objects.tokenId).revokedAt).toBeNull();
  });

  it('keeps tenant creation to admins of the default tenant', async () => {
    const res = await s.call(b, { method: 'POST', url: '/api/v1/tenants', payload: { slug: 'sneaky' } });
    expect(res.statusCode).toBe(403);
  });
});
