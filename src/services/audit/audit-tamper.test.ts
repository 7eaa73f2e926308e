import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, type TestDialect, testApp } from '../../../test/support/dialects.js';
import { chainHash } from '../../domain/audit-chain.js';
import { readAuditPage } from '../../store/audit-log.js';
import { requestApproval } from '../changes/change-request-actions.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { createAuditCheckpoint, verifyAgainstCheckpoint } from './audit-checkpoint.js';
import { verifyAuditChain } from './audit-queries.js';

/** A database with ten audit events (seq 1 is the tenant's creation), and raw SQL access to tamper with it. */
async function seeded(dialect: TestDialect) {
  const t = await testApp(dialect, 'tamper');
  const actor = await actorIn(t.app, 'default', 'alice@example.com');
  for (let i = 0; i < 3; i++) {
    const cr = await createChangeRequest(t.app.deps, actor, { ...validChange, title: `change ${i}` });
    await requestApproval(t.app.deps, actor, cr.number);
  }
  // 1 tenant.created + 6 CR events = 7; three more so there is a tail.
  for (let i = 0; i < 3; i++)
    await createChangeRequest(t.app.deps, actor, { ...validChange, title: `tail ${i}` });
  const db = t.app.deps.db;
  /** Runs raw SQL the way an attacker with database access would (the PostgreSQL trigger switched off). */
  const tamper = async (statements: string[]) => {
    if (dialect === 'postgres') await sql.raw('alter table audit_events disable trigger user').execute(db);
    for (const s of statements) await sql.raw(s).execute(db);
    if (dialect === 'postgres') await sql.raw('alter table audit_events enable trigger user').execute(db);
  };
  return { ...t, actor, tamper };
}

