import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';

/** Tenants, change requests and what hangs off them, the audit chain, tokens and idempotency keys. */
export function foundation(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('counters')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('counters_pk', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('environments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('created_at', int8, (c) => c.notNull())
        .addUniqueConstraint('environments_tenant_name', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('change_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('approval', 'text', (c) => c.notNull())
        .addColumn('close_category', 'text')
        .addColumn('close_notes', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('environment', 'text')
        .addColumn('region', 'text')
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('assignee', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('purpose', 'text')
        .addColumn('impact', 'text')
        .addColumn('customer_impact', 'text', (c) => c.notNull())
        .addColumn('deployment_impact', 'text', (c) => c.notNull())
        .addColumn('backout_plan', 'text')
        .addColumn('risk', 'text')
        .addColumn('planned_start', int8)
        .addColumn('planned_end', int8)
        .addColumn('outage_minutes', 'integer', (c) => c.notNull())
        .addColumn('target_environment_purpose', 'text')
        .addColumn('target_environment_detail', 'text')
        .addColumn('deployment_ready', 'integer')
        .addColumn('target_fingerprint', 'text')
        .addColumn('pipeline_run_id', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('updated_at', int8, (c) => c.notNull())
        .addColumn('closed_at', int8)
        .addUniqueConstraint('change_requests_tenant_number', ['tenant_id', 'number'])
        .execute();
      for (const col of ['state', 'environment', 'created_at', 'type', 'approval']) {
        await db.schema
          .createIndex(`change_requests_tenant_${col}`)
          .on('change_requests')
          .columns(['tenant_id', col])
          .execute();
      }

      for (const table of ['approvals', 'comments']) {
        let t = db.schema
          .createTable(table)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
          .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'));
        t =
          table === 'approvals'
            ? t
                .addColumn('approver', 'text', (c) => c.notNull())
                .addColumn('decision', 'text', (c) => c.notNull())
                .addColumn('comment', 'text')
                .addColumn('decided_at', int8, (c) => c.notNull())
            : t
                .addColumn('author', 'text', (c) => c.notNull())
                .addColumn('body', 'text', (c) => c.notNull())
                .addColumn('created_at', int8, (c) => c.notNull());
        await t.execute();
        await db.schema
          .createIndex(`${table}_change_request`)
          .on(table)
          .columns(['tenant_id', 'change_request_id'])
          .execute();
      }

      await db.schema
        .createTable('attachments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', int8, (c) => c.notNull())
        .addColumn('content', sql.raw(bytes), (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('attachments_change_request')
        .on('attachments')
        .columns(['tenant_id', 'change_request_id'])
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('seq', int8, (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', int8, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('before_json', 'text')
        .addColumn('after_json', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_events_pk', ['tenant_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('audit_events_entity')
        .on('audit_events')
        .columns(['tenant_id', 'entity_id'])
        .execute();

      await db.schema
        .createTable('audit_heads')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
        .addColumn('seq', int8, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('revoked_at', int8)
        .execute();
      await db.schema
        .createIndex('api_tokens_tenant')
        .on('api_tokens')
        .columns(['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('response_json', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['tenant_id', 'key'])
        .execute();

      if (dialect === 'postgres') {
        // The audit log is append-only: even a direct SQL session cannot rewrite it without first
        // disabling this trigger, which takes table ownership and leaves a trace in the server log.
        await sql`
          create function changegate_audit_append_only() returns trigger language plpgsql as $$
          begin
            raise exception 'audit_events is append-only: % is not allowed', tg_op
              using errcode = 'insufficient_privilege';
          end $$`.execute(db);
        await sql`
          create trigger audit_events_append_only before update or delete on audit_events
          for each row execute function changegate_audit_append_only()`.execute(db);
        await sql`
          create trigger audit_events_no_truncate before truncate on audit_events
          for each statement execute function changegate_audit_append_only()`.execute(db);
      }
    },
  };
}
