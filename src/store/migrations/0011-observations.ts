import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Unauthorized-change detection and the compliance report (issue 5): the records drift monitors raise
 * when what runs matches no approved change, and the indexes the report's queries filter on.
 */
export function observations(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('unauthorized_changes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('component', 'text', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('digest', 'text')
        .addColumn('observed_at', int8, (c) => c.notNull())
        .addColumn('last_observed_at', int8, (c) => c.notNull())
        .addColumn('times_observed', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('explanation', 'text', (c) => c.notNull())
        // The drift (environment, component, version, digest) while the record is not resolved, else null:
        // unique, so re-reporting the same drift finds the open record instead of adding one.
        .addColumn('open_key', 'text')
        .addColumn('acknowledged_by', 'text')
        .addColumn('acknowledged_at', int8)
        .addColumn('resolved_by', 'text')
        .addColumn('resolved_at', int8)
        .addColumn('note', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addUniqueConstraint('unauthorized_changes_tenant_number', ['tenant_id', 'number'])
        .addUniqueConstraint('unauthorized_changes_tenant_open_key', ['tenant_id', 'open_key'])
        .execute();
      await db.schema
        .createIndex('unauthorized_changes_tenant_observed')
        .on('unauthorized_changes')
        .columns(['tenant_id', 'observed_at'])
        .execute();

      // The compliance report's range scans (change_requests_tenant_created_at exists since 0001).
      await db.schema
        .createIndex('compliance_runs_tenant_started')
        .on('deployment_runs')
        .columns(['tenant_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('compliance_approvals_tenant_decided')
        .on('approvals')
        .columns(['tenant_id', 'decided_at'])
        .execute();
      await db.schema
        .createIndex('compliance_obligations_tenant_kind')
        .on('obligations')
        .columns(['tenant_id', 'kind', 'created_at'])
        .execute();
      await db.schema
        .createIndex('compliance_audit_tenant_action_at')
        .on('audit_events')
        .columns(['tenant_id', 'action', 'at'])
        .execute();
    },
  };
}
