import pg from 'pg';

/** Where the PostgreSQL half of the test matrix runs: CHANGEGATE_TEST_PG, else the local server. */
export const postgresAdminUrl =
  process.env.CHANGEGATE_TEST_PG || 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A throwaway database per suite, so suites run in parallel without seeing each other. */
export async function createPostgresDatabase(
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cg_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresAdminUrl });
      await c.connect();
      try {
        // Closed pools may still be saying goodbye; wait for them rather than killing them mid-sentence.
        for (let attempt = 0; ; attempt++) {
          try {
            await c.query(`drop database if exists "${name}"`);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}
