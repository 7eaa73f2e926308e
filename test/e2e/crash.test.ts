import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli-process.js';
import {
  ApiClient,
  type ApprovalLevel,
  approvalLevels,
  type ChangeDto,
  Ledger,
  runClientLoops,
  seededRandom,
  send,
  stateAt,
  type Tokens,
  type Write,
} from '../support/crash-workload.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/dialects.js';
import { createToken, killAllServers, type ServerProcess, startServer } from '../support/server-process.js';

/**
 * Crash safety of the real server process: SIGKILL it at random moments under concurrent creates and
 * approvals, restart, and check what clients were told against what the database holds.
 * Short by default; CHANGEGATE_CRASH_CYCLES=50 for a long run, CHANGEGATE_CRASH_SEED=N to repeat a run's kill timings.
 */
const cycles = Math.max(1, wholeNumber(process.env.CHANGEGATE_CRASH_CYCLES, 4));
const seed = wholeNumber(process.env.CHANGEGATE_CRASH_SEED, Math.floor(Math.random() * 2 ** 31));
const clientLoops = 6;
const killAfterMs = { min: 150, max: 700 };
const cyclesTimeout = Math.max(120_000, cycles * 20_000);
const finalTimeout = Math.max(60_000, cycles * 5_000);

function wholeNumber(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got '${value}'`);
  return n;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rank = (approval: string) => approvalLevels.indexOf(approval as ApprovalLevel);

interface ChangeDetail extends ChangeDto {
  approvals: { approver: string; decision: string }[];
}

/** Counts audit events per change request and action. */
async function auditCounts(api: ApiClient): Promise<(id: string, action: string) => number> {
  const counts = new Map<string, number>();
  for (const event of await api.auditEvents()) {
    const key = `${event.entityId} ${event.action}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return (id, action) => counts.get(`${id} ${action}`) ?? 0;
}

/** The chain verifies end to end and never shrinks; returns its length. */
async function expectChainVerifies(api: ApiClient, context: string, previousCount: number): Promise<number> {
  const report = await api.get<{ ok: boolean; count: number; firstBad: unknown }>(
    '/api/v1/audit/verify',
    'auditor',
  );
  expect(report, `${context}: audit chain`).toMatchObject({ ok: true, firstBad: null });
  expect(report.count, `${context}: audit events verified`).toBeGreaterThanOrEqual(previousCount);
  return report.count;
}

/**
 * `acknowledged`: every write a client saw acknowledged is in the database with exactly one audit event
 * (writes whose answer was lost may or may not have landed). `exact`: the database holds exactly what the
 * clients know, nothing more: no phantom or duplicate CR, and one audit event per write.
 */
async function ledgerProblems(api: ApiClient, ledger: Ledger, mode: 'acknowledged' | 'exact') {
  const problems: string[] = [];
  const items = await api.listAll();
  const count = await auditCounts(api);
  const byId = new Map(items.map((cr) => [cr.id, cr]));
  for (const field of ['id', 'number', 'title'] as const) {
    const seen = new Set<string>();
    for (const cr of items) {
      if (seen.has(cr[field])) problems.push(`duplicate ${field} ${cr[field]}`);
      seen.add(cr[field]);
    }
  }
  for (const known of ledger.changes.values()) {
    const found = byId.get(known.id);
    if (!found) {
      problems.push(`acknowledged ${known.number} '${known.title}' (${known.id}) is missing`);
      continue;
    }
    if (found.number !== known.number || found.title !== known.title) {
      problems.push(
        `${known.id} was acknowledged as ${known.number} '${known.title}', is ${found.number} '${found.title}'`,
      );
    }
    const expected = mode === 'exact' ? [known.approval] : approvalLevels.slice(rank(known.approval));
    if (
      !expected.includes(found.approval as ApprovalLevel) ||
      found.state !== stateAt[found.approval as ApprovalLevel]
    ) {
      problems.push(
        `${known.number}: acknowledged approval '${known.approval}', found ${found.approval}/${found.state}`,
      );
    }
    const level = mode === 'exact' ? rank(found.approval) : rank(known.approval);
    const events: [string, number][] = [
      ['change_request.created', 1],
      ['change_request.approval_requested', level >= 1 ? 1 : 0],
      ['change_request.approved', level >= 2 ? 1 : 0],
    ];
    for (const [action, times] of events) {
      const n = count(known.id, action);
      if (mode === 'exact' ? n !== times : n < times || n > 1) {
        problems.push(`${known.number}: ${n} '${action}' audit events, expected ${times}`);
      }
    }
  }
  if (mode === 'exact') {
    const known = new Set([...ledger.changes.values()].map((c) => c.id));
    for (const cr of items) {
      if (!known.has(cr.id)) problems.push(`${cr.number} '${cr.title}' exists but no client created it`);
    }
  }
  return { problems, items };
}

