import type { Kysely, Updateable } from 'kysely';
import type { DbOrTx } from './database.js';
import type { Database } from './schema.js';

/** Tables whose rows belong to a tenant and are named by an id. */
type TenantTable = {
  [K in keyof Database]: Database[K] extends { id: string; tenant_id: string } ? K : never;
}[keyof Database];

/** A condition the row must still meet: `column = value`, or `column is null` for null. */
export interface RowGuard<T extends TenantTable> {
  column: keyof Database[T] & string;
  is: string | number | null;
}

/** Kysely cannot type a query over a table chosen by a type parameter; the signature above checks callers. */
type UntypedTables = Record<string, { id: string; tenant_id: string; [column: string]: unknown }>;

/**
 * Updates one of the tenant's rows by id (only the columns in `set`), and only while `guard` still
 * holds when one is given (still open, not deleted yet). True when the row was updated; false tells
 * the caller another request got there first, or that no such row is the tenant's.
 */
export async function updateTenantRow<T extends TenantTable>(
  db: DbOrTx,
  table: T,
  key: { tenantId: string; id: string },
  set: Updateable<Database[T]>,
  guard?: RowGuard<T>,
): Promise<boolean> {
  let query = (db as unknown as Kysely<UntypedTables>)
    .updateTable(table as string)
    .set(set as Record<string, unknown>)
    .where('tenant_id', '=', key.tenantId)
    .where('id', '=', key.id);
  if (guard) query = query.where(guard.column as string, guard.is === null ? 'is' : '=', guard.is);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
