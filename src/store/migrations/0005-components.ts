import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The ownership registry (issue 4): groups with their members, components owned by a group, and the
 * components a change request names. A component refers to its group by id, so a group that owns
 * components cannot be deleted even by a write that raced the service's check.
 */
export function components(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('idp_groups_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('groups_tenant_name', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('group_members')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
        .addColumn('member', 'text', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull())
        .addColumn('added_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['tenant_id', 'group_id', 'member'])
        .execute();
      // Routing will ask "which groups is this person in?".
      await db.schema
        .createIndex('group_members_tenant_member')
        .on('group_members')
        .columns(['tenant_id', 'member'])
        .execute();

      await db.schema
        .createTable('components')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner_group_id', 'text', (c) => c.notNull().references('groups.id'))
        .addColumn('criticality', 'text', (c) => c.notNull())
        .addColumn('environments_json', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('components_tenant_name', ['tenant_id', 'name'])
        .execute();
      await db.schema
        .createIndex('components_tenant_owner')
        .on('components')
        .columns(['tenant_id', 'owner_group_id'])
        .execute();

      await db.schema
        .alterTable('change_requests')
        .addColumn('components_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  };
}
