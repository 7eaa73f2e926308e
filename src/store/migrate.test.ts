import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli-process.js';
import { dialects, freshDatabase } from '../../test/support/dialects.js';
import { openDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';

describe.each(dialects)('migrations on %s', (dialect) => {
  it('create every table once and are a no-op when run again, even by two processes at once', async () => {
    const target = await freshDatabase(dialect, 'migrate');
    // Two real processes, as when a server and a CLI start together (one Node thread would block itself on SQLite's lock).
    const [p1, p2] = await Promise.all(
      [0, 1].map(() => runCli(['init', '--db', target.url, '--json'], { cwd: target.dir })),
    );
    expect([p1?.code, p2?.code], `${p1?.stderr}${p2?.stderr}`).toEqual([0, 0]);
    const a = openDatabase(target.url);
    try {
      expect(await migrateToLatest(a.db, a.dialect)).toEqual([]);
      const tenants = await a.db.selectFrom('tenants').select('slug').execute();
      expect(tenants).toEqual([{ slug: 'default' }]);
      const tables = (await a.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'tenants',
          'change_requests',
          'audit_events',
          'audit_heads',
          'api_tokens',
          'idempotency_keys',
        ]),
      );
      for (const table of tables.filter((t) => !t.startsWith('kysely_') && t !== 'tenants')) {
        const columns = (await a.db.introspection.getTables())
          .find((t) => t.name === table)
          ?.columns.map((c) => c.name);
        expect(columns, `${table} has tenant_id`).toContain('tenant_id');
      }
    } finally {
      await a.close();
      await target.cleanup();
    }
  });

  it.runIf(dialect === 'sqlite')('opens SQLite in WAL mode with synchronous=FULL', async () => {
    const target = await freshDatabase(dialect, 'pragmas');
    const opened = openDatabase(target.url);
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(opened.db);
      const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(opened.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      expect(sync.rows[0]?.synchronous).toBe(2);
    } finally {
      await opened.close();
      await target.cleanup();
    }
  });
});
