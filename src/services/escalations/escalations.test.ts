import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, freshDatabase, type TestDatabase, testConfig } from '../../../test/support/dialects.js';
import { insertStep, readStep } from '../../../test/support/escalation-steps.js';
import { failure } from '../../../test/support/failure.js';
import { type App, createApp } from '../../app.js';
import type { OutboxEvent } from '../../domain/outbox-event.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import type { Actor } from '../context.js';
import { escalateDueSteps } from './escalate-due-steps.js';
import { listEvents } from './list-events.js';

const minute = 60_000;

describe.each(dialects)('approval step escalation on %s', (dialect) => {
  let db: TestDatabase;
  let app: App;
  // A fixed clock the tests move; the worker reads it once per batch.
  let time = Date.parse('2026-03-02T09:00:00Z');
  let tenants = 0;

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'escalations');
    app = await createApp(testConfig(db), { now: () => time, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  /** A tenant of its own (so counts are exact) with one CR. */
  async function tenantWithChange(): Promise<{ actor: Actor; crId: string; number: string }> {
    const actor = await actorIn(app, `esc-${dialect}-${++tenants}`, 'alice@example.com');
    const cr = await createChangeRequest(app.deps, actor, { ...validChange });
    return { actor, crId: cr.id, number: cr.number };
  }

  const topicsOf = (events: OutboxEvent[], tenantId: string) =>
    events.filter((e) => e.tenantId === tenantId).map((e) => [e.topic, e.payload.level]);

  it('escalates once per level, each level with its own SLA window, then reports the step overdue once', async () => {
    const { actor, crId, number } = await tenantWithChange();
    const due = time + 10 * minute;
    const stepId = await insertStep(app.deps.db, {
      tenantId: actor.tenantId,
      changeRequestId: crId,
      approverGroup: 'owners',
      escalateTo: ['owners-backup', 'change-managers'],
      slaMs: 30 * minute,
      dueAt: due,
      name: 'component owners',
      seq: 2,
    });

    // Before the deadline nothing fires, however often the worker runs.
    time = due - 1;
    expect(topicsOf(await escalateDueSteps(app.deps), actor.tenantId)).toEqual([]);
    expect(await readStep(app.deps.db, stepId)).toEqual({ escalationLevel: 0, dueAt: due, status: 'active' });

    time = due;
    const [first, ...none] = (await escalateDueSteps(app.deps)).filter((e) => e.tenantId === actor.tenantId);
    expect(none).toEqual([]);
    expect(first).toMatchObject({
      topic: 'approval.step_escalated',
      createdAt: due,
      publishedAt: null,
      payload: {
        tenant: actor.tenantSlug,
        changeRequest: { id: crId, number },
        step: { id: stepId, name: 'component owners', round: 1, seq: 2 },
        from: ['owners'],
        to: 'owners-backup',
        level: 1,
        previousDueAt: new Date(due).toISOString(),
        dueAt: new Date(due + 30 * minute).toISOString(),
      },
    });
    expect(await readStep(app.deps.db, stepId)).toMatchObject({
      escalationLevel: 1,
      dueAt: due + 30 * minute,
    });
    // Run again at the same instant: the timer was moved, so nothing fires twice.
    expect(topicsOf(await escalateDueSteps(app.deps), actor.tenantId)).toEqual([]);

    time = due + 30 * minute + 5;
    const second = (await escalateDueSteps(app.deps)).filter((e) => e.tenantId === actor.tenantId);
    expect(second.map((e) => e.payload)).toMatchObject([
      { from: ['owners', 'owners-backup'], to: 'change-managers', level: 2 },
    ]);
    expect(await readStep(app.deps.db, stepId)).toMatchObject({
      escalationLevel: 2,
      dueAt: due + 60 * minute + 5,
    });

    time = due + 2 * 60 * minute;
    const overdue = (await escalateDueSteps(app.deps)).filter((e) => e.tenantId === actor.tenantId);
    expect(overdue.map((e) => [e.topic, e.payload])).toEqual([
      [
        'approval.step_overdue',
        {
          tenant: actor.tenantSlug,
          changeRequest: { id: crId, number },
          step: { id: stepId, name: 'component owners', round: 1, seq: 2 },
          groups: ['owners', 'owners-backup', 'change-managers'],
          level: 2,
          dueAt: new Date(due + 60 * minute + 5).toISOString(),
        },
      ],
    ]);
    expect(await readStep(app.deps.db, stepId)).toEqual({
      escalationLevel: 2,
      dueAt: null,
      status: 'active',
    });
    time += 24 * 60 * minute;
    expect(topicsOf(await escalateDueSteps(app.deps), actor.tenantId)).toEqual([]);

    // The outbox holds exactly the three events, and the CR's audit trail records each, in the tenant's chain.
    const page = await listEvents(app.deps, actor);
    expect(page.items.map((e) => [e.topic, e.payload.level])).toEqual([
      ['approval.step_escalated', 1],
      ['approval.step_escalated', 2],
      ['approval.step_overdue', 2],
    ]);
    const trail = await readAuditLog(app.deps, actor, { changeRequest: number });
    const escalations = trail.filter((e) => e.action.startsWith('approval_step.'));
    expect(
      escalations.map((e) => [e.action, e.actor, e.before?.escalationLevel, e.after?.escalationLevel]),
    ).toEqual([
      ['approval_step.escalated', 'changegate:escalation', 0, 1],
      ['approval_step.escalated', 'changegate:escalation', 1, 2],
      ['approval_step.overdue', 'changegate:escalation', 2, 2],
    ]);
    expect(escalations.map((e) => e.after?.event)).toEqual(page.items.map((e) => e.id));
    expect(escalations[0]?.after).toMatchObject({
      step: { id: stepId, name: 'component owners' },
      from: ['owners'],
      to: 'owners-backup',
      dueAt: new Date(due + 30 * minute).toISOString(),
    });
    expect(escalations[2]?.after).toMatchObject({
      dueAt: null,
      groups: ['owners', 'owners-backup', 'change-managers'],
    });
    expect(await verifyAuditChain(app.deps, actor)).toMatchObject({ ok: true, firstBad: null });
  });

  it('reports a step without escalation groups overdue at once, and one without an SLA never again', async () => {
    const { actor, crId } = await tenantWithChange();
    const plain = await insertStep(app.deps.db, {
      tenantId: actor.tenantId,
      changeRequestId: crId,
      dueAt: time,
    });
    const noWindow = await insertStep(app.deps.db, {
      tenantId: actor.tenantId,
      changeRequestId: crId,
      seq: 2,
      escalateTo: ['cab'],
      slaMs: null,
      dueAt: time,
    });
    const events = (await escalateDueSteps(app.deps)).filter((e) => e.tenantId === actor.tenantId);
    expect(events.map((e) => [e.topic, (e.payload.step as { id: string }).id, e.payload.dueAt])).toEqual(
      expect.arrayContaining([
        ['approval.step_overdue', plain, new Date(time).toISOString()],
        ['approval.step_escalated', noWindow, null],
      ]),
    );
    expect(events).toHaveLength(2);
    expect(await readStep(app.deps.db, noWindow)).toMatchObject({ escalationLevel: 1, dueAt: null });
    time += 365 * 24 * 60 * minute;
    expect(topicsOf(await escalateDueSteps(app.deps), actor.tenantId)).toEqual([]);
  });

  it('leaves answered and waiting steps and other tenants alone', async () => {
    const mine = await tenantWithChange();
    const other = await tenantWithChange();
    const approved = await insertStep(app.deps.db, {
      tenantId: mine.actor.tenantId,
      changeRequestId: mine.crId,
      escalateTo: ['cab'],
      status: 'approved',
      dueAt: time - minute,
    });
    const waiting = await insertStep(app.deps.db, {
      tenantId: mine.actor.tenantId,
      changeRequestId: mine.crId,
      seq: 2,
      escalateTo: ['cab'],
      status: 'waiting',
      dueAt: time - minute,
    });
    const due = await insertStep(app.deps.db, {
      tenantId: mine.actor.tenantId,
      changeRequestId: mine.crId,
      seq: 3,
      escalateTo: ['cab'],
      dueAt: time,
    });
    const theirs = await insertStep(app.deps.db, {
      tenantId: other.actor.tenantId,
      changeRequestId: other.crId,
      escalateTo: ['cab'],
      dueAt: time + minute,
    });
    const events = await escalateDueSteps(app.deps);
    expect(events.map((e) => (e.payload.step as { id: string }).id)).toEqual([due]);
    expect(await readStep(app.deps.db, approved)).toMatchObject({ escalationLevel: 0, dueAt: time - minute });
    expect(await readStep(app.deps.db, waiting)).toMatchObject({ escalationLevel: 0, dueAt: time - minute });
    expect(await readStep(app.deps.db, theirs)).toMatchObject({ escalationLevel: 0, dueAt: time + minute });
    // Events are the tenant's own: the other tenant sees none of them, nor an audit record.
    expect((await listEvents(app.deps, other.actor)).items).toEqual([]);
    const otherTrail = await readAuditLog(app.deps, other.actor, {});
    expect(otherTrail.filter((e) => e.action.startsWith('approval_step.'))).toEqual([]);
    expect(await verifyAuditChain(app.deps, mine.actor)).toMatchObject({ ok: true });
    expect(await verifyAuditChain(app.deps, other.actor)).toMatchObject({ ok: true });
  });

  it('works through more due steps than one batch holds, each in one transaction per batch', async () => {
    const { actor, crId } = await tenantWithChange();
    const ids: string[] = [];
    for (let seq = 1; seq <= 7; seq++) {
      ids.push(
        await insertStep(app.deps.db, {
          tenantId: actor.tenantId,
          changeRequestId: crId,
          seq,
          escalateTo: ['cab'],
          dueAt: time - seq,
        }),
      );
    }
    const events = await escalateDueSteps(app.deps, { limit: 3 });
    expect(events.map((e) => (e.payload.step as { id: string }).id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await readStep(app.deps.db, id)).escalationLevel).toBe(1);
  });

  it('pages through events with a cursor, filtered by topic and time, and refuses bad input', async () => {
    const { actor, crId } = await tenantWithChange();
    const start = time;
    for (let seq = 1; seq <= 5; seq++) {
      await insertStep(app.deps.db, {
        tenantId: actor.tenantId,
        changeRequestId: crId,
        seq,
        escalateTo: seq <= 3 ? ['cab'] : [],
        dueAt: time,
      });
    }
    await escalateDueSteps(app.deps);
    // Half the SLA later: the three escalated steps are not due again yet.
    time += minute / 2;
    const late = await insertStep(app.deps.db, {
      tenantId: actor.tenantId,
      changeRequestId: crId,
      seq: 6,
      escalateTo: ['cab'],
      dueAt: time,
    });
    await escalateDueSteps(app.deps);

    const all = await listEvents(app.deps, actor, { limit: 100 });
    expect(all.items.map((e) => e.topic).sort()).toEqual([
      'approval.step_escalated',
      'approval.step_escalated',
      'approval.step_escalated',
      'approval.step_escalated',
      'approval.step_overdue',
      'approval.step_overdue',
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listEvents(app.deps, actor, { limit: 4, cursor });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e) => e.id));

    const overdue = await listEvents(app.deps, actor, { topic: 'approval.step_overdue' });
    expect(overdue.items.map((e) => e.topic)).toEqual(['approval.step_overdue', 'approval.step_overdue']);
    const since = await listEvents(app.deps, actor, { since: new Date(start + minute / 2).toISOString() });
    expect(since.items.map((e) => (e.payload.step as { id: string }).id)).toEqual([late]);

    expect((await failure(listEvents(app.deps, actor, { limit: 0 }))).details).toMatchObject({
      field: 'limit',
    });
    expect((await failure(listEvents(app.deps, actor, { since: 'yesterday' }))).details).toMatchObject({
      field: 'since',
    });
    const badCursor = await failure(listEvents(app.deps, actor, { cursor: 'not-a-cursor' }));
    expect([badCursor.code, badCursor.details.field]).toEqual(['invalid_input', 'cursor']);
  });
});
