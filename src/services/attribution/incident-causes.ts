import type { Incident } from '../../domain/incident.js';
import { type IncidentCause, listCauses } from '../../store/attribution.js';
import { inTransaction } from '../../store/database.js';
import type { Actor, ServiceDeps } from '../context.js';
import { requireIncident } from '../incidents/incident-service.js';
import { rankIncidentCauses } from './rank-incident-causes.js';

/** The incident's causes, ranked; `rerank` ranks the changes again first (an audited write). */
export async function listIncidentCauses(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  options: { rerank?: boolean } = {},
): Promise<{ incident: Incident; causes: IncidentCause[] }> {
  if (!options.rerank) {
    const incident = await requireIncident(deps.db, deps, actor, ref);
    return { incident, causes: await listCauses(deps.db, actor.tenantId, incident.id) };
  }
  return inTransaction(deps.db, async (tx) => {
    const incident = await requireIncident(tx, deps, actor, ref, { lock: true });
    await rankIncidentCauses(tx, deps, actor, incident);
    return { incident, causes: await listCauses(tx, actor.tenantId, incident.id) };
  });
}
