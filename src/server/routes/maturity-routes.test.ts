import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../../../test/support/actors.js';
import { dialects } from '../../../test/support/dialects.js';
import { testServer } from '../../../test/support/server.js';

describe.each(dialects)('GET /api/v1/maturity on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    s = await testServer(dialect, 'maturity-routes');
  });
  afterAll(async () => s?.close());

  it('answers auditors and change managers with levels and facts, and refuses viewers', async () => {
    for (const role of ['auditor', 'change_manager'] as const) {
      const res = await s.call(await tokenFor(s.app, 'default', `${role}@example.com`, role), {
        method: 'GET',
        url: '/api/v1/maturity',
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.overall).toBe(1);
      expect(body.overallName).toBe('Initial');
      expect(body.dimensions).toHaveLength(5);
      expect(body.facts.changes.total).toBe(0);
      expect(Date.parse(body.assessedAt)).not.toBeNaN();
    }
    const viewer = await tokenFor(s.app, 'default', 'viewer@example.com', 'viewer');
    const refused = await s.call(viewer, { method: 'GET', url: '/api/v1/maturity' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain("lacks the permission 'maturity:read'");
  });
});
