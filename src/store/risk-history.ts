import { sql } from 'kysely';
import type { CloseCategory } from '../domain/change-request.js';
import type { Criticality } from '../domain/component.js';
import type { DbOrTx } from './database.js';

/**
 * What the risk assessment reads (docs/risk.md): the criticality of a CR's components, and the
 * concluded changes like it with what went wrong with them. Served by the existing indexes
 * change_requests (tenant_id, environment), deployment_runs and change_links (tenant_id, change_request_id).
 */

export async function componentCriticalities(
  db: DbOrTx,
  tenantId: string,
  names: string[],
): Promise<Map<string, Criticality>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectFrom('components')
    .select(['name', 'criticality'])
    .where('tenant_id', '=', tenantId)
    .where('name', 'in', names)
    .execute();
  return new Map(rows.map((r) => [r.name, r.criticality as Criticality]));
}

export interface SimilarChange {
  id: string;
  number: string;
  closeCategory: CloseCategory | null;
  /** Why it counts as failed; empty when it went well. */
  failures: string[];
}

/** Pipeline statuses of a deployment that failed and was (or tried to be) rolled back. */
const rolledBackStatuses = ['failed_deployment_successful_rollback', 'failed_deployment_failed_rollback'];
/** `incident`: linked to an incident; `rollback_of`: created by `changegate rollback` to undo what was there. */
const failureLinks = ['incident', 'rollback_of'];

/**
 * Concluded CRs (closed, or in review with a close category) in the environment, created at or after
 * `since`, that name at least one of the components; each with the reasons it counts as failed.
 */
export async function similarConcludedChanges(
  db: DbOrTx,
  tenantId: string,
  query: { environment: string; components: string[]; since: number; excludeId?: string },
): Promise<SimilarChange[]> {
  if (query.components.length === 0) return [];
  const wanted = new Set(query.components);
  // A LIKE per component narrows the rows; the exact match on the parsed list decides.
  const patterns = query.components.map(
    (c) => `%${JSON.stringify(c).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`,
  );
  const rows = await db
    .selectFrom('change_requests')
    .select(['id', 'number', 'close_category', 'components_json'])
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', query.environment)
    .where('created_at', '>=', query.since)
    .where((eb) =>
      eb.or([
        eb('state', '=', 'closed'),
        eb.and([eb('state', '=', 'review'), eb('close_category', 'is not', null)]),
      ]),
    )
    .where((eb) => eb.or(patterns.map((p) => sql<boolean>`components_json like ${p} escape '\\'`)))
    .$if(query.excludeId !== undefined, (q) => q.where('id', '!=', query.excludeId ?? ''))
    .orderBy('id')
    .execute();
  const similar = rows.filter((r) => (JSON.parse(r.components_json) as string[]).some((c) => wanted.has(c)));
  const reasons = await failureReasons(
    db,
    tenantId,
    similar.map((r) => r.id),
  );
  return similar.map((r) => {
    const failures = [...(reasons.get(r.id) ?? [])];
    if (r.close_category === 'unsuccessful') failures.unshift('closed unsuccessful');
    return {
      id: r.id,
      number: r.number,
      closeCategory: r.close_category as CloseCategory | null,
      failures,
    };
  });
}

const chunkSize = 500;

async function failureReasons(db: DbOrTx, tenantId: string, ids: string[]): Promise<Map<string, string[]>> {
  const reasons = new Map<string, string[]>();
  const add = (id: string, why: string) => {
    const list = reasons.get(id) ?? [];
    if (!list.includes(why)) list.push(why);
    reasons.set(id, list);
  };
  for (let i = 0; i < ids.length; i += chunkSize) {
    const chunk = ids.slice(i, i + chunkSize);
    const runs = await db
      .selectFrom('deployment_runs')
      .select(['change_request_id', 'status'])
      .where('tenant_id', '=', tenantId)
      .where('change_request_id', 'in', chunk)
      .where('status', 'in', rolledBackStatuses)
      .execute();
    for (const r of runs) if (r.change_request_id) add(r.change_request_id, 'deployment rolled back');
    const links = await db
      .selectFrom('change_links')
      .select(['change_request_id', 'kind', 'target'])
      .where('tenant_id', '=', tenantId)
      .where('change_request_id', 'in', chunk)
      .where('kind', 'in', failureLinks)
      .orderBy('created_at')
      .execute();
    for (const l of links)
      add(l.change_request_id, l.kind === 'incident' ? `incident ${l.target}` : `rollback to ${l.target}`);
  }
  return reasons;
}
