import { sql } from 'kysely';
import type { ServiceDeps } from './context.js';

/** Readiness: the database answers a trivial query. Throws with the driver's reason when it does not. */
export async function checkDatabase(deps: ServiceDeps): Promise<void> {
  await sql`select 1`.execute(deps.db);
}
