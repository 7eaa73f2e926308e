import BetterSqlite3 from 'better-sqlite3';
import { type CompiledQuery, Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { actorIn } from '../../test/support/actors.js';
import { dialects, testApp } from '../../test/support/dialects.js';
import { seedDemoHistory } from '../cli/demo/seed-history.js';
import { changeEventsBetween } from './attribution.js';
import type { Database } from './schema.js';

const day = 86_400_000;

/**
 * The candidate query of change attribution must read the window through an index, not every CR of
 * the tenant: at a million changes a scan takes seconds for each incident opened (migration 0016).
 */
describe.each(dialects)('the attribution candidate query plan on %s', (dialect) => {
  it('finds changes implemented by hand through the index on their time, with and without an environment', async () => {
    const t = await testApp(dialect, 'attribution-plan');
    const admin = await actorIn(t.app, 'plan', 'admin@example.com');
    const seeded = await seedDemoHistory(t.app.deps, admin, {
      changes: 3000,
      incidents: 30,
      seed: 7,
      months: 6,
    });
    await sql`analyze`.execute(t.app.deps.db);
    const queries: CompiledQuery[] = [];
    const log = (event: LogEvent) => {
      if (event.level === 'query') queries.push(event.query);
    };
    const db = new Kysely<Database>({
      dialect:
        dialect === 'postgres'
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: t.db.url, max: 1 }) })
          : new SqliteDialect({ database: new BetterSqlite3(t.db.url) }),
      log,
    });
    try {
      const plans: string[] = [];
      for (const environment of ['prod', null]) {
        queries.length = 0;
        const to = seeded.until - 30 * day;
        await changeEventsBetween(db, admin.tenantId, { environment, from: to - day, to });
        const manual = queries.find((q) => q.sql.includes('coalesce'));
        if (!manual) throw new Error('the query for changes implemented by hand was not run');
        plans.push(await plan(db, manual));
      }
      for (const p of plans) expect(p).toContain('attribution_crs_tenant_changed_at');
    } finally {
      await db.destroy();
      await t.close();
    }
  });

  /** The plan as text; on PostgreSQL with sequential scans priced out, so a small table shows its index choice. */
  async function plan(db: Kysely<Database>, query: CompiledQuery): Promise<string> {
    if (dialect === 'sqlite') {
      const rows = await db.executeQuery<{ detail: string }>({
        ...query,
        sql: `explain query plan ${query.sql}`,
      });
      return rows.rows.map((r) => r.detail).join('\n');
    }
    return db.connection().execute(async (c) => {
      await sql`set enable_seqscan = off`.execute(c);
      const rows = await c.executeQuery<{ 'QUERY PLAN': string }>({ ...query, sql: `explain ${query.sql}` });
      return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }
});
