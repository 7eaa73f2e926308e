import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Change models (issue 4): standard change templates, category checklists and the items completed
 * on a CR; a CR records its category and the template it came from.
 */
export function templates(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('change_templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('presets_json', 'text', (c) => c.notNull())
        .addColumn('components_json', 'text', (c) => c.notNull())
        .addColumn('environments_json', 'text', (c) => c.notNull())
        .addColumn('max_risk', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('change_templates_tenant_name', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('checklists')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('items_json', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('checklists_tenant_category', ['tenant_id', 'category'])
        .execute();

      await db.schema
        .createTable('checklist_checks')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('checked_by', 'text', (c) => c.notNull())
        .addColumn('checked_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('checklist_checks_pk', ['tenant_id', 'change_request_id', 'item'])
        .execute();

      await db.schema.alterTable('change_requests').addColumn('category', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('template', 'text').execute();
    },
  };
}
