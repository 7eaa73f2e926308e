import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Insight (issue 5), the records several features share: incidents grow detection time and a source
 * (an inbound webhook's external id, unique per tenant), problems and their incidents, the candidate
 * and confirmed causing changes of an incident, and a CR's origin (a vendor's change is reported apart).
 */
export function insight(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';
  const real = dialect === 'postgres' ? 'double precision' : 'real';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('incidents').addColumn('detected_at', int8).execute();
      await db.schema.alterTable('incidents').addColumn('source', 'text').execute();
      await db.schema.alterTable('incidents').addColumn('external_id', 'text').execute();
      await db.schema
        .createIndex('incidents_tenant_external')
        .on('incidents')
        .columns(['tenant_id', 'external_id'])
        .unique()
        .where('external_id', 'is not', null)
        .execute();
      await db.schema
        .createIndex('incidents_tenant_started')
        .on('incidents')
        .columns(['tenant_id', 'started_at'])
        .execute();
      await db.schema.alterTable('change_requests').addColumn('origin', 'text').execute();

      await db.schema
        .createTable('problems')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('root_cause', 'text')
        .addColumn('fix_change_request_id', 'text', (c) => c.references('change_requests.id'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addColumn('resolved_at', int8)
        .addUniqueConstraint('problems_tenant_number', ['tenant_id', 'number'])
        .execute();
      await db.schema
        .createTable('problem_incidents')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('problem_id', 'text', (c) => c.notNull().references('problems.id'))
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
        .addColumn('linked_by', 'text', (c) => c.notNull())
        .addColumn('linked_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('problem_incidents_pk', ['tenant_id', 'problem_id', 'incident_id'])
        .execute();

      await db.schema
        .createTable('incident_causes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('deployment_run_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('confidence', real, (c) => c.notNull())
        .addColumn('explanation', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', int8)
        .addColumn('decision_note', 'text')
        .addColumn('created_at', int8, (c) => c.notNull())
        .addUniqueConstraint('incident_causes_pair', ['tenant_id', 'incident_id', 'change_request_id'])
        .execute();
      await db.schema
        .createIndex('incident_causes_tenant_status')
        .on('incident_causes')
        .columns(['tenant_id', 'status', 'change_request_id'])
        .execute();
    },
  };
}
