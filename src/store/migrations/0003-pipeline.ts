import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The CD pipeline's records: applied configuration versions, inventory (entries, revisions, labels),
 * promotions, evidence, deployment runs with their per-environment lock, follow-up obligations and links.
 */
export function pipeline(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tenant_configs')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document_json', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('applied_by', 'text', (c) => c.notNull())
        .addColumn('applied_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('tenant_configs_pk', ['tenant_id', 'version'])
        .execute();

      await db.schema.alterTable('environments').addColumn('regions_json', 'text').execute();
      await db.schema
        .alterTable('environments')
        .addColumn('rollback_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('inventory_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('artifact', 'text', (c) => c.notNull())
        .addColumn('type', 'text')
        .addColumn('sha256', 'text')
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('repository_url', 'text', (c) => c.notNull())
        .addColumn('build_number', 'text')
        .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
        .addColumn('provenance', 'text')
        .addColumn('signature', 'text')
        .addColumn('app_artifacts_json', 'text')
        .addColumn('sbom_json', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('inventory_revisions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('entries_json', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addUniqueConstraint('inventory_revisions_tenant_env_seq', ['tenant_id', 'environment', 'seq'])
        .execute();

      await db.schema
        .createTable('inventory_labels')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('revision_id', 'text', (c) => c.notNull().references('inventory_revisions.id'))
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('inventory_labels_pk', ['tenant_id', 'environment', 'label'])
        .execute();

      await db.schema
        .createTable('promotions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('source_revision_id', 'text', (c) => c.notNull().references('inventory_revisions.id'))
        .addColumn('target_revision_id', 'text', (c) => c.notNull().references('inventory_revisions.id'))
        .addColumn('include_json', 'text', (c) => c.notNull())
        .addColumn('exclude_json', 'text', (c) => c.notNull())
        .addColumn('fields_json', 'text', (c) => c.notNull())
        .addColumn('labels_json', 'text', (c) => c.notNull())
        .addColumn('names_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('promotions_tenant_target')
        .on('promotions')
        .columns(['tenant_id', 'target', 'created_at'])
        .execute();

      await db.schema
        .createTable('evidence')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('evidence_type_id', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('assets_json', 'text', (c) => c.notNull())
        .addColumn('pipeline_run_id', 'text')
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('findings_json', 'text', (c) => c.notNull())
        .addColumn('issues_json', 'text', (c) => c.notNull())
        .addColumn('attachments_json', 'text', (c) => c.notNull())
        .addColumn('date', int8, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('evidence_tenant_run')
        .on('evidence')
        .columns(['tenant_id', 'pipeline_run_id'])
        .execute();
      await db.schema
        .createIndex('evidence_tenant_date')
        .on('evidence')
        .columns(['tenant_id', 'date'])
        .execute();
      // One row per (evidence, asset) so "evidence on these artifacts" is an indexed lookup.
      await db.schema
        .createTable('evidence_assets')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('asset', 'text', (c) => c.notNull())
        .addColumn('evidence_id', 'text', (c) => c.notNull().references('evidence.id'))
        .addPrimaryKeyConstraint('evidence_assets_pk', ['tenant_id', 'asset', 'evidence_id'])
        .execute();

      await db.schema
        .createTable('deployment_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('change_request_id', 'text', (c) => c.references('change_requests.id'))
        .addColumn('created_change_request', 'integer', (c) => c.notNull())
        .addColumn('promotion_id', 'text')
        .addColumn('target_revision_id', 'text', (c) => c.notNull())
        .addColumn('base_revision_id', 'text')
        .addColumn('delta_json', 'text', (c) => c.notNull())
        .addColumn('readiness_json', 'text', (c) => c.notNull())
        .addColumn('stages_json', 'text', (c) => c.notNull())
        .addColumn('options_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('started_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addColumn('finished_at', int8)
        .execute();
      for (const cols of [
        ['tenant_id', 'pipeline_run_id'],
        ['tenant_id', 'change_request_id'],
        ['tenant_id', 'environment', 'started_at'],
      ]) {
        await db.schema
          .createIndex(`deployment_runs_${cols.slice(1).join('_')}`)
          .on('deployment_runs')
          .columns(cols)
          .execute();
      }

      await db.schema
        .createTable('deployment_locks')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', int8, (c) => c.notNull())
        .addColumn('renewed_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_locks_pk', ['tenant_id', 'environment', 'region'])
        .execute();

      await db.schema
        .createTable('obligations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('due_at', int8)
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('completed_at', int8)
        .addColumn('completed_by', 'text')
        .execute();
      await db.schema
        .createIndex('obligations_tenant_cr')
        .on('obligations')
        .columns(['tenant_id', 'change_request_id'])
        .execute();

      await db.schema
        .createTable('change_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('change_links_tenant_cr')
        .on('change_links')
        .columns(['tenant_id', 'change_request_id'])
        .execute();
    },
  };
}
