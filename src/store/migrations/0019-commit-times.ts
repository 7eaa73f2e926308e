import type { Kysely } from 'kysely';

/**
 * When an inventory entry's commit was made, if CI says so (`inventory add --committed-at`): the
 * metrics' lead time for changes then starts at the commit rather than at the build (docs/metrics.md).
 */
export function commitTimes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('inventory_entries').addColumn('committed_at', 'bigint').execute();
    },
  };
}