/** Finds CRs by exact title (the list's q is a substring search). */
async function withTitle(api: ApiClient, title: string): Promise<ChangeDto[]> {
  const page = await api.get<{ items: ChangeDto[] }>(
    `/api/v1/change-requests?limit=200&q=${encodeURIComponent(title)}`,
  );
  return page.items.filter((cr) => cr.title === title);
}

/**
 * Retries every write whose answer was lost, with the same Idempotency-Key and body. If it had
 * committed, the answer must be the stored original (replayed) and nothing new is written; if not,
 * it is carried out now, once. Returns how many had committed.
 */
async function retryInFlight(api: ApiClient, ledger: Ledger, context: string): Promise<number> {
  const pending: Write[] = ledger.inFlight;
  ledger.inFlight = [];
  let committed = 0;
  for (const write of pending) {
    const what = `${context}: retry of in-flight ${write.op} '${write.title}'`;
    if (write.op === 'create') {
      const before = await withTitle(api, write.title);
      expect(before.length, `${what}: CRs with the title before the retry`).toBeLessThanOrEqual(1);
      const retry = await send(api, write);
      expect(retry.status, `${what}: ${JSON.stringify(retry.body)}`).toBe(201);
      expect(retry.replayed, `${what}: replayed`).toBe(before.length === 1);
      // Nothing touched the CR after its create committed, so the original answer equals its state.
      if (before[0]) expect(retry.body, `${what}: the original answer`).toEqual(before[0]);
      const after = await withTitle(api, write.title);
      expect(
        after.map((cr) => cr.id),
        `${what}: CRs with the title after the retry`,
      ).toEqual([retry.body.id]);
      committed += before.length;
      ledger.acknowledge(write, retry.body);
      continue;
    }
    const known = ledger.changes.get(write.title);
    if (!known) throw new Error(`${what}: its create was never acknowledged`);
    const target: ApprovalLevel = write.op === 'approve' ? 'approved' : 'requested';
    const before = await api.get<ChangeDetail>(`/api/v1/change-requests/${known.id}`);
    const landed = before.approval === target;
    const retry = await send(api, write);
    expect(retry.status, `${what}: ${JSON.stringify(retry.body)}`).toBe(200);
    expect(retry.replayed, `${what}: replayed`).toBe(landed);
    if (landed) expect(before, `${what}: the original answer`).toMatchObject(retry.body);
    const after = await api.get<ChangeDetail>(`/api/v1/change-requests/${known.id}`);
    expect(after, what).toMatchObject({ approval: target, state: stateAt[target] });
    expect(after.approvals.length, `${what}: approval records`).toBe(target === 'approved' ? 1 : 0);
    committed += landed ? 1 : 0;
    ledger.acknowledge(write, retry.body);
  }
  return committed;
}

/** The last acknowledged write of each client, sent again: the stored original answer, replayed. */
async function replayLastAcknowledged(api: ApiClient, ledger: Ledger, context: string): Promise<void> {
  for (const write of ledger.lastAcknowledged.filter(Boolean)) {
    const again = await send(api, write);
    const what = `${context}: repeat of acknowledged ${write.op} '${write.title}'`;
    expect({ status: again.status, replayed: again.replayed }, what).toEqual({
      status: write.status,
      replayed: true,
    });
    expect(again.body, what).toEqual(write.response);
  }
  ledger.lastAcknowledged = [];
}

