import type { ChangeRequest } from '../../domain/change-request.js';
import type { DeploymentRun } from '../../domain/deployment.js';
import { type GateDecision, gateDecision } from '../../domain/gate-decision.js';
import type { Readiness } from '../../domain/readiness.js';
import type { DbOrTx } from '../../store/database.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import type { FreezePass } from '../windows/freeze-check.js';
import { assessReadiness, requireRevision, revisionEntries } from './deployment-support.js';

/**
 * The pre-deployment evidence checks of what the run deploys (its delta, or the whole revision on a
 * redeploy), as the evidence stands now: a run that waited for approval or took the fast path is
 * judged by the evidence at the moment the gate lets it through, not when it began.
 */
async function readinessNow(tx: DbOrTx, actor: Actor, run: DeploymentRun): Promise<Readiness> {
  const { config } = await loadTenantConfig(tx, actor.tenantId);
  const entries = await revisionEntries(tx, actor, await requireRevision(tx, actor, run.targetRevisionId));
  const names = new Set(run.delta.map((d) => d.name));
  return assessReadiness(tx, actor, {
    entries: run.delta.length === 0 ? entries : entries.filter((e) => names.has(e.name)),
    config,
    phases: ['pre-deployment'],
    source: run.options.source,
    target: run.environment,
  });
}

/**
 * What the gate records on a run it lets through (docs/compliance.md#violations): the CR's approval as
 * found, whether it went ahead as an emergency, the evidence checks (`readiness` when the caller just
 * evaluated them in this transaction, else evaluated now) and the freezes it passed.
 */
export async function gateRecord(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  run: DeploymentRun,
  input: {
    found: Pick<ChangeRequest, 'approval'>;
    wentAhead: Pick<ChangeRequest, 'type'>;
    freezes: FreezePass[];
    readiness?: Readiness;
  },
): Promise<GateDecision> {
  return gateDecision({
    decidedAt: deps.now(),
    found: input.found,
    wentAhead: input.wentAhead,
    readiness: input.readiness ?? (await readinessNow(tx, actor, run)),
    freezes: input.freezes.map((p) => ({
      window: p.hit.window.name,
      basis: p.basis,
      overrideId: p.override?.id ?? null,
    })),
  });
}
