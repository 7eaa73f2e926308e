import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditHead, readAuditPage } from '../../store/audit-log.js';
import { createAuditCheckpoint, verifyAgainstCheckpoint } from '../audit/audit-checkpoint.js';
import { verifyAuditChain } from '../audit/audit-queries.js';
import { cancelChangeRequest } from '../changes/change-request-actions.js';
import { findChangeRequests } from '../changes/change-request-queries.js';
import { addComment, attachFile } from '../changes/change-request-records.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import { createIncident, resolveIncident } from '../incidents/incident-service.js';
import { setProblemFix } from '../problems/problem-links.js';
import { createProblem } from '../problems/problem-service.js';
import { verifyRetentionArchive } from './retention-archive.js';
import { runRetention } from './run-retention.js';

const day = 86_400_000;

describe.each(dialects)('retention on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let clock = Date.parse('2026-01-05T09:00:00Z');
  let tenants = 0;
  beforeAll(async () => {
    t = await testApp(
      dialect,
      'retention',
      {},
      { now: () => (clock += 1000), logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(() => t?.close());
  const deps = () => t.app.deps;
  const archiveRoot = () => join(t.db.dir, 'archive');
  const run = (actor: Awaited<ReturnType<typeof world>>['admin'], dryRun = false) =>
    runRetention(deps(), actor, { dryRun, defaultArchiveDir: archiveRoot() });

  /**
   * Old: CR A (commented, canceled), CR B (canceled, but the fix of an open problem), incident I1
   * (resolved), incident I2 (resolved, part of the problem). 40 days later: CR N (canceled) and I3 (open).
   */
  async function world() {
    const admin = await actorIn(t.app, `r${++tenants}-${dialect}`, 'admin@example.com');
    await applyTenantConfig(deps(), admin, { document: { retention: { days: 30 } } });
    const early = await createAuditCheckpoint(deps(), admin, t.app.signer());
    const a = await createChangeRequest(deps(), admin, { ...validChange, title: 'old A' });
    await addComment(deps(), admin, a.number, 'done long ago');
    await attachFile(deps(), admin, a.number, { name: 'plan.txt', content: Buffer.from('the plan') });
    await cancelChangeRequest(deps(), admin, a.number, 'not needed');
    const i1 = await createIncident(deps(), admin, { title: 'old outage', severity: 'sev3' });
    await resolveIncident(deps(), admin, i1.number);
    const atCut = await createAuditCheckpoint(deps(), admin, t.app.signer());
    const b = await createChangeRequest(deps(), admin, { ...validChange, title: 'old B, a fix' });
    await cancelChangeRequest(deps(), admin, b.number, 'superseded');
    const i2 = await createIncident(deps(), admin, { title: 'old outage in a problem', severity: 'sev3' });
    const problem = await createProblem(deps(), admin, { title: 'flaky cache', incident: i2.number });
    await setProblemFix(deps(), admin, problem.problem.number, { changeRequestId: b.number });
    await resolveIncident(deps(), admin, i2.number);
    clock += 40 * day;
    const n = await createChangeRequest(deps(), admin, { ...validChange, title: 'recent N' });
    await cancelChangeRequest(deps(), admin, n.number, 'recent');
    const i3 = await createIncident(deps(), admin, { title: 'recent outage', severity: 'sev4' });
    return { admin, a, b, n, i1, i2, i3, problem, early, atCut };
  }

  const numbers = async (w: Awaited<ReturnType<typeof world>>) =>
    (await findChangeRequests(deps(), w.admin, {})).items.map((c) => c.number).sort();
  const incidentNumbers = async (w: Awaited<ReturnType<typeof world>>) =>
    (
      await deps()
        .db.selectFrom('incidents')
        .select('number')
        .where('tenant_id', '=', w.admin.tenantId)
        .orderBy('number')
        .execute()
    ).map((r) => r.number);

  it('a dry run reports what would go and changes nothing', async () => {
    const w = await world();
    const headBefore = await readAuditHead(deps().db, w.admin.tenantId);
    const crsBefore = await numbers(w);
    const report = await run(w.admin, true);
    expect(report).toMatchObject({
      dryRun: true,
      days: 30,
      changeRequests: [w.a.number],
      incidents: [w.i1.number],
      archive: null,
      skipped: expect.arrayContaining([
        { number: w.b.number, reason: expect.stringMatching(/fix of problem/) },
        { number: w.i2.number, reason: expect.stringMatching(/linked to problem/) },
      ]),
    });
    expect(report.counts).toMatchObject({ change_requests: 1, comments: 1, incidents: 1 });
    expect(report.counts.audit_events).toBeGreaterThan(0);
    expect(await readAuditHead(deps().db, w.admin.tenantId)).toEqual(headBefore);
    expect(await numbers(w)).toEqual(crsBefore);
    expect(existsSync(join(archiveRoot(), w.admin.tenantSlug))).toBe(false);
  });

  it('archives then purges; the chain verifies from the cut; a second run is a no-op', async () => {
    const w = await world();
    const report = await run(w.admin);
    expect(report.changeRequests).toEqual([w.a.number]);
    expect(report.incidents).toEqual([w.i1.number]);
    if (!report.archive || !report.cut) throw new Error('expected an archive and a cut');

    // Kept: the referenced fix B, the recent N, the problem's incident and the recent incident.
    expect(await numbers(w)).toEqual([w.b.number, w.n.number].sort());
    expect(await incidentNumbers(w)).toEqual([w.i2.number, w.i3.number].sort());
    const comments = await deps()
      .db.selectFrom('comments')
      .select('id')
      .where('tenant_id', '=', w.admin.tenantId)
      .execute();
    expect(comments).toEqual([]);

    // The cut is the event just before B was created; the first kept event links to it.
    const remaining = await readAuditPage(deps().db, w.admin.tenantId, 0, 1000);
    expect(remaining[0]).toMatchObject({
      seq: report.cut.seq + 1,
      prevHash: report.cut.hash,
      entityId: w.b.id,
    });
    expect(remaining.at(-1)).toMatchObject({
      action: 'retention.purged',
      after: { archive: report.archive },
    });
    const verified = await verifyAuditChain(deps(), w.admin);
    expect(verified).toMatchObject({ ok: true, firstBad: null, cut: { seq: report.cut.seq } });
    expect(verified.count).toBe(remaining.length);

    // The archive: manifest hashes match the files, and its events verify offline up to the cut.
    const manifest = JSON.parse(readFileSync(join(report.archive, 'manifest.json'), 'utf8'));
    expect(manifest.cut).toEqual(report.cut);
    for (const [name, entry] of Object.entries(manifest.files as Record<string, { sha256: string }>)) {
      const digest = createHash('sha256')
        .update(readFileSync(join(report.archive, name)))
        .digest('hex');
      expect(digest).toBe(entry.sha256);
    }
    const attachments = gunzipSync(readFileSync(join(report.archive, 'attachments.jsonl.gz'))).toString(
      'utf8',
    );
    const attachment = JSON.parse(attachments.trim());
    // Archived changes are the record as written: without the column the database generates.
    const changes = gunzipSync(readFileSync(join(report.archive, 'change_requests.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(changes.length).toBeGreaterThan(0);
    for (const row of changes) {
      expect(row).toHaveProperty('components_json');
      expect(row).not.toHaveProperty('maturity_profile');
    }
    expect(Buffer.from(attachment.content.base64, 'base64').toString('utf8')).toBe('the plan');
    expect(verifyRetentionArchive(report.archive)).toMatchObject({
      ok: true,
      events: report.cut.seq,
      problems: [],
    });

    // Checkpoints: at the cut it still verifies; before it, it says it predates the purge.
    const atCut = await verifyAgainstCheckpoint(deps(), w.admin, t.app.signer(), w.atCut);
    expect(w.atCut.sequence).toBe(report.cut.seq);
    expect(atCut.checkpoint.ok).toBe(true);
    const early = await verifyAgainstCheckpoint(deps(), w.admin, t.app.signer(), w.early);
    expect(early.checkpoint).toMatchObject({
      ok: false,
      message: expect.stringMatching(/predates the retention purge/),
    });

    const head = await readAuditHead(deps().db, w.admin.tenantId);
    const again = await run(w.admin);
    expect(again).toMatchObject({ changeRequests: [], incidents: [], archive: null, cut: null });
    expect(Object.values(again.counts).every((c) => c === 0)).toBe(true);
    expect(await readAuditHead(deps().db, w.admin.tenantId)).toEqual(head);
  });

  it('detects tampering with a kept event after the purge, and a tampered archive', async () => {
    const w = await world();
    const report = await run(w.admin);
    if (!report.cut || !report.archive) throw new Error('expected a cut');
    const target = report.cut.seq + 2;
    if (dialect === 'postgres')
      await sql.raw('alter table audit_events disable trigger user').execute(deps().db);
    await sql
      .raw(
        `update audit_events set actor = 'mallory' where tenant_id = '${w.admin.tenantId}' and seq = ${target}`,
      )
      .execute(deps().db);
    if (dialect === 'postgres')
      await sql.raw('alter table audit_events enable trigger user').execute(deps().db);
    expect((await verifyAuditChain(deps(), w.admin)).firstBad).toMatchObject({ kind: 'edited', seq: target });

    // Removing the first kept event leaves a gap after the cut.
    const other = await world();
    const second = await run(other.admin);
    if (!second.cut) throw new Error('expected a cut');
    if (dialect === 'postgres')
      await sql.raw('alter table audit_events disable trigger user').execute(deps().db);
    await sql
      .raw(
        `delete from audit_events where tenant_id = '${other.admin.tenantId}' and seq = ${second.cut.seq + 1}`,
      )
      .execute(deps().db);
    if (dialect === 'postgres')
      await sql.raw('alter table audit_events enable trigger user').execute(deps().db);
    expect((await verifyAuditChain(deps(), other.admin)).firstBad).toMatchObject({
      kind: 'missing',
      seq: second.cut.seq + 1,
    });

    const manifestPath = join(report.archive, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.cut.hash = '0'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(verifyRetentionArchive(report.archive).problems).toEqual([
      expect.stringMatching(/not at the cut the manifest names/),
    ]);
  });

  it('refuses without a policy, and a policy under 30 days', async () => {
    const admin = await actorIn(t.app, `r${++tenants}-${dialect}`, 'admin@example.com');
    expect((await failure(run(admin))).message).toMatch(/no retention policy/);
    const refused = await failure(applyTenantConfig(deps(), admin, { document: { retention: { days: 7 } } }));
    expect(refused).toMatchObject({ code: 'invalid_input', details: { field: 'retention.days' } });
    expect(refused.message).toMatch(/from 30 to 36500/);
  });

  it.runIf(dialect === 'postgres')('the database still refuses a plain DELETE of audit events', async () => {
    const w = await world();
    const report = await run(w.admin);
    if (!report.cut) throw new Error('expected a cut');
    const kept = report.cut.seq + 1;
    await expect(
      sql
        .raw(`delete from audit_events where tenant_id = '${w.admin.tenantId}' and seq = ${kept}`)
        .execute(deps().db),
    ).rejects.toThrow(/append-only/);
    // Even with the retention setting on, only events at or below the recorded cut may go.
    await expect(
      deps()
        .db.transaction()
        .execute(async (tx) => {
          await sql`select set_config('changegate.retention', 'on', true)`.execute(tx);
          await sql
            .raw(`delete from audit_events where tenant_id = '${w.admin.tenantId}' and seq = ${kept}`)
            .execute(tx);
        }),
    ).rejects.toThrow(/append-only/);
    await expect(sql.raw('truncate audit_events').execute(deps().db)).rejects.toThrow(/append-only/);
    await expect(sql.raw('delete from audit_cuts').execute(deps().db)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(deps(), w.admin)).ok).toBe(true);
  });
});
