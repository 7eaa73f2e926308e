import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Change batches (issue 4): CRs across systems grouped into one maintenance window, scheduled and
 * approved together. A CR belongs to at most one batch.
 */
export function batches(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('change_batches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('planned_start', int8)
        .addColumn('planned_end', int8)
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('change_batches_tenant_number', ['tenant_id', 'number'])
        .addUniqueConstraint('change_batches_tenant_name', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('change_batch_members')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('batch_id', 'text', (c) => c.notNull().references('change_batches.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('added_by', 'text', (c) => c.notNull())
        .addColumn('added_at', int8, (c) => c.notNull())
        // One batch per CR; it also serves `cr get`'s lookup of a CR's batch.
        .addUniqueConstraint('change_batch_members_tenant_cr', ['tenant_id', 'change_request_id'])
        .execute();
      await db.schema
        .createIndex('change_batch_members_tenant_batch')
        .on('change_batch_members')
        .columns(['tenant_id', 'batch_id'])
        .execute();
    },
  };
}
