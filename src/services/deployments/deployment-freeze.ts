import type { ChangeRequest } from '../../domain/change-request.js';
import { computeDelta } from '../../domain/delta.js';
import type { DeploymentRun } from '../../domain/deployment.js';
import type { InventoryRevision } from '../../domain/inventory.js';
import { activeWindowAt } from '../../domain/windows.js';
import type { DbOrTx } from '../../store/database.js';
import type { Actor, ServiceDeps } from '../context.js';
import { enforceChangeGuards } from '../guards/change-guards.js';
import { checkFreeze, type FreezePass, loadFreezes } from '../windows/freeze-check.js';
import { requireRevision, revisionEntries } from './deployment-support.js';

/** What a deployment touches: the names in its delta, or every entry of the revision when it redeploys it whole. */
function deployedComponents(
  revision: Pick<InventoryRevision, 'entries'>,
  delta: { name: string }[],
): string[] {
  return delta.length > 0 ? delta.map((d) => d.name) : Object.keys(revision.entries);
}

/** "svc-api, svc-web", or the first five and how many more. */
function named(components: string[]): string {
  return components.length > 5
    ? `${components.slice(0, 5).join(', ')} and ${components.length - 5} more`
    : components.join(', ');
}

/**
 * The target stage's freeze check: deploying now to this environment, for the components the delta
 * touches. Refused unless the deployment is an emergency or its supplied CR holds an override; begin is
 * one transaction, so a refusal leaves nothing behind (not even the lock taken just before). The gate
 * notes on the CR any freeze it goes ahead in.
 */
export async function checkDeploymentFreeze(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  input: {
    environment: string;
    revision: InventoryRevision;
    base: InventoryRevision | null;
    changeRequest: ChangeRequest | null;
    emergency: boolean;
  },
): Promise<void> {
  const freezes = await loadFreezes(tx, actor);
  const now = deps.now();
  // Mostly no freeze is in force: the delta is worked out only when one might apply.
  if (activeWindowAt(freezes, now, { environment: input.environment, components: null }).length === 0) return;
  const target = await revisionEntries(tx, actor, input.revision);
  const base = input.base ? await revisionEntries(tx, actor, input.base) : null;
  const components = deployedComponents(input.revision, computeDelta(target, base));
  const cr = input.changeRequest;
  await checkFreeze(
    tx,
    actor,
    [
      {
        environment: input.environment,
        components,
        start: now,
        end: now,
        subject: `deploying ${named(components)} to ${input.environment} now`,
      },
    ],
    {
      changeRequest: cr,
      emergency: input.emergency,
      freezes,
      proceed: (names) =>
        `Wait for the freeze to end, deploy as an emergency change (--emergency), or have a change manager grant ${cr ? cr.number : 'an approved change request'} an override (${names
          .map(
            (n) => `changegate window override ${n} --change-request ${cr ? cr.number : 'CHG…'} --reason "…"`,
          )
          .join('; ')}) and deploy with --change-request-id ${cr ? cr.number : 'CHG…'}`,
    },
  );
}

/**
 * The gate's guards, when it moves the CR into implement (at once, or after a wait for approval):
 * freezes on the CR's plan and the moment of deployment (noting on the CR any freeze it goes ahead
 * in), and the major-incident block for what it deploys (src/services/guards/change-guards.ts).
 * Returns the freezes it goes ahead in, for the gate's record.
 */
export async function enforceGateFreeze(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  run: DeploymentRun,
  cr: ChangeRequest,
): Promise<FreezePass[]> {
  const revision =
    run.delta.length > 0 ? { entries: {} } : await requireRevision(tx, actor, run.targetRevisionId);
  return enforceChangeGuards(tx, deps, actor, cr, 'implement', {
    environment: run.environment,
    components: deployedComponents(revision, run.delta),
    pipelineRunId: run.pipelineRunId,
    emergency: run.options.emergency,
  });
}
