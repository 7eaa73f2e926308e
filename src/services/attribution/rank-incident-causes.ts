import { explainCause, type RankedCause, rankCauses } from '../../domain/attribution.js';
import type { Incident } from '../../domain/incident.js';
import {
  changeEventsBetween,
  deleteCandidates,
  type IncidentCause,
  insertCause,
  listCauses,
  updateCandidate,
} from '../../store/attribution.js';
import type { DbOrTx } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';

type IncidentScope = Pick<Incident, 'id' | 'number' | 'startedAt' | 'components' | 'environment'>;

/**
 * Ranks the changes that may have caused the incident and stores them as `candidate` causes, in the
 * caller's transaction: new ones are added, known candidates re-scored, candidates no longer found
 * dropped; confirmed and rejected causes stay as the humans left them. Called when an incident is
 * recorded (CLI, API, inbound webhook) and by `incident causes --rerank`.
 */
export async function rankIncidentCauses(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  incident: IncidentScope,
): Promise<RankedCause[]> {
  const { config } = await loadTenantConfig(tx, actor.tenantId);
  const windowMs = config.attribution.windowMs;
  const events = await changeEventsBetween(tx, actor.tenantId, {
    environment: incident.environment,
    from: incident.startedAt - windowMs,
    to: incident.startedAt,
  });
  const ranked = rankCauses(incident, events, windowMs);
  const existing = new Map(
    (await listCauses(tx, actor.tenantId, incident.id)).map((c) => [c.changeRequestId, c]),
  );
  const added: string[] = [];
  const rescored: string[] = [];
  for (const r of ranked) {
    const fields = {
      deploymentRunId: r.change.deploymentRunId,
      confidence: r.confidence,
      explanation: explainCause(r.factors),
    };
    const known = existing.get(r.change.changeRequestId);
    existing.delete(r.change.changeRequestId);
    if (!known) {
      await insertCause(tx, actor.tenantId, {
        id: deps.newId(),
        incidentId: incident.id,
        changeRequestId: r.change.changeRequestId,
        status: 'candidate',
        decidedBy: null,
        decidedAt: null,
        decisionNote: null,
        createdAt: deps.now(),
        ...fields,
      });
      added.push(r.change.changeRequestNumber);
    } else if (known.status === 'candidate' && changed(known, fields)) {
      await updateCandidate(tx, actor.tenantId, known.id, fields);
      rescored.push(r.change.changeRequestNumber);
    }
  }
  const stale = [...existing.values()].filter((c) => c.status === 'candidate');
  await deleteCandidates(
    tx,
    actor.tenantId,
    stale.map((c) => c.id),
  );
  if (added.length + rescored.length + stale.length > 0) {
    await recordAudit(tx, deps, actor, {
      action: 'incident.causes_ranked',
      entityType: 'incident',
      entityId: incident.id,
      after: {
        number: incident.number,
        window: config.attribution.window,
        ranked: ranked.map((r) => ({
          changeRequest: r.change.changeRequestNumber,
          confidence: r.confidence,
        })),
        added,
        rescored,
        dropped: stale.map((c) => c.changeRequestNumber),
      },
    });
  }
  return ranked;
}

function changed(known: IncidentCause, fields: { confidence: number; explanation: string }): boolean {
  return known.confidence !== fields.confidence || known.explanation !== fields.explanation;
}
