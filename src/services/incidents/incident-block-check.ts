import type { ChangeRequest } from '../../domain/change-request.js';
import { AppError } from '../../domain/errors.js';
import type { Incident } from '../../domain/incident.js';
import {
  authorizeCommand,
  type BlockSubject,
  decideIncidentBlock,
  explainIncidentBlock,
  type IncidentBlockDecision,
} from '../../domain/incident-block.js';
import { effectiveRisk } from '../../domain/risk-assessment.js';
import type { DbOrTx } from '../../store/database.js';
import { listIncidentAuthorizations, listIncidents } from '../../store/incidents.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

/** Where the change goes: by hand or by approval into `scheduled`/`implement`, or through the deployment gate. */
export interface IncidentBlockMoment {
  to: 'scheduled' | 'implement';
  /** At the deployment gate: the environment and components it deploys. */
  deployment?: { environment: string; components: readonly string[]; pipelineRunId: string };
}

/** What the change touches: the CR's components and environment, and at the gate what it deploys. */
export function blockSubject(cr: ChangeRequest, moment: IncidentBlockMoment): BlockSubject {
  const deployed = moment.deployment?.components ?? [];
  return {
    number: cr.number,
    environment: moment.deployment?.environment ?? cr.environment,
    components: [...new Set([...cr.components, ...deployed])].sort(),
    risk: effectiveRisk(cr),
  };
}

/** The decision for a CR now: the open major incidents of the tenant and the CR's authorizations. */
export async function incidentBlockFor(
  db: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  cr: ChangeRequest,
  moment: IncidentBlockMoment,
): Promise<IncidentBlockDecision> {
  const subject = blockSubject(cr, moment);
  // Most of the time nothing is open: the authorizations are read only when an incident might apply.
  const open = await listIncidents(db, actor.tenantId, { status: 'open', major: true });
  const none: IncidentBlockDecision = { blocking: [], authorized: [] };
  if (open.length === 0) return none;
  const authorizations = await listIncidentAuthorizations(db, actor.tenantId, { changeRequestId: cr.id });
  return decideIncidentBlock(open, subject, new Set(authorizations.map((a) => a.incidentId)));
}

/**
 * The block, enforced: throws `conflict` naming every blocking incident, its commander and the command
 * to authorize this CR; a CR that goes ahead on an authorization gets an audit event saying so.
 */
export async function enforceIncidentBlock(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  moment: IncidentBlockMoment,
): Promise<void> {
  const decision = await incidentBlockFor(tx, actor, cr, moment);
  const subject = blockSubject(cr, moment);
  if (decision.blocking.length > 0) {
    const action = moment.deployment
      ? `be deployed to ${moment.deployment.environment}`
      : `enter ${moment.to}`;
    const rerun = moment.deployment
      ? `; then rerun the deployment with --change-request-id ${cr.number}`
      : '';
    throw new AppError('conflict', `${explainIncidentBlock(subject, action, decision.blocking)}${rerun}`, {
      field: 'incident',
      incidents: decision.blocking.map((i) => ({
        number: i.number,
        title: i.title,
        commander: i.commander,
        authorize: authorizeCommand(i.number, cr.number),
      })),
    });
  }
  for (const incident of decision.authorized) await notePass(tx, deps, actor, cr, incident, moment);
}

async function notePass(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  incident: Incident,
  moment: IncidentBlockMoment,
): Promise<void> {
  await recordAudit(tx, deps, actor, {
    action: 'change_request.incident_block_passed',
    entityType: 'change_request',
    entityId: cr.id,
    after: {
      number: cr.number,
      incident: incident.number,
      incidentId: incident.id,
      commander: incident.commander,
      entering: moment.to,
      pipelineRunId: moment.deployment?.pipelineRunId ?? null,
    },
  });
}
