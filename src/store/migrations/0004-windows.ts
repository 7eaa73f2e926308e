import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';

/** Freeze and maintenance windows, and the overrides that let one change go ahead during a freeze. */
export function windows(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('change_windows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('starts_at', int8)
        .addColumn('ends_at', int8)
        .addColumn('rrule', 'text')
        .addColumn('start_time', 'text')
        .addColumn('duration_minutes', 'integer')
        .addColumn('time_zone', 'text')
        .addColumn('series_from', 'text')
        .addColumn('until_at', int8)
        .addColumn('environments_json', 'text', (c) => c.notNull())
        .addColumn('components_json', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('deleted_by', 'text')
        .addColumn('deleted_at', int8)
        .execute();
      // A name is unique among a tenant's windows that are not deleted; every check reads these.
      await db.schema
        .createIndex('change_windows_active_name')
        .on('change_windows')
        .columns(['tenant_id', 'name'])
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('window_overrides')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('window_id', 'text', (c) => c.notNull().references('change_windows.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('granted_at', int8, (c) => c.notNull())
        .addUniqueConstraint('window_overrides_window_cr', ['tenant_id', 'window_id', 'change_request_id'])
        .execute();
      await db.schema
        .createIndex('window_overrides_tenant_cr')
        .on('window_overrides')
        .columns(['tenant_id', 'change_request_id'])
        .execute();
    },
  };
}
