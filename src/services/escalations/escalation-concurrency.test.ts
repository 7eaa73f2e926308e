import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, freshDatabase, type TestDatabase, testConfig } from '../../../test/support/dialects.js';
import { insertStep, readStep } from '../../../test/support/escalation-steps.js';
import { type App, createApp } from '../../app.js';
import type { OutboxEvent } from '../../domain/outbox-event.js';
import { verifyAuditChain } from '../audit/audit-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import type { Actor } from '../context.js';
import { escalateDueSteps } from './escalate-due-steps.js';

const minute = 60_000;
const stepsPerTenant = 40;

/**
 * Two server processes on one PostgreSQL, as two apps with their own connection pools, firing the
 * same due timers concurrently and repeatedly: every step escalates exactly once per level.
 */
describe.runIf(dialects.includes('postgres'))('escalation across processes on postgres', () => {
  let db: TestDatabase;
  const apps: App[] = [];
  let time = Date.parse('2026-03-02T09:00:00Z');
  const actors: Actor[] = [];
  const steps: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase('postgres', 'escalation-race');
    for (let i = 0; i < 2; i++) {
      apps.push(await createApp(testConfig(db), { now: () => time, logger: pino({ level: 'silent' }) }));
    }
    const [app] = apps as [App];
    for (const slug of ['race-a', 'race-b', 'race-c']) {
      const actor = await actorIn(app, slug, 'alice@example.com');
      actors.push(actor);
      const cr = await createChangeRequest(app.deps, actor, { ...validChange });
      for (let seq = 1; seq <= stepsPerTenant; seq++) {
        steps.push(
          await insertStep(app.deps.db, {
            tenantId: actor.tenantId,
            changeRequestId: cr.id,
            seq,
            escalateTo: ['backup', 'cab'],
            slaMs: 30 * minute,
            dueAt: time - seq,
          }),
        );
      }
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.cleanup();
  });

  /** Eight overlapping passes, four per process, in small batches so they contend for the same rows. */
  async function race(): Promise<OutboxEvent[]> {
    const passes = apps.flatMap((app) =>
      Array.from({ length: 4 }, () => escalateDueSteps(app.deps, { limit: 7 })),
    );
    return (await Promise.all(passes)).flat();
  }

  async function outboxCount(topic: string, level: number): Promise<Map<string, number>> {
    const rows = await (apps[0] as App).deps.db
      .selectFrom('outbox')
      .select(['payload_json'])
      .where('topic', '=', topic)
      .execute();
    const perStep = new Map<string, number>();
    for (const row of rows) {
      const payload = JSON.parse(row.payload_json) as { step: { id: string }; level: number };
      if (payload.level !== level) continue;
      perStep.set(payload.step.id, (perStep.get(payload.step.id) ?? 0) + 1);
    }
    return perStep;
  }

  it('fires each step exactly once per level and once overdue, however many passes race', async () => {
    const rounds = [
      { topic: 'approval.step_escalated', level: 1 },
      { topic: 'approval.step_escalated', level: 2 },
      { topic: 'approval.step_overdue', level: 2 },
    ];
    for (const [i, round] of rounds.entries()) {
      const fired = await race();
      expect(fired, `round ${i + 1}`).toHaveLength(steps.length);
      // A second race at the same instant finds nothing left.
      expect(await race()).toEqual([]);
      const perStep = await outboxCount(round.topic, round.level);
      expect([...perStep.keys()].sort()).toEqual([...steps].sort());
      expect(new Set(perStep.values())).toEqual(new Set([1]));
      time += 31 * minute;
    }
    for (const id of steps)
      expect(await readStep((apps[0] as App).deps.db, id)).toMatchObject({ dueAt: null });
    const total = await (apps[0] as App).deps.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(3 * steps.length);
    // Every tenant's audit chain took its events from both processes and still verifies.
    for (const actor of actors) {
      expect(await verifyAuditChain((apps[1] as App).deps, actor)).toMatchObject({ ok: true });
      const audited = await (apps[0] as App).deps.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', actor.tenantId)
        .where('action', 'in', ['approval_step.escalated', 'approval_step.overdue'])
        .executeTakeFirstOrThrow();
      expect(Number(audited.n)).toBe(3 * stepsPerTenant);
    }
  });
});
