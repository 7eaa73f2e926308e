import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Incident fixes:
 * - incidents.last_delivery_at: the signed timestamp (epoch ms) of the last inbound webhook delivery
 *   applied to the incident, so an older delivery that arrives late is ignored instead of undoing a
 *   newer one (docs/incidents.md#delivery-order);
 * - change requests by the time attribution gives a change implemented by hand (planned start, else
 *   close, else last update): the candidate query's range (store/attribution.ts) otherwise reads every
 *   CR of the tenant. The expression is the query's own, so both dialects match it to the index.
 */
export function incidentFixes(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('incidents').addColumn('last_delivery_at', int8).execute();
      await db.schema
        .createIndex('attribution_crs_tenant_changed_at')
        .on('change_requests')
        .column('tenant_id')
        .expression(sql`coalesce(planned_start, closed_at, updated_at)`)
        .execute();
    },
  };
}
