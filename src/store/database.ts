import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type DbOrTx = Kysely<Database> | Transaction<Database>;

export interface OpenedDatabase {
  db: Db;
  dialect: Dialect;
  /** Where it lives, without credentials: a file path or host/database. */
  location: string;
  close(): Promise<void>;
}

export const defaultDatabasePath = './.changegate/changegate.db';

export function dialectOf(target: string): Dialect {
  return /^postgres(ql)?:\/\//.test(target) ? 'postgres' : 'sqlite';
}

/** Opens a path (SQLite, WAL, synchronous=FULL) or a postgres:// URL. The only dialect-aware code besides migrations. */
export function openDatabase(target: string = defaultDatabasePath): OpenedDatabase {
  return dialectOf(target) === 'postgres' ? openPostgres(target) : openSqlite(target);
}

/**
 * SQLite's default `BEGIN` is deferred: two writers that both read first deadlock on upgrade and
 * one fails with SQLITE_BUSY regardless of the timeout. `BEGIN IMMEDIATE` takes the write lock up
 * front so concurrent processes (a server and a local CLI) queue behind busy_timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite runs DDL inside transactions, but Kysely's adapter says it does not, so its migrator would run
 * unlocked and two processes starting at once (a server and a CLI) would both apply a migration.
 * Saying yes makes the migrator use one BEGIN IMMEDIATE transaction, which serialises them.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Kysely prepares every statement anew; better-sqlite3 statements are reusable, and preparing is a
 * large share of a short query's cost. The queries are a bounded set of shapes, so cache by SQL text.
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= 1000) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * Switching a brand-new file to WAL needs an exclusive lock and SQLite answers BUSY at once rather
 * than waiting, so two processes creating the database together (a server and a CLI) retry briefly.
 */
function enableWal(sqlite: BetterSqlite3.Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      if (sqlite.pragma('journal_mode', { simple: true }) !== 'wal') sqlite.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 100) throw error;
      Atomics.wait(pause, 0, 0, 50);
    }
  }
}

function openSqlite(path: string): OpenedDatabase {
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file, { timeout: 10_000 });
  enableWal(sqlite);
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

// int8 (bigint) columns hold epoch milliseconds, well inside Number's safe range.
const int8 = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === int8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function openPostgres(url: string): OpenedDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes });
  // An idle connection dropped by the server (restart, failover) must not crash the process; the pool replaces it.
  pool.on('error', (error) => process.emitWarning(`PostgreSQL connection lost: ${error.message}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const u = new URL(url);
  return { db, dialect: 'postgres', location: `${u.host}${u.pathname}`, close: () => db.destroy() };
}

/** Runs fn inside the caller's transaction if there is one, else in a new one. */
export function inTransaction<T>(db: DbOrTx, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}

/**
 * Runs fn so that its failure undoes only its own writes: inside the caller's transaction under a
 * savepoint (SQLite and PostgreSQL both have them; a failed statement then no longer aborts the whole
 * PostgreSQL transaction), else in a transaction of its own. For loops that go on after one item fails.
 */
export async function inSavepoint<T>(db: DbOrTx, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  if (!db.isTransaction) return inTransaction(db, fn);
  await sql`savepoint changegate_item`.execute(db);
  try {
    const result = await fn(db);
    await sql`release savepoint changegate_item`.execute(db);
    return result;
  } catch (error) {
    await sql`rollback to savepoint changegate_item`.execute(db);
    await sql`release savepoint changegate_item`.execute(db);
    throw error;
  }
}

/**
 * For reports that only read: on PostgreSQL one transaction, so every query sees one snapshot; on
 * SQLite no transaction at all, because ours begin IMMEDIATE and would hold the write lock for the
 * whole report (in WAL mode plain reads never block writers).
 */
export function readOnly<T>(db: Db, dialect: Dialect, fn: (db: DbOrTx) => Promise<T>): Promise<T> {
  return dialect === 'postgres' ? db.transaction().execute(fn) : fn(db);
}

/** A unique constraint refused the write (SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
