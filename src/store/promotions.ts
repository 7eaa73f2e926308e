import type { Promotion } from '../domain/promotion.js';
import type { DbOrTx } from './database.js';
import type { PromotionsTable } from './schema.js';

function toPromotion(row: PromotionsTable): Promotion {
  return {
    id: row.id,
    source: row.source,
    target: row.target,
    sourceRevisionId: row.source_revision_id,
    targetRevisionId: row.target_revision_id,
    include: JSON.parse(row.include_json),
    exclude: JSON.parse(row.exclude_json),
    fields: JSON.parse(row.fields_json),
    labels: JSON.parse(row.labels_json),
    names: JSON.parse(row.names_json),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function insertPromotion(db: DbOrTx, tenantId: string, p: Promotion): Promise<void> {
  await db
    .insertInto('promotions')
    .values({
      id: p.id,
      tenant_id: tenantId,
      source: p.source,
      target: p.target,
      source_revision_id: p.sourceRevisionId,
      target_revision_id: p.targetRevisionId,
      include_json: JSON.stringify(p.include),
      exclude_json: JSON.stringify(p.exclude),
      fields_json: JSON.stringify(p.fields),
      labels_json: JSON.stringify(p.labels),
      names_json: JSON.stringify(p.names),
      created_by: p.createdBy,
      created_at: p.createdAt,
    })
    .execute();
}

/** The last promotion to an environment (the "last merged promotion pull request"). */
export async function lastPromotion(
  db: DbOrTx,
  tenantId: string,
  target: string,
): Promise<Promotion | undefined> {
  const row = await db
    .selectFrom('promotions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('target', '=', target)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toPromotion(row);
}

export async function findPromotion(
  db: DbOrTx,
  tenantId: string,
  id: string,
): Promise<Promotion | undefined> {
  const row = await db
    .selectFrom('promotions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toPromotion(row);
}
