import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../test/support/actors.js';
import { testApp } from '../../test/support/dialects.js';
import { insertStep, readStep } from '../../test/support/escalation-steps.js';
import { defaultEscalationIntervalMs, loadConfig } from '../config.js';
import { createChangeRequest } from '../services/changes/create-change-request.js';
import { startEscalationWorker } from './escalation-worker.js';

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A logger that keeps its JSON lines, to see what the worker reported. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('the escalation worker of serve', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const captured = capturingLogger();
  beforeAll(async () => {
    t = await testApp('sqlite', 'escalation-worker', {}, { logger: captured.logger, now: Date.now });
  });
  afterAll(() => t?.close());

  it('fires due timers on its interval, logs each escalation and stops cleanly', async () => {
    const actor = await actorIn(t.app, 'default', 'alice@example.com');
    const cr = await createChangeRequest(t.app.deps, actor, { ...validChange });
    const stepId = await insertStep(t.app.deps.db, {
      tenantId: actor.tenantId,
      changeRequestId: cr.id,
      escalateTo: ['cab'],
      slaMs: 3_600_000,
      dueAt: Date.now() - 1,
    });
    const worker = startEscalationWorker(t.app.deps, 20);
    await until('the escalation', async () =>
      (await readStep(t.app.deps.db, stepId)).escalationLevel === 1 ? true : undefined,
    );
    await worker.stop();
    const logged = await until('the log line', () =>
      captured.lines.find((l) => l.msg === 'approval.step_escalated'),
    );
    expect(logged).toMatchObject({ level: 30, payload: { to: 'cab', level: 1 } });
    // Stopped: a timer that runs out now stays put.
    const later = await insertStep(t.app.deps.db, {
      tenantId: actor.tenantId,
      changeRequestId: cr.id,
      seq: 2,
      escalateTo: ['cab'],
      dueAt: Date.now() - 1,
    });
    await sleep(100);
    expect(await readStep(t.app.deps.db, later)).toMatchObject({ escalationLevel: 0 });
  });

  it('logs a failing pass and tries again at the next tick instead of throwing', async () => {
    const broken = capturingLogger();
    const deps = {
      ...t.app.deps,
      logger: broken.logger,
      now: () => {
        throw new Error('clock on fire');
      },
    };
    const worker = startEscalationWorker(deps, 10);
    await until('two failed passes', () =>
      broken.lines.filter((l) => l.level === 50).length >= 2 ? true : undefined,
    );
    await worker.stop();
    expect(broken.lines.find((l) => l.level === 50)?.msg).toBe('escalation pass failed; retrying in 10 ms');
  });
});

describe('CHANGEGATE_ESCALATION_INTERVAL_MS', () => {
  it('sets the interval, 0 turns it off, and anything else falls back to the default', () => {
    const interval = (value?: string) =>
      loadConfig(value === undefined ? {} : { CHANGEGATE_ESCALATION_INTERVAL_MS: value })
        .escalationIntervalMs;
    expect(interval()).toBe(defaultEscalationIntervalMs);
    expect(defaultEscalationIntervalMs).toBe(15_000);
    expect(interval('200')).toBe(200);
    expect(interval('0')).toBe(0);
    expect(interval('-5')).toBe(15_000);
    expect(interval('15s')).toBe(15_000);
  });
});
