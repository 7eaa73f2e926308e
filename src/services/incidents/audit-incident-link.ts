import type { Incident } from '../../domain/incident.js';
import type { DbOrTx } from '../../store/database.js';
import { auditLink } from '../audit/audit-link.js';
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
  await auditLink(
    tx,
    deps,
    actor,
    [
      {
        entityType: 'change_request',
        id: cr.id,
        number: cr.number,
        action: `change_request.incident_${verb}`,
      },
      { entityType: 'incident', id: incident.id, number: incident.number, action: `incident.change_${verb}` },
    ],
    facts,
  );
}
