import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * SIEM export (issue 5): how far each tenant's audit chain has been delivered to each destination.
 * The cursor is the last sequence number a destination acknowledged (docs/siem.md#resume).
 */
export function siemRetention(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('siem_cursors')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('seq', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('siem_cursors_pk', ['tenant_id', 'destination'])
        .execute();
    },
  };
}
