import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { monotonicFactory } from 'ulid';
import { formatChangeNumber } from '../src/domain/change-request.js';
import { createChangeRequest } from '../src/services/changes/create-change-request.js';
import type { AuditEventsTable, ChangeRequestsTable } from '../src/store/schema.js';
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

/**
 * Benchmark 1: creating change requests through the service layer (validation, counter, CR row and
 * its audit event in one transaction) against raw better-sqlite3 inserts of the same two rows.
 */
export async function benchCrCreate(): Promise<BenchResult> {
  const perRound = sizeFromEnv('BENCH_CR_COUNT', 2000, 100);
  const rounds = sizeFromEnv('BENCH_ROUNDS', 5, 1);
  const warmup = Math.min(100, perRound);
  header(`CR create: service layer vs raw better-sqlite3 (${rounds} x ${fmt(perRound)} creates each)`);

  const service = await benchApp('cr-service');
  let baselineApp: BenchApp | undefined;
  let raw: BetterSqlite3.Database | undefined;
  try {
    // The baseline gets its own database, migrated by the same code: same tables, indexes, FKs,
    // the default tenant and its first audit event; then the app lets go of it.
    baselineApp = await benchApp('cr-baseline');
    const baselinePath = baselineApp.app.config.database;
    const tenantId = baselineApp.actor.tenantId;
    await baselineApp.app.close();

    let serial = 0;
    const serviceBatch = async (n: number): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        await createChangeRequest(service.app.deps, service.actor, {
          ...validChange,
          title: `Upgrade payments API to 2.4.${serial++}`,
        });
      }
      return elapsedMs(start);
    };

    // Warm up the service first: its rows are the templates the baseline copies, byte for byte in shape.
    await serviceBatch(warmup);
    const crTemplate = await service.app.deps.db
      .selectFrom('change_requests')
      .selectAll()
      .executeTakeFirstOrThrow();
    const auditTemplate = await service.app.deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'change_request.created')
      .executeTakeFirstOrThrow();

    raw = openRaw(baselinePath);
    const baselineBatch = rawInserter(raw, tenantId, crTemplate, auditTemplate);
    baselineBatch(warmup);

    const serviceRates: number[] = [];
    const baselineRates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Alternate which goes first, so drift on a noisy machine does not favour one side.
      const order = round % 2 ? (['service', 'baseline'] as const) : (['baseline', 'service'] as const);
      for (const side of order) {
        const ms = side === 'service' ? await serviceBatch(perRound) : baselineBatch(perRound);
        (side === 'service' ? serviceRates : baselineRates).push((perRound * 1000) / ms);
      }
      log(
        `   round ${round}: service ${fmt(serviceRates.at(-1) ?? 0)} creates/s, ` +
          `baseline ${fmt(baselineRates.at(-1) ?? 0)} creates/s`,
      );
    }

    const created = await service.app.deps.db
      .selectFrom('change_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const expected = warmup + rounds * perRound;
    if (Number(created.n) !== expected) {
      throw new Error(`service created ${created.n} change requests, expected ${expected}`);
    }

    const result: BenchResult = {
      name: 'CR create',
      unit: 'creates/s',
      subject: median(serviceRates),
      baseline: median(baselineRates),
      baselineLabel: 'raw better-sqlite3, CR row + audit row per transaction',
      notes: [
        'both: SQLite file in a temp dir, WAL, synchronous=FULL, foreign_keys=ON, same migrated schema',
        'both: one BEGIN IMMEDIATE transaction per create, creates issued one after another',
        'changegate: createChangeRequest() = validate, counter upsert, CR insert, audit head upsert,',
        '            canonical JSON + sha256, audit insert, head update (Kysely, async)',
        'baseline: prepared INSERT of a same-shape change_requests row + an audit_events row',
        '          (JSON.stringify + sha256 chained in JS); no counter/head upserts, no validation',
        `figure: median of ${rounds} alternating rounds of ${fmt(perRound)} creates (after ${warmup} warm-up each)`,
      ],
    };
    printResult(result);
    return result;
  } finally {
    raw?.close();
    baselineApp?.dir.cleanup();
    await service.close();
  }
}

function openRaw(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  return db;
}

/** Returns a function that inserts n CR + audit row pairs, one immediate transaction each; ms elapsed. */
function rawInserter(
  db: BetterSqlite3.Database,
  tenantId: string,
  crTemplate: ChangeRequestsTable,
  auditTemplate: AuditEventsTable,
): (n: number) => number {
  const crColumns = Object.keys(crTemplate);
  const insertCr = db.prepare(
    `insert into change_requests (${crColumns.join(', ')}) values (${crColumns.map((c) => `@${c}`).join(', ')})`,
  );
  const auditColumns = Object.keys(auditTemplate);
  const insertAudit = db.prepare(
    `insert into audit_events (${auditColumns.join(', ')}) values (${auditColumns.map((c) => `@${c}`).join(', ')})`,
  );
  const head = db.prepare('select seq, hash from audit_heads where tenant_id = ?').get(tenantId) as {
    seq: number;
    hash: string;
  };
  const afterTemplate = JSON.parse(auditTemplate.after_json ?? '{}') as Record<string, unknown>;
  const newId = monotonicFactory();
  let seq = Number(head.seq);
  let prevHash = head.hash;
  let number = 0;

  const create = db.transaction((cr: ChangeRequestsTable, ev: AuditEventsTable) => {
    insertCr.run(cr);
    insertAudit.run(ev);
  });

  return (n: number): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      const cr: ChangeRequestsTable = {
        ...crTemplate,
        id: newId(),
        tenant_id: tenantId,
        number: formatChangeNumber(++number),
        created_at: now,
        updated_at: now,
      };
      const afterJson = JSON.stringify({ ...afterTemplate, id: cr.id, number: cr.number, createdAt: now });
      const hash = createHash('sha256').update(prevHash).update(afterJson).digest('hex');
      const ev: AuditEventsTable = {
        ...auditTemplate,
        tenant_id: tenantId,
        seq: seq + 1,
        id: newId(),
        at: now,
        entity_id: cr.id,
        after_json: afterJson,
        prev_hash: prevHash,
        hash,
      };
      create.immediate(cr, ev);
      seq++;
      prevHash = hash;
    }
    return elapsedMs(start);
  };
}

if (isMain(import.meta.url)) runStandalone(benchCrCreate);
