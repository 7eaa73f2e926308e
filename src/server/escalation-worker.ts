import type { ServiceDeps } from '../services/context.js';
import { escalateDueSteps } from '../services/escalations/escalate-due-steps.js';

export interface EscalationWorker {
  /** Stops the timer and waits for a pass in progress to commit or roll back. */
  stop(): Promise<void>;
}

/**
 * Fires due approval-step SLA timers every `intervalMs` inside `changegate serve`. The timers are
 * rows, so a restart loses none; passes never overlap, and a failed pass is logged and retried at
 * the next tick, never taking the server down. Several servers on one PostgreSQL share the work.
 */
export function startEscalationWorker(deps: ServiceDeps, intervalMs: number): EscalationWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;

  const pass = async () => {
    try {
      for (const event of await escalateDueSteps(deps)) {
        deps.logger.info({ event: event.id, payload: event.payload }, event.topic);
      }
    } catch (error) {
      deps.logger.error({ err: error }, `escalation pass failed; retrying in ${intervalMs} ms`);
    }
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = null;
        schedule(intervalMs);
      });
    }, delay);
  };
  // The first pass at once: timers that ran out while no server was up fire on start.
  schedule(0);
  deps.logger.info({ intervalMs }, 'escalation worker started');

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
