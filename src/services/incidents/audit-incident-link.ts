import type { Incident } from '../../domain/incident.js';
import type { DbOrTx } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

/**
 * A link between an incident and a CR is one fact on two trails: the incident's and the CR's. Every
 * writer of such a link (incident link/unlink, a confirmed or rejected cause) audits it here.
 */
export async function auditIncidentLink(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  incident: Pick<Incident, 'id' | 'number'>,
  cr: { id: string; number: string },
  verb: 'linked' | 'unlinked',
  facts: Record<string, string>,
): Promise<void> {
  await recordAudit(tx, deps, actor, {
    action: `change_request.incident_${verb}`,
    entityType: 'change_request',
    entityId: cr.id,
    after: { number: cr.number, incidentId: incident.id, ...facts },
  });
  await recordAudit(tx, deps, actor, {
    action: `incident.change_${verb}`,
    entityType: 'incident',
    entityId: incident.id,
    after: { number: incident.number, changeRequestId: cr.id, ...facts },
  });
}
