import { createHash } from 'node:crypto';
import { type AuditEvent, canonicalEvent, genesisHash } from '../src/domain/audit-chain.js';
import { verifyAuditChain } from '../src/services/audit/audit-queries.js';
import { auditChainRule } from '../src/services/audit/record-audit.js';
import { createChangeRequest } from '../src/services/changes/create-change-request.js';
import { appendAuditEvent, readAuditHead, readAuditPage } from '../src/store/audit-log.js';
import {
  type BenchApp,
  type BenchResult,
  benchApp,
  elapsedMs,
  fmt,
  header,
  isMain,
  log,
  median,
  printResult,
  runStandalone,
  sizeFromEnv,
  validChange,
} from './support.js';

const seedBatch = 2000;
const pageSize = 5000;

/** Fills the default tenant's chain up to `total` events with CR-created events shaped like real ones. */
async function seed(bench: BenchApp, total: number): Promise<void> {
  const { deps } = bench.app;
  const cr = await createChangeRequest(deps, bench.actor, validChange);
  const { tenantId: _t, updatedAt: _u, ...template } = cr;
  let seq = (await readAuditHead(deps.db, bench.actor.tenantId))?.seq ?? 0;
  while (seq < total) {
    const n = Math.min(seedBatch, total - seq);
    await deps.db.transaction().execute(async (tx) => {
      for (let i = 0; i < n; i++) {
        const at = deps.now();
        const id = deps.newId();
        await appendAuditEvent(
          tx,
          {
            tenantId: bench.actor.tenantId,
            id: deps.newId(),
            at,
            actor: bench.actor.name,
            action: 'change_request.created',
            entityType: 'change_request',
            entityId: id,
            before: null,
            after: {
              ...template,
              id,
              number: `CHG${String(seq + i).padStart(7, '0')}`,
              title: `Upgrade payments API to 2.4.${seq + i}`,
              createdAt: at,
            },
          },
          auditChainRule,
        );
      }
    });
    seq += n;
  }
}

/** Every event of the tenant, in order, read and parsed by the store. */
async function readAll(bench: BenchApp): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await readAuditPage(bench.app.deps.db, bench.actor.tenantId, after, pageSize);
    all.push(...page);
    const last = page.at(-1);
    if (page.length < pageSize || !last) return all;
    after = last.seq;
  }
}

/** The baseline: the same chaining over in-memory canonical strings, nothing else. */
function hashChain(canonical: readonly string[]): string {
  let prev = genesisHash;
  for (const text of canonical) prev = createHash('sha256').update(prev).update(text).digest('hex');
  return prev;
}

/**
 * Benchmark 3: `audit verify` (read every event from SQLite, parse, canonicalise, re-hash, compare)
 * against sha256-chaining the same canonical bytes from memory.
 */
export async function benchAuditVerify(): Promise<BenchResult> {
  const total = sizeFromEnv('BENCH_AUDIT_EVENTS', 100_000, 5_000);
  const rounds = sizeFromEnv('BENCH_ROUNDS', 5, 1);
  header(`audit verify: ${fmt(total)} events, verifyAuditChain vs node:crypto chaining in memory`);

  const bench = await benchApp('audit');
  try {
    const seedStart = process.hrtime.bigint();
    await seed(bench, total);
    log(`   seeded ${fmt(total)} events in ${fmt(elapsedMs(seedStart) / 1000, 1)} s (not measured)`);

    // Baseline input, prepared outside any timing: the canonical string of every stored event.
    // (The parsed events are not kept, so both sides run with the same heap.)
    const canonical = (await readAll(bench)).map(canonicalEvent);
    const head = await readAuditHead(bench.app.deps.db, bench.actor.tenantId);
    if (canonical.length !== total || head?.seq !== total) {
      throw new Error(`expected ${total} events, read ${canonical.length} (head ${head?.seq})`);
    }

    // Warm both paths once.
    await verifyAuditChain(bench.app.deps, bench.actor);
    hashChain(canonical);

    const verifyMs: number[] = [];
    const hashMs: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 ? (['verify', 'hash'] as const) : (['hash', 'verify'] as const);
      for (const side of order) {
        const start = process.hrtime.bigint();
        if (side === 'verify') {
          const report = await verifyAuditChain(bench.app.deps, bench.actor);
          verifyMs.push(elapsedMs(start));
          if (!report.ok || report.count !== total) {
            throw new Error(`verify did not pass: ${JSON.stringify(report)}`);
          }
        } else {
          const last = hashChain(canonical);
          hashMs.push(elapsedMs(start));
          if (last !== head.hash) throw new Error('baseline chaining does not reach the stored head');
        }
      }
      log(
        `   round ${round}: verify ${fmt(verifyMs.at(-1) ?? 0)} ms, ` +
          `in-memory sha256 chain ${fmt(hashMs.at(-1) ?? 0)} ms`,
      );
    }

    // Where verify's time goes (one pass each, informational; not part of the ratio).
    let start = process.hrtime.bigint();
    const events = await readAll(bench);
    const readMs = elapsedMs(start);
    start = process.hrtime.bigint();
    for (const e of events) canonicalEvent(e);
    const canonMs = elapsedMs(start);

    const verifyMedian = median(verifyMs);
    const hashMedian = median(hashMs);
    const result: BenchResult = {
      name: `audit verify (${fmt(total)})`,
      unit: 'events/s',
      subject: (total * 1000) / verifyMedian,
      baseline: (total * 1000) / hashMedian,
      baselineLabel: 'node:crypto sha256 chain over in-memory canonical strings',
      notes: [
        `changegate: verifyAuditChain() ${fmt(verifyMedian)} ms; baseline ${fmt(hashMedian)} ms` +
          ` (median of ${rounds} alternating rounds)`,
        'changegate: pages of 5,000 rows from SQLite via Kysely, JSON.parse of before/after,',
        '            RFC 8785 canonicalize, sha256(prevHash + canonical), compare with stored hash',
        'baseline: the same sha256(prevHash + canonical) chaining over a prebuilt array of the',
        '          same canonical strings; no database, no parsing, no canonicalisation',
        `breakdown (one pass each): read+parse all pages ${fmt(readMs)} ms, canonicalEvent() ${fmt(canonMs)} ms,` +
          ` sha256 chain ${fmt(hashMedian)} ms`,
        `average canonical event ${fmt(canonical.reduce((n, s) => n + s.length, 0) / canonical.length)} chars`,
      ],
    };
    printResult(result);
    return result;
  } finally {
    await bench.close();
  }
}

if (isMain(import.meta.url)) runStandalone(benchAuditVerify);
