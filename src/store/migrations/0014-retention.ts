import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Retention (docs/audit-trail.md#retention): `audit_cuts` records where a purge cut each tenant's chain
 * (the seq and hash of the last purged event); verification starts from the latest cut. On PostgreSQL
 * the append-only trigger now lets exactly one path delete: a transaction that set
 * `changegate.retention = 'on'` locally, and only events at or below the tenant's latest cut.
 */
export function retention(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_cuts')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('seq', int8, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('at', int8, (c) => c.notNull())
        .addColumn('archive', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_cuts_pk', ['tenant_id', 'seq'])
        .execute();

      if (dialect === 'postgres') {
        await sql`
          create or replace function changegate_audit_append_only() returns trigger language plpgsql as $$
          begin
            if tg_op = 'DELETE'
              and current_setting('changegate.retention', true) = 'on'
              and old.seq <= (select max(c.seq) from audit_cuts c where c.tenant_id = old.tenant_id) then
              return old;
            end if;
            raise exception 'audit_events is append-only: % is not allowed', tg_op
              using errcode = 'insufficient_privilege';
          end $$`.execute(db);
        // Cuts are part of the chain's proof: they are never edited or removed.
        await sql`
          create function changegate_audit_cuts_append_only() returns trigger language plpgsql as $$
          begin
            raise exception 'audit_cuts is append-only: % is not allowed', tg_op
              using errcode = 'insufficient_privilege';
          end $$`.execute(db);
        await sql`
          create trigger audit_cuts_append_only before update or delete on audit_cuts
          for each row execute function changegate_audit_cuts_append_only()`.execute(db);
        await sql`
          create trigger audit_cuts_no_truncate before truncate on audit_cuts
          for each statement execute function changegate_audit_cuts_append_only()`.execute(db);
      }
    },
  };
}
