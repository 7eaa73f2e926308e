import { AppError, notFound } from '../../domain/errors.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { inTransaction } from '../../store/database.js';
import { findRun } from '../../store/deployment-runs.js';
import type { Actor, ServiceDeps } from '../context.js';
import { passGate } from './deployment-gate.js';
import { lockTtlMs } from './deployment-input.js';
import { acquireLock, type DeploymentView, deploymentView, resolveRun } from './deployment-support.js';

/** How often a waiting run looks at its CR: well under the one second a decision may take to be noticed. */
export const approvalPollMs = 150;

/**
 * Waits (up to `waitMs`) for the CR of a run stopped at the gate to be decided, then passes the gate:
 * approved → the run retakes its lock and moves into `implement`; rejected → the run ends. Returns the
 * run as it stands when the decision is seen or the wait is over.
 */
export async function awaitApproval(
  deps: ServiceDeps,
  actor: Actor,
  runRef: string,
  options: { waitMs: number; lockTtlSeconds?: unknown; signal?: AbortSignal },
): Promise<DeploymentView> {
  const deadline = performance.now() + Math.max(0, options.waitMs);
  const ttlMs = lockTtlMs(options.lockTtlSeconds);
  for (;;) {
    const run = await resolveRun(deps.db, actor, runRef);
    if (run.phase !== 'awaiting_approval')
      return inTransaction(deps.db, (tx) => deploymentView(tx, actor, run));
    const crId = run.changeRequestId as string;
    const cr = await findChangeRequest(deps.db, actor.tenantId, { by: 'id', value: crId });
    if (!cr) throw notFound('change request', crId);
    const decided = cr.approval === 'approved' || cr.approval === 'rejected';
    if (decided || performance.now() >= deadline || options.signal?.aborted) {
      return inTransaction(deps.db, async (tx) => {
        const fresh = await findRun(tx, actor.tenantId, run.id);
        const current = await findChangeRequest(
          tx,
          actor.tenantId,
          { by: 'id', value: run.changeRequestId as string },
          { lockFor: deps.dialect },
        );
        if (!fresh || !current) throw notFound('deployment run', runRef);
        if (
          fresh.phase !== 'awaiting_approval' ||
          (current.approval !== 'approved' && current.approval !== 'rejected')
        ) {
          return deploymentView(tx, actor, fresh);
        }
        if (current.approval === 'approved') {
          await acquireLock(
            tx,
            deps,
            actor,
            { environment: fresh.environment, region: fresh.region, runId: fresh.id, ttlMs },
            async () => false,
          );
        }
        return deploymentView(
          tx,
          actor,
          await passGate(
            tx,
            deps,
            actor,
            { ...fresh, stages: fresh.stages.filter((s) => s.name !== 'gate') },
            current,
          ),
        );
      });
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(approvalPollMs, Math.max(1, deadline - performance.now()))),
    );
  }
}

/** Keeps a running deployment's lock alive; a process that stops renewing loses it when the lease ends. */
export async function renewLock(
  deps: ServiceDeps,
  actor: Actor,
  runRef: string,
  lockTtlSeconds: unknown,
): Promise<void> {
  const ttlMs = lockTtlMs(lockTtlSeconds);
  await inTransaction(deps.db, async (tx) => {
    const run = await resolveRun(tx, actor, runRef);
    if (run.phase !== 'implementing') {
      throw new AppError(
        'illegal_transition',
        `run ${run.id} is ${run.phase}; only a deployment in progress holds a lock`,
        { field: 'run', phase: run.phase },
      );
    }
    await acquireLock(
      tx,
      deps,
      actor,
      { environment: run.environment, region: run.region, runId: run.id, ttlMs },
      async () => false,
    );
  });
}
