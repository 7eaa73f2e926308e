import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Integrity the first schema left to the application: one active token per name, who moved a CR
 * into implementation (separation of duties), and an audit head that can only move forward.
 */
export function integrity(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('api_tokens_active_name')
        .on('api_tokens')
        .columns(['tenant_id', 'name'])
        .unique()
        .where(sql.ref('revoked_at'), 'is', null)
        .execute();
      await db.schema.alterTable('change_requests').addColumn('implemented_by', 'text').execute();

      if (dialect === 'postgres') {
        // Lowering the head would hide a tampered tail from verification; only forward moves are allowed.
        await sql`
          create function changegate_audit_head_forward_only() returns trigger language plpgsql as $$
          begin
            if tg_op in ('DELETE', 'TRUNCATE') then
              raise exception 'audit_heads only moves forward: % is not allowed', tg_op
                using errcode = 'insufficient_privilege';
            end if;
            if new.seq < old.seq or new.tenant_id <> old.tenant_id then
              raise exception 'audit_heads only moves forward: lowering it is not allowed'
                using errcode = 'insufficient_privilege';
            end if;
            return new;
          end $$`.execute(db);
        await sql`
          create trigger audit_heads_forward_only before update or delete on audit_heads
          for each row execute function changegate_audit_head_forward_only()`.execute(db);
        await sql`
          create trigger audit_heads_no_truncate before truncate on audit_heads
          for each statement execute function changegate_audit_head_forward_only()`.execute(db);
      }
    },
  };
}
