import { postgresAdminUrl, postgresReachable } from './postgres.js';

/**
 * Decides once whether the PostgreSQL half runs. Under CI=true it must: an unreachable server fails
 * the run instead of skipping silently. Elsewhere it is skipped with a visible notice.
 */
export default async function setup({ provide }: { provide: (key: 'postgres', value: boolean) => void }) {
  const problem =
    process.env.CHANGEGATE_TEST_PG === 'off'
      ? 'disabled by CHANGEGATE_TEST_PG=off'
      : await postgresReachable();
  if (problem && process.env.CI === 'true') {
    throw new Error(`CI=true but PostgreSQL at ${postgresAdminUrl} is not usable: ${problem}`);
  }
  if (problem) {
    process.stderr.write(
      `\n  NOTICE: PostgreSQL tests are SKIPPED (${problem}). Set CHANGEGATE_TEST_PG to a postgres:// URL to run them.\n\n`,
    );
  }
  provide('postgres', problem === null);
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: boolean;
  }
}
