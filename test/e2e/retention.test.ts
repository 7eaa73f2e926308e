import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { cancelChangeRequest } from '../../src/services/changes/change-request-actions.js';
import { createChangeRequest } from '../../src/services/changes/create-change-request.js';
import { applyTenantConfig } from '../../src/services/config/config-service.js';
import { actorIn, tokenFor, validChange } from '../support/actors.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import { dialects, freshDatabase, type TestDatabase, testConfig } from '../support/dialects.js';
import { testServer } from '../support/server.js';

/**
 * Retention through the built CLI on a database seeded months ago (the seeding clock runs in early
 * 2026, the CLI on the real clock): purge, verify the chain and the archive, run again for nothing.
 */

beforeAll(() => assertBuilt());
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(dialects)('retention through the CLI on %s', (dialect) => {
  let db: TestDatabase;
  let old: string;
  let recent: string;
  beforeAll(async () => {
    db = await freshDatabase(dialect, 'retention-e2e');
    let clock = Date.parse('2026-01-05T09:00:00Z');
    const app = await createApp(testConfig(db), {
      now: () => (clock += 1000),
      logger: pino({ level: 'silent' }),
    });
    const admin = await actorIn(app, 'default', 'admin@example.com');
    await applyTenantConfig(app.deps, admin, { document: { retention: { days: 30 } } });
    old = (await createChangeRequest(app.deps, admin, { ...validChange, title: 'long gone' })).number;
    await cancelChangeRequest(app.deps, admin, old, 'not needed');
    clock = Date.now() + 60_000;
    recent = (await createChangeRequest(app.deps, admin, { ...validChange, title: 'recent' })).number;
    await app.close();
  });
  afterAll(() => db?.cleanup());

  const cli = (args: string[]) =>
    runCli(['--json', ...args], { cwd: db.dir, env: { CHANGEGATE_HOME: db.dir, CHANGEGATE_DB: db.url } });

  it('dry-runs, purges into an archive, verifies, and is a no-op the second time', async () => {
    const dry = await cli(['retention', 'run', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, changeRequests: [old], archive: null });

    const purged = await cli(['retention', 'run']);
    expect(purged.code, purged.stderr).toBe(0);
    const report = JSON.parse(purged.stdout);
    expect(report).toMatchObject({ dryRun: false, changeRequests: [old], cut: { seq: expect.any(Number) } });
    expect(report.archive.startsWith(join(db.dir, 'archive', 'default'))).toBe(true);
    expect(existsSync(join(report.archive, 'manifest.json'))).toBe(true);

    const listed = JSON.parse((await cli(['cr', 'list'])).stdout);
    const numbers = (listed.items ?? listed).map((c: { number: string }) => c.number);
    expect(numbers).toEqual([recent]);

    const verified = await cli(['audit', 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, cut: { seq: report.cut.seq } });

    const archive = await runCli(['retention', 'verify-archive', report.archive], { cwd: db.dir });
    expect(archive.code, archive.stderr).toBe(0);
    expect(archive.stdout).toContain(`chain up to the cut at event ${report.cut.seq}`);

    const again = await cli(['retention', 'run']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changeRequests: [], cut: null, archive: null });
  });
});

describe.each(dialects)('POST /api/v1/retention/run on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    s = await testServer(dialect, 'retention-route');
  });
  afterAll(() => s?.close());

  it('is for admins only, and refuses a tenant without a policy', async () => {
    const requester = await tokenFor(s.app, 'default', 'req', 'requester');
    const admin = await tokenFor(s.app, 'default', 'adm', 'admin');
    const url = '/api/v1/retention/run';
    const denied = await s.call(requester, { method: 'POST', url, payload: { dryRun: true } });
    expect(denied.statusCode).toBe(403);
    const noPolicy = await s.call(admin, { method: 'POST', url, payload: { dryRun: true } });
    expect(noPolicy.statusCode).toBe(409);
    expect(noPolicy.json().error.message).toMatch(/no retention policy/);
    const actor = await actorIn(s.app, 'default', 'admin@example.com');
    await applyTenantConfig(s.app.deps, actor, { document: { retention: { days: 90 } } });
    const dry = await s.call(admin, { method: 'POST', url, payload: { dryRun: true } });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, days: 90, changeRequests: [], archive: null });
  });
});
