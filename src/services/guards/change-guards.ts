import type { ChangeRequest } from '../../domain/change-request.js';
import type { DbOrTx } from '../../store/database.js';
import type { Actor, ServiceDeps } from '../context.js';
import { enforceIncidentBlock } from '../incidents/incident-block-check.js';
import { type DeploymentMoment, enforceChangeFreeze, type FreezePass } from '../windows/freeze-check.js';

/**
 * Everything that keeps a CR out of `scheduled` or `implement` for reasons of *when*, in one place:
 * freezes (docs/windows.md) and the major-incident block (docs/incidents.md). Called wherever a CR
 * enters those states — by hand, by approval, from a template, and at the deployment gate (with
 * `deployment`). Throws `conflict` naming what blocks and how to go on; writes nothing then. Returns
 * the freezes the CR goes ahead in (as an emergency or under an override).
 */
export async function enforceChangeGuards(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  to: 'scheduled' | 'implement',
  deployment?: DeploymentMoment,
): Promise<FreezePass[]> {
  const passes = await enforceChangeFreeze(tx, deps, actor, cr, to, deployment);
  await enforceIncidentBlock(tx, deps, actor, cr, {
    to,
    deployment: deployment && {
      environment: deployment.environment,
      components: deployment.components,
      pipelineRunId: deployment.pipelineRunId,
    },
  });
  return passes;
}
