import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { EscalationRunDto, EventDto, EventPageDto } from '../../src/api/event-schemas.js';
import type { AuditEventDto, AuditVerifyDto } from '../../src/api/schemas.js';
import { type OpenedDatabase, openDatabase } from '../../src/store/database.js';
import { assertBuilt, runCli, type ServerProcess, startServer } from '../support/cli-process.js';
import { createPostgresDatabase } from '../support/postgres.js';
import { createToken } from '../support/server-process.js';

/**
 * Approval step SLAs as operators run them: TWO `changegate serve` processes on ONE PostgreSQL
 * database, each firing due timers every 200 ms. The chain comes from the real flow (approvalPolicy
 * applied with `config apply`, `cr create`, `cr request-approval`); only the step's SLA is then
 * shortened in the database, because a policy refuses SLAs under a minute.
 */

beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const policy = `
environments:
  - name: prod
    purpose: production
approvalPolicy:
  rules:
    - name: cab-review
      steps:
        - name: cab
          group: cab
          sla: 1m
          escalateTo: [cab-backup, change-managers]
`;

const requester = 'alice@example.com';

describe.runIf(inject('postgres'))('approval step escalation across two servers on one PostgreSQL', () => {
  let home: string;
  let pg: { url: string; drop: () => Promise<void> };
  let db: OpenedDatabase;
  let auditor: string;
  let viewer: string;
  const servers: ServerProcess[] = [];
  const serverEnv = () => ({
    CHANGEGATE_HOME: home,
    CHANGEGATE_LOG_LEVEL: 'warn',
    CHANGEGATE_ESCALATION_INTERVAL_MS: '200',
  });

  const cli = (args: string[], as = requester) =>
    runCli([...args, '--db', pg.url, '--as', as], {
      cwd: home,
      env: { CHANGEGATE_HOME: home, CHANGEGATE_LOG_LEVEL: 'warn' },
    });
  async function json<T>(args: string[]): Promise<T> {
    const r = await cli([...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  }

  async function serve(): Promise<ServerProcess> {
    const server = await startServer(['--host', '127.0.0.1', '--db', pg.url], {
      cwd: home,
      env: serverEnv(),
    });
    servers.push(server);
    return server;
  }
  async function stop(server: ServerProcess): Promise<number | null> {
    server.child.kill('SIGTERM');
    const code = await server.exited;
    servers.splice(servers.indexOf(server), 1);
    return code;
  }

  /** A CR whose approval was requested: the policy gives it one active step, the CAB's. */
  async function requestedChange(): Promise<{ id: string; number: string; stepId: string }> {
    const cr = await json<{ id: string; number: string }>([
      'cr',
      'create',
      '--title',
      'Rotate the payments signing key',
      '--environment',
      'prod',
      '--priority',
      'high',
      '--assignee',
      'dev@example.com',
      '--customer-impact',
      'low',
      '--deployment-impact',
      'small',
    ]);
    await json(['cr', 'request-approval', cr.number]);
    const step = await db.db
      .selectFrom('approval_steps')
      .select(['id', 'status', 'sla_ms', 'escalate_to_json'])
      .where('change_request_id', '=', cr.id)
      .executeTakeFirstOrThrow();
    expect(step).toMatchObject({
      status: 'active',
      sla_ms: 60_000,
      escalate_to_json: '["cab-backup","change-managers"]',
    });
    return { ...cr, stepId: step.id };
  }

  /** Moves the step's timer: its SLA window and when the current one runs out. */
  async function setTimer(stepId: string, slaMs: number, dueAt: number): Promise<void> {
    await db.db
      .updateTable('approval_steps')
      .set({ sla_ms: slaMs, due_at: dueAt })
      .where('id', '=', stepId)
      .execute();
  }

  async function eventsOver(url: string, token: string): Promise<Response> {
    return fetch(`${url}/api/v1/events?limit=200`, { headers: { authorization: `Bearer ${token}` } });
  }
  /** The step's events: over HTTP from a running server, else through the CLI on the database. */
  async function stepEvents(stepId: string, server?: ServerProcess): Promise<EventDto[]> {
    let page: EventPageDto;
    if (server) {
      const res = await eventsOver(server.url, auditor);
      expect(res.status).toBe(200);
      page = (await res.json()) as EventPageDto;
    } else {
      page = await json<EventPageDto>(['events', 'list', '--limit', '200']);
    }
    expect(page.nextCursor).toBeNull();
    return page.items.filter((e) => (e.payload.step as { id: string }).id === stepId);
  }
  const summary = (events: EventDto[]) => events.map((e) => [e.topic, e.payload.level, e.payload.to ?? null]);

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'changegate-escalation-'));
    pg = await createPostgresDatabase('escalation_e2e');
    db = openDatabase(pg.url);
    for (const [group, member] of [
      ['cab', 'carol@example.com'],
      ['cab-backup', 'dan@example.com'],
      ['change-managers', 'erin@example.com'],
    ] as const) {
      await json(['group', 'create', group, '--member', member]);
    }
    writeFileSync(join(home, 'changegate.yaml'), policy);
    await json(['config', 'apply', '--file', join(home, 'changegate.yaml')]);
    const local = { db: pg.url, home };
    auditor = await createToken(local, 'auditor', 'auditor');
    viewer = await createToken(local, 'viewer', 'viewer');
  });
  afterAll(async () => {
    for (const server of [...servers]) await stop(server);
    await db?.close();
    await pg?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('two servers escalate a step exactly once per level, then report it overdue once, in the outbox and the audit trail', async () => {
    const [first, second] = [await serve(), await serve()];
    const cr = await requestedChange();
    await setTimer(cr.stepId, 1000, Date.now() + 1000);

    await waitFor('the overdue event', async () => {
      const events = await stepEvents(cr.stepId, first);
      return events.some((e) => e.topic === 'approval.step_overdue') ? events : undefined;
    });
    // Both servers keep polling for a while: a duplicate would show up now.
    await sleep(1000);
    const events = await stepEvents(cr.stepId, second);
    expect(summary(events)).toEqual([
      ['approval.step_escalated', 1, 'cab-backup'],
      ['approval.step_escalated', 2, 'change-managers'],
      ['approval.step_overdue', 2, null],
    ]);
    expect(events[0]?.payload).toMatchObject({
      tenant: 'default',
      changeRequest: { id: cr.id, number: cr.number },
      step: { id: cr.stepId, name: 'cab', round: 1, seq: 1 },
      from: ['cab'],
    });
    // The CLI on the database reads the same outbox; a viewer may not read it over HTTP.
    expect(await stepEvents(cr.stepId)).toEqual(events);
    expect((await eventsOver(first.url, viewer)).status).toBe(403);

    const trail = await json<AuditEventDto[]>(['audit', 'log', '--cr', cr.number]);
    const escalations = trail.filter((e) => e.action.startsWith('approval_step.'));
    expect(escalations.map((e) => [e.action, e.actor, e.after?.escalationLevel])).toEqual([
      ['approval_step.escalated', 'changegate:escalation', 1],
      ['approval_step.escalated', 'changegate:escalation', 2],
      ['approval_step.overdue', 'changegate:escalation', 2],
    ]);
    expect(await json<AuditVerifyDto>(['audit', 'verify'])).toMatchObject({ ok: true });
  });

  it('keeps a timer across a restart: stopped before it is due, a server started after fires it', async () => {
    if (servers.length === 0) await serve();
    const cr = await requestedChange();
    // The servers see the timer, an hour from now, and are stopped well before it runs out.
    await setTimer(cr.stepId, 60_000, Date.now() + 3_600_000);
    await sleep(600);
    for (const server of [...servers]) expect(await stop(server)).toBe(0);
    expect(await stepEvents(cr.stepId)).toEqual([]);

    // The hour passes while no server is up (the deadline is moved rather than waited for).
    const due = Date.now() - 1;
    await setTimer(cr.stepId, 60_000, due);
    const restarted = await serve();
    const fired = await waitFor('the escalation after the restart', async () => {
      const events = await stepEvents(cr.stepId, restarted);
      return events.length > 0 ? events : undefined;
    });
    await sleep(600);
    expect(summary(await stepEvents(cr.stepId, restarted))).toEqual([
      ['approval.step_escalated', 1, 'cab-backup'],
    ]);
    expect(fired[0]?.payload.previousDueAt).toBe(new Date(due).toISOString());
  });

  it('fires due timers without a server through `escalations run`, for cron', async () => {
    for (const server of [...servers]) await stop(server);
    const cr = await requestedChange();
    await setTimer(cr.stepId, 60_000, Date.now() - 1);

    const ran = await json<EscalationRunDto>(['escalations', 'run']);
    expect(summary(ran.events.filter((e) => (e.payload.step as { id: string }).id === cr.stepId))).toEqual([
      ['approval.step_escalated', 1, 'cab-backup'],
    ]);
    const again = await json<EscalationRunDto>(['escalations', 'run']);
    expect(again.events.filter((e) => (e.payload.step as { id: string }).id === cr.stepId)).toEqual([]);

    const listed = await cli(['events', 'list', '--topic', 'approval.step_escalated']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`approval\\.step_escalated\\s+${cr.number}\\s+cab\\s+level 1: cab-backup joins cab`),
    );

    // Against a server it is refused: the server fires timers itself.
    const remote = await runCli(['escalations', 'run'], {
      cwd: home,
      env: { CHANGEGATE_HOME: home, CHANGEGATE_SERVER: 'http://127.0.0.1:9', CHANGEGATE_TOKEN: auditor },
    });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('escalations run works on the database (local mode)');
  });
});
