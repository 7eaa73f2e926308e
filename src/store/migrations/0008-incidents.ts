import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Minimal incidents (issue 4; the incident issue extends them): what the major-incident block needs,
 * the authorizations an incident commander grants to single CRs, and the index conflict detection
 * reads (a tenant's CRs by environment and planned start).
 */
export function incidents(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('severity', 'text')
        .addColumn('components_json', 'text', (c) => c.notNull())
        .addColumn('environment', 'text')
        .addColumn('major', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('commander', 'text')
        .addColumn('started_at', int8, (c) => c.notNull())
        .addColumn('resolved_at', int8)
        .addColumn('resolved_by', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('incidents_tenant_number', ['tenant_id', 'number'])
        .execute();
      // The block check reads a tenant's open incidents at every scheduling, implement and deployment.
      await db.schema
        .createIndex('incidents_tenant_status')
        .on('incidents')
        .columns(['tenant_id', 'status'])
        .execute();

      await db.schema
        .createTable('incident_authorizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('authorized_by', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addUniqueConstraint('incident_authorizations_incident_cr', [
          'tenant_id',
          'incident_id',
          'change_request_id',
        ])
        .execute();
      await db.schema
        .createIndex('incident_authorizations_tenant_cr')
        .on('incident_authorizations')
        .columns(['tenant_id', 'change_request_id'])
        .execute();

      // Conflict detection: other CRs of the environment whose plan starts before this one ends.
      await db.schema
        .createIndex('change_requests_tenant_env_planned')
        .on('change_requests')
        .columns(['tenant_id', 'environment', 'planned_start'])
        .execute();
    },
  };
}