describe.each(dialects)('crash recovery on %s', (dialect) => {
  let db: TestDatabase;
  let tokens: Tokens;
  const ledger = new Ledger();
  const stats = { cycles: 0, createdUnderLoad: 0, inFlight: 0, inFlightCommitted: 0 };
  let cyclesFinished = false;
  let auditCount = 0;

  beforeAll(async () => {
    assertBuilt();
    db = await freshDatabase(dialect, 'crash');
    const where = { db: db.url, home: db.dir };
    tokens = {
      requester: await createToken(where, 'requester@example.com', 'requester'),
      approver: await createToken(where, 'approver@example.com', 'approver'),
      auditor: await createToken(where, 'auditor@example.com', 'auditor'),
    };
  });
  afterAll(async () => {
    await killAllServers();
    await db?.cleanup();
  });

  /** Starts the server on the database; checks acknowledged writes survived, then settles lost answers. */
  async function restartAndCheck(context: string): Promise<{ server: ServerProcess; api: ApiClient }> {
    const server = await startServer({ db: db.url, home: db.dir });
    const api = new ApiClient(server.url, tokens);
    const survived = await ledgerProblems(api, ledger, 'acknowledged');
    expect(survived.problems, `${context}: acknowledged writes after restart`).toEqual([]);
    auditCount = await expectChainVerifies(api, context, auditCount);
    await replayLastAcknowledged(api, ledger, context);
    stats.inFlight += ledger.inFlight.length;
    stats.inFlightCommitted += await retryInFlight(api, ledger, context);
    const settled = await ledgerProblems(api, ledger, 'exact');
    expect(settled.problems, `${context}: database against what clients know`).toEqual([]);
    auditCount = await expectChainVerifies(api, context, auditCount);
    return { server, api };
  }

  it(
    `keeps every acknowledged create and approval and a verifying audit chain through ${cycles} SIGKILLs under concurrent load, and answers retries of lost requests with the original result or one fresh write`,
    async () => {
      const random = seededRandom(seed);
      for (let cycle = 1; cycle <= cycles; cycle++) {
        const context = `${dialect} cycle ${cycle} (seed ${seed})`;
        const { server, api } = await restartAndCheck(context);
        const kill = { killing: false };
        const acknowledgedBefore = ledger.changes.size;
        const load = runClientLoops(api, ledger, {
          loops: clientLoops,
          titlePrefix: `crash-${dialect}-c${cycle}`,
          kill,
        });
        await sleep(killAfterMs.min + random() * (killAfterMs.max - killAfterMs.min));
        kill.killing = true;
        const exit = await server.stop('SIGKILL');
        expect(exit.signal, `${context}: how the server ended`).toBe('SIGKILL');
        await load;
        expect(ledger.unexpected, `${context}: server answers while it was up`).toEqual([]);
        stats.createdUnderLoad += ledger.changes.size - acknowledgedBefore;
        stats.cycles = cycle;
      }
      cyclesFinished = true;
    },
    cyclesTimeout,
  );

  it(
    'after the last restart holds every CR exactly once, numbered without gaps, and shuts down cleanly on SIGTERM',
    async () => {
      if (!cyclesFinished) throw new Error('the crash cycles did not finish; see the test before');
      const { server, api } = await restartAndCheck(`${dialect} final restart (seed ${seed})`);
      const items = await api.listAll();
      expect(items.length).toBe(ledger.changes.size);
      expect(new Set(items.map((cr) => cr.title)).size).toBe(items.length);
      const numbers = items.map((cr) => Number(cr.number.slice(3))).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: items.length }, (_, i) => i + 1));
      const approved = items.filter((cr) => cr.approval === 'approved');
      for (const cr of approved) {
        const detail = await api.get<ChangeDetail>(`/api/v1/change-requests/${cr.id}`);
        expect(detail.approvals, `${cr.number}: approval records`).toEqual([
          expect.objectContaining({ approver: 'approver@example.com', decision: 'approved' }),
        ]);
      }
      expect(items.length, 'change requests written in all cycles').toBeGreaterThan(0);
      expect(await server.stop('SIGTERM'), 'graceful shutdown').toEqual({ code: 0, signal: null });
      console.info(
        `crash test on ${dialect}: seed ${seed}, ${stats.cycles} SIGKILLs, ${items.length} CRs (${approved.length} approved), ` +
          `${stats.createdUnderLoad} created under load, ${stats.inFlight} answers lost to a kill and retried (${stats.inFlightCommitted} had committed)`,
      );
    },
    finalTimeout,
  );
});
