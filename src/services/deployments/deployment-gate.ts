import type { ChangeRequest } from '../../domain/change-request.js';
import { decideTransition } from '../../domain/change-request-state.js';
import type { DeploymentRun } from '../../domain/deployment.js';
import { AppError } from '../../domain/errors.js';
import type { Readiness } from '../../domain/readiness.js';
import type { DbOrTx } from '../../store/database.js';
import { runsForChangeRequest } from '../../store/deployment-runs.js';
import { applyChangeMutation } from '../changes/mutate-change-request.js';
import { enforceChecklist } from '../checklists/checklist-gate.js';
import type { Actor, ServiceDeps } from '../context.js';
import { enforceGateFreeze } from './deployment-freeze.js';
import { recordRunEvent, releaseLock, saveRunState } from './deployment-support.js';
import { gateRecord } from './gate-record.js';

/**
 * Step 3 of DESIGN.md §5. Approved: into `implement`. Not approved but an emergency: into `implement`
 * as an emergency change owing a retrospective approval. Rejected: the run ends. Otherwise the run
 * waits at the gate and gives up its lock, so other deployments are not blocked by a pending approval.
 * A freeze in force (or on the CR's plan) keeps the CR out of `implement` unless it is an emergency or
 * overridden (docs/windows.md), and open items of its category's checklist keep it out altogether
 * (docs/templates-and-checklists.md). A run let through carries the gate's record (`run.gate`):
 * what the compliance report judges it by; `readiness` is the evidence check the caller has just made.
 */
export async function passGate(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  run: DeploymentRun,
  cr: ChangeRequest,
  readiness?: Readiness,
): Promise<DeploymentRun> {
  const started = performance.now();
  const stage = (status: 'success' | 'failure' | 'waiting', detail: string) => ({
    name: 'gate',
    status,
    durationMs: Math.round(performance.now() - started),
    detail,
  });

  if (cr.state === 'implement') {
    // Continuing a deployment that was interrupted finishes what already passed this gate; a CR moved
    // into implement by hand meets the gate's freeze and incident checks now, at deployment time.
    const earlier = await runsForChangeRequest(tx, actor.tenantId, cr.id);
    const interrupted = earlier.some(
      (r) => r.id !== run.id && r.stages.some((s) => s.name === 'gate' && s.status === 'success'),
    );
    const freezes = interrupted ? [] : await enforceGateFreeze(tx, deps, actor, run, cr);
    return saveRunState(tx, deps, actor, {
      ...run,
      phase: 'implementing',
      gate: await gateRecord(tx, deps, actor, run, { found: cr, wentAhead: cr, freezes, readiness }),
      stages: [
        ...run.stages,
        stage(
          'success',
          interrupted
            ? `${cr.number} is already in implement (continuing an interrupted deployment)`
            : `${cr.number} is already in implement`,
        ),
      ],
    });
  }
  if (cr.approval === 'rejected' && run.options.emergency) {
    throw new AppError(
      'illegal_transition',
      `${cr.number} was rejected; a rejected change request cannot be deployed, not even as an emergency. Deploy without --change-request-id to have a new emergency change request created`,
      { field: 'changeRequestId', approval: cr.approval },
    );
  }
  if (cr.approval === 'approved' || run.options.emergency) {
    // Required checklist items first: a refusal names them and writes nothing (the run's transaction rolls back).
    await enforceChecklist(tx, actor, cr);
    const freezes = await enforceGateFreeze(tx, deps, actor, run, cr);
    let current = cr;
    let detail = `${cr.number} approved`;
    if (cr.approval !== 'approved') {
      if (current.type !== 'emergency') {
        current = await applyChangeMutation(tx, deps, actor, current, {
          action: 'change_request.emergency_declared',
          patch: { type: 'emergency' },
          note: { run: run.pipelineRunId },
        });
      }
      detail = `${cr.number} not approved (${cr.approval}): going ahead as an emergency change, retrospective approval owed`;
    } else if (current.state !== 'scheduled' && current.state !== 'authorize') {
      current = await applyChangeMutation(tx, deps, actor, current, {
        action: 'change_request.transitioned',
        patch: decideTransition(current, 'authorize'),
      });
    }
    if (current.approval === 'approved' && current.state === 'authorize') {
      current = await applyChangeMutation(tx, deps, actor, current, {
        action: 'change_request.transitioned',
        patch: decideTransition(current, 'scheduled'),
      });
    }
    const outcome = decideTransition(current, 'implement');
    await applyChangeMutation(tx, deps, actor, current, {
      action: 'change_request.implementation_started',
      patch: { ...outcome, implementedBy: actor.name },
      note: { run: run.pipelineRunId },
    });
    return saveRunState(tx, deps, actor, {
      ...run,
      phase: 'implementing',
      gate: await gateRecord(tx, deps, actor, run, { found: cr, wentAhead: current, freezes, readiness }),
      stages: [...run.stages, stage('success', detail)],
    });
  }
  await releaseLock(tx, actor, run);
  if (cr.approval === 'rejected') {
    await recordRunEvent(tx, deps, actor, 'deployment.abandoned', run, cr.number, {
      reason: 'change request rejected',
    });
    return saveRunState(tx, deps, actor, {
      ...run,
      phase: 'abandoned',
      finishedAt: deps.now(),
      stages: [...run.stages, stage('failure', `${cr.number} was rejected`)],
    });
  }
  const hint = cr.approval === 'not_requested' ? ' (approval has not been requested yet)' : '';
  return saveRunState(tx, deps, actor, {
    ...run,
    phase: 'awaiting_approval',
    stages: [...run.stages, stage('waiting', `${cr.number} awaits approval${hint}`)],
  });
}
