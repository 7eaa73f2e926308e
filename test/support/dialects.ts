import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { type App, type AppOptions, createApp } from '../../src/app.js';
import { type AppConfig, loadConfig } from '../../src/config.js';
import { createPostgresDatabase } from './postgres.js';

export type TestDialect = 'sqlite' | 'postgres';

/** Both halves of the matrix; the PostgreSQL one only when the global setup found a server. */
export const dialects: TestDialect[] = inject('postgres') ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  url: string;
  dir: string;
  cleanup: () => Promise<void>;
}

/** A fresh, empty database of the dialect, plus a temporary directory for keys and files. */
export async function freshDatabase(dialect: TestDialect, label: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `changegate-${label}-`));
  if (dialect === 'sqlite') {
    return {
      url: join(dir, 'changegate.db'),
      dir,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const pg = await createPostgresDatabase(label);
  return {
    url: pg.url,
    dir,
    cleanup: async () => {
      await pg.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function testConfig(db: TestDatabase, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    ...loadConfig({}, {}),
    database: db.url,
    dataDir: db.dir,
    auditKeyPath: join(db.dir, 'audit-key.pem'),
    logLevel: 'silent',
    ...overrides,
  };
}

/** An app on a fresh database with a deterministic clock (advancing 1 s per read) and a quiet logger. */
export async function testApp(
  dialect: TestDialect,
  label: string,
  overrides: Partial<AppConfig> = {},
  options: AppOptions = {},
) {
  const db = await freshDatabase(dialect, label);
  let t = Date.parse('2026-01-05T09:00:00Z');
  const app: App = await createApp(testConfig(db, overrides), {
    now: () => (t += 1000),
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return {
    app,
    db,
    close: async () => {
      await app.close();
      await db.cleanup();
    },
  };
}