describe.each(dialects)('audit chain on %s', (dialect) => {
  it('verifies an untouched log and reports the count', async () => {
    const t = await seeded(dialect);
    try {
      const report = await verifyAuditChain(t.app.deps, t.actor);
      expect(report).toMatchObject({ ok: true, count: 10, firstBad: null, head: { seq: 10 } });
    } finally {
      await t.close();
    }
  });

  it('verifies cleanly while other writes are committing', async () => {
    const t = await seeded(dialect);
    try {
      const writes = Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          createChangeRequest(t.app.deps, t.actor, { ...validChange, title: `busy ${i}` }),
        ),
      );
      const reports = await Promise.all(
        Array.from({ length: 10 }, () => verifyAuditChain(t.app.deps, t.actor)),
      );
      await writes;
      for (const report of reports) expect(report.firstBad).toBeNull();
      expect((await verifyAuditChain(t.app.deps, t.actor)).count).toBe(50);
    } finally {
      await t.close();
    }
  });

  it('names an edited event', async () => {
    const t = await seeded(dialect);
    try {
      await t.tamper([`update audit_events set actor = 'mallory' where seq = 5`]);
      const report = await verifyAuditChain(t.app.deps, t.actor);
      expect(report.ok).toBe(false);
      expect(report.firstBad).toMatchObject({ kind: 'edited', seq: 5 });
      expect(report.count).toBe(4);
    } finally {
      await t.close();
    }
  });

  it('names a deleted event, in the middle and at the end', async () => {
    const t = await seeded(dialect);
    try {
      await t.tamper([`delete from audit_events where seq = 4`]);
      expect((await verifyAuditChain(t.app.deps, t.actor)).firstBad).toMatchObject({
        kind: 'missing',
        seq: 4,
      });
      await t.tamper([`delete from audit_events where seq >= 4`]);
      expect((await verifyAuditChain(t.app.deps, t.actor)).firstBad).toMatchObject({
        kind: 'missing',
        seq: 4,
      });
    } finally {
      await t.close();
    }
  });

  it('names a last event rewritten with a recomputed hash, against the recorded head', async () => {
    const t = await seeded(dialect);
    try {
      const events = await readAuditPage(t.app.deps.db, t.actor.tenantId, 0, 100);
      const last = events.at(-1);
      if (!last) throw new Error('no events');
      const forged = chainHash(last.prevHash, { ...last, actor: 'mallory' });
      await t.tamper([
        `update audit_events set actor = 'mallory', hash = '${forged}' where seq = ${last.seq}`,
      ]);
      const report = await verifyAuditChain(t.app.deps, t.actor);
      expect(report.firstBad).toMatchObject({ kind: 'edited', seq: 10, id: last.id });
    } finally {
      await t.close();
    }
  });

  it('is not fooled by a lowered head hiding a tampered tail, with or without a checkpoint', async () => {
    const t = await seeded(dialect);
    try {
      const checkpoint = await createAuditCheckpoint(t.app.deps, t.actor, t.app.signer());
      const events = await readAuditPage(t.app.deps.db, t.actor.tenantId, 0, 100);
      const second = events[1];
      if (!second) throw new Error('no events');
      const lower = `update audit_heads set seq = 2, hash = '${second.hash}'`;
      if (dialect === 'postgres') {
        // The head only moves forward; even so, verification must not trust it alone.
        await expect(sql.raw(lower).execute(t.app.deps.db)).rejects.toThrow(/only moves forward/);
        await expect(sql.raw('truncate audit_heads').execute(t.app.deps.db)).rejects.toThrow(
          /only moves forward/,
        );
        await expect(sql.raw('delete from audit_heads').execute(t.app.deps.db)).rejects.toThrow(
          /only moves forward/,
        );
        await sql.raw('alter table audit_heads disable trigger user').execute(t.app.deps.db);
      }
      await t.tamper([`update audit_events set actor = 'mallory' where seq = 3`, lower]);
      expect((await verifyAuditChain(t.app.deps, t.actor)).ok).toBe(false);
      const withCheckpoint = await verifyAgainstCheckpoint(t.app.deps, t.actor, t.app.signer(), checkpoint);
      expect(withCheckpoint.ok).toBe(false);
      expect(withCheckpoint.firstBad).toMatchObject({ kind: 'edited', seq: 3 });
    } finally {
      await t.close();
    }
  });

  it('names the first of two swapped events', async () => {
    const t = await seeded(dialect);
    try {
      await t.tamper([
        'update audit_events set seq = -1 where seq = 6',
        'update audit_events set seq = 6 where seq = 7',
        'update audit_events set seq = 7 where seq = -1',
      ]);
      const report = await verifyAuditChain(t.app.deps, t.actor);
      expect(report.firstBad).toMatchObject({ kind: 'reordered', seq: 6 });
    } finally {
      await t.close();
    }
  });

  it('catches a rewritten suffix with recomputed hashes only against a signed checkpoint', async () => {
    const t = await seeded(dialect);
    try {
      const checkpoint = await createAuditCheckpoint(t.app.deps, t.actor, t.app.signer());
      expect(checkpoint).toMatchObject({ tenant: 'default', sequence: 10 });
      const clean = await verifyAgainstCheckpoint(t.app.deps, t.actor, t.app.signer(), checkpoint);
      expect(clean.ok).toBe(true);
      expect(clean.checkpoint?.ok).toBe(true);

      // Rewrite events 6..10 as someone with database access would: change content, recompute every hash.
      const events = await readAuditPage(t.app.deps.db, t.actor.tenantId, 0, 100);
      let prev = events[4]?.hash ?? '';
      const statements: string[] = [];
      for (const e of events.slice(5)) {
        const forged = { ...e, actor: 'mallory', prevHash: prev };
        forged.hash = chainHash(prev, forged);
        statements.push(
          `update audit_events set actor = 'mallory', prev_hash = '${prev}', hash = '${forged.hash}' where seq = ${e.seq}`,
        );
        prev = forged.hash;
      }
      statements.push(`update audit_heads set hash = '${prev}'`);
      await t.tamper(statements);

      expect((await verifyAuditChain(t.app.deps, t.actor)).ok).toBe(true);
      const caught = await verifyAgainstCheckpoint(t.app.deps, t.actor, t.app.signer(), checkpoint);
      expect(caught.ok).toBe(false);
      expect(caught.checkpoint).toMatchObject({ ok: false, sequence: 10 });
      expect(caught.checkpoint?.message).toMatch(/rewritten at or before event 10/);

      const altered = { ...checkpoint, sequence: 9 };
      const forgedCheckpoint = await verifyAgainstCheckpoint(t.app.deps, t.actor, t.app.signer(), altered);
      expect(forgedCheckpoint.checkpoint?.message).toMatch(/signature is not valid/);
      await expect(
        verifyAgainstCheckpoint(t.app.deps, t.actor, t.app.signer(), { hello: 1 }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
      });
    } finally {
      await t.close();
    }
  });

  it.runIf(dialect === 'postgres')(
    'refuses UPDATE, DELETE and TRUNCATE of audit events at the database',
    async () => {
      const t = await seeded(dialect);
      try {
        await expect(
          sql.raw(`update audit_events set actor = 'x' where seq = 1`).execute(t.app.deps.db),
        ).rejects.toThrow(/append-only/);
        await expect(sql.raw('delete from audit_events').execute(t.app.deps.db)).rejects.toThrow(
          /append-only/,
        );
        await expect(sql.raw('truncate audit_events').execute(t.app.deps.db)).rejects.toThrow(/append-only/);
        expect((await verifyAuditChain(t.app.deps, t.actor)).count).toBe(10);
      } finally {
        await t.close();
      }
    },
  );
});

describe('the application never rewrites audit events', () => {
  const src = join(import.meta.dirname, '..', '..');
  const rewrites = (text: string) =>
    text.match(/(updateTable|deleteFrom)\(\s*'audit_events'|(update|delete from)\s+audit_events/gi) ?? [];
  /** The one sanctioned deletion: the retention purge below a recorded cut (docs/audit-trail.md#retention). */
  const retentionStore = join(src, 'store', 'retention.ts');

  it('has no UPDATE or DELETE of audit_events anywhere in src/ but the retention purge', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && path !== retentionStore) {
          if (rewrites(readFileSync(path, 'utf8')).length > 0) offenders.push(path);
        }
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
  });

  it('deletes audit events in the retention store once, only in purgeAuditEventsThroughCut, never updates', () => {
    const text = readFileSync(retentionStore, 'utf8');
    expect(rewrites(text)).toEqual(["deleteFrom('audit_events'"]);
    const fn = text.slice(text.indexOf('export async function purgeAuditEventsThroughCut('));
    const body = fn.slice(0, fn.indexOf('\n}\n'));
    expect(body).toContain("deleteFrom('audit_events')");
    expect(body).toContain("where('seq', '<=', throughSeq)");
  });
});
