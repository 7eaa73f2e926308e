import type { ChangeRequest } from '../domain/change-request.js';
import { toChangeRequest } from './change-requests.js';
import type { DbOrTx } from './database.js';

/**
 * Live change requests of an environment whose planned window overlaps [start, end): the candidates
 * for conflict detection (src/domain/conflicts.ts decides). Reads the (tenant, environment,
 * planned_start) index.
 */
export async function listPlannedOverlapping(
  db: DbOrTx,
  tenantId: string,
  filter: { environment: string; start: number; end: number; excludeId: string },
): Promise<ChangeRequest[]> {
  const rows = await db
    .selectFrom('change_requests')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', filter.environment)
    .where('planned_start', '<', filter.end)
    .where('planned_end', '>', filter.start)
    .where('state', 'not in', ['closed', 'canceled'])
    .where('id', '!=', filter.excludeId)
    .orderBy('planned_start')
    .orderBy('number')
    .execute();
  return rows.map(toChangeRequest);
}
