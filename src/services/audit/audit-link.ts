import type { DbOrTx } from '../../store/database.js';
import type { Actor, ServiceDeps } from '../context.js';
import { recordAudit } from './record-audit.js';

/** How an event on one end of a link names the other end's id. */
const idKey = {
  change_request: 'changeRequestId',
  incident: 'incidentId',
  problem: 'problemId',
} as const;

export interface LinkEnd {
  entityType: keyof typeof idKey;
  id: string;
  number: string | null;
  /** The audit action written on this end's trail, e.g. `incident.change_linked`. */
  action: string;
}

/**
 * A link between two records (incident ↔ CR, problem ↔ incident, problem ↔ fix CR) is one fact on
 * two trails: one event on each end, in the order given, each naming the other end's id plus `facts`.
 */
export async function auditLink(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  ends: [LinkEnd, LinkEnd],
  facts: Record<string, unknown>,
): Promise<void> {
  const [first, second] = ends;
  for (const [end, other] of [
    [first, second],
    [second, first],
  ] as const) {
    await recordAudit(tx, deps, actor, {
      action: end.action,
      entityType: end.entityType,
      entityId: end.id,
      after: { number: end.number, [idKey[other.entityType]]: other.id, ...facts },
    });
  }
}
