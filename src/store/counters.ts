import type { DbOrTx } from './database.js';

/**
 * Next value of a per-tenant counter. One atomic upsert: concurrent transactions queue on the row
 * lock (PostgreSQL) or the write lock (SQLite), and a rolled-back transaction gives its number back,
 * so numbers have neither gaps nor duplicates.
 */
export async function nextCounterValue(db: DbOrTx, tenantId: string, name: string): Promise<number> {
  const row = await db
    .insertInto('counters')
    .values({ tenant_id: tenantId, name, value: 1 })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'name']).doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })),
    )
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
