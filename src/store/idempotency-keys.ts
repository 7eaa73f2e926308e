import type { DbOrTx } from './database.js';

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  body: unknown;
}

export async function findIdempotentResponse(
  db: DbOrTx,
  tenantId: string,
  key: string,
): Promise<StoredResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  return (
    row && {
      requestHash: row.request_hash,
      statusCode: Number(row.status_code),
      body: JSON.parse(row.response_json),
    }
  );
}

/**
 * Claims a key inside the write's transaction. Returns false when another request already holds it;
 * on PostgreSQL a concurrent claimant waits for the first to commit or roll back before deciding.
 */
export async function claimIdempotencyKey(
  db: DbOrTx,
  tenantId: string,
  key: string,
  requestHash: string,
  at: number,
): Promise<boolean> {
  const result = await db
    .insertInto('idempotency_keys')
    .values({
      tenant_id: tenantId,
      key,
      request_hash: requestHash,
      status_code: 0,
      response_json: 'null',
      created_at: at,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function saveIdempotentResponse(
  db: DbOrTx,
  tenantId: string,
  key: string,
  statusCode: number,
  body: unknown,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: statusCode, response_json: JSON.stringify(body) })
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .execute();
}

/** Keys are kept long enough for any retry after a crash or timeout, then forgotten. */
export async function purgeIdempotencyKeys(db: DbOrTx, createdBefore: number): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', createdBefore)
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
