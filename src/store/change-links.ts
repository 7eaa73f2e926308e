import type { DbOrTx } from './database.js';

export interface ChangeLink {
  id: string;
  changeRequestId: string;
  /** e.g. `rollback_of` (this CR restores the revision of the target CR) or `rolled_back_by`. */
  kind: string;
  target: string;
  createdBy: string;
  createdAt: number;
}

export async function insertLink(db: DbOrTx, tenantId: string, link: ChangeLink): Promise<void> {
  await db
    .insertInto('change_links')
    .values({
      id: link.id,
      tenant_id: tenantId,
      change_request_id: link.changeRequestId,
      kind: link.kind,
      target: link.target,
      created_by: link.createdBy,
      created_at: link.createdAt,
    })
    .execute();
}

export async function listLinks(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<ChangeLink[]> {
  const rows = await db
    .selectFrom('change_links')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    changeRequestId: r.change_request_id,
    kind: r.kind,
    target: r.target,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

/**
 * Removes a CR's links of kind `incident` to one incident (an unlink, or a rejected cause that no
 * longer counts against the CR); how many there were.
 */
export async function deleteIncidentLinks(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
  incidentNumber: string,
): Promise<number> {
  const result = await db
    .deleteFrom('change_links')
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .where('kind', '=', 'incident')
    .where('target', '=', incidentNumber)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
