import type { DbOrTx } from './database.js';

/** The last sequence number a SIEM destination acknowledged for a tenant, or undefined when never sent. */
export async function readSiemCursor(
  db: DbOrTx,
  tenantId: string,
  destination: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('siem_cursors')
    .select('seq')
    .where('tenant_id', '=', tenantId)
    .where('destination', '=', destination)
    .executeTakeFirst();
  return row ? Number(row.seq) : undefined;
}

export async function saveSiemCursor(
  db: DbOrTx,
  cursor: { tenantId: string; destination: string; format: string; seq: number; at: number },
): Promise<void> {
  await db
    .insertInto('siem_cursors')
    .values({
      tenant_id: cursor.tenantId,
      destination: cursor.destination,
      format: cursor.format,
      seq: cursor.seq,
      updated_at: cursor.at,
    })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'destination'])
        .doUpdateSet({ format: cursor.format, seq: cursor.seq, updated_at: cursor.at }),
    )
    .execute();
}
