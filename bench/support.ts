import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Role } from '../src/domain/access.js';
import { requireTenant } from '../src/services/access/tenant-service.js';
import type { Actor } from '../src/services/context.js';

/** BENCH_QUICK=1 shrinks every size for a smoke run; the figures are then not worth quoting. */
export const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';

/** An integer from the environment, else the quick or the full default. */
export function sizeFromEnv(name: string, full: number, smoke: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  if (Number.isFinite(value) && value > 0) return Math.floor(value);
  return quick ? smoke : full;
}

/** What every benchmark hands back to run-all for the summary table. */
export interface BenchResult {
  name: string;
  unit: string;
  /** changegate's figure (higher is better). */
  subject: number;
  /** The same-run baseline's figure (higher is better). */
  baseline: number;
  baselineLabel: string;
  /** Extra lines for the report (what the baseline does, sizes, caveats). */
  notes: string[];
}

/** subject ÷ baseline: 1 means as fast as the baseline, 0.25 means a quarter of its throughput. */
export function ratio(r: Pick<BenchResult, 'subject' | 'baseline'>): number {
  return r.baseline > 0 ? r.subject / r.baseline : Number.NaN;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return 'n/a';
  const slower = r > 0 ? 1 / r : Number.NaN;
  return `${r.toFixed(3)} (baseline ${slower.toFixed(2)}x faster)`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// A closed pipe (`… | head`) must not kill a run before its finally blocks remove the temp dirs.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function header(title: string): void {
  log();
  log(`== ${title} ==`);
  log(`   node ${process.version}, ${cpus().length} CPU(s), tmp ${tmpdir()}${quick ? ', BENCH_QUICK' : ''}`);
}

export function printResult(r: BenchResult): void {
  log(`   changegate : ${fmt(r.subject)} ${r.unit}`);
  log(`   baseline   : ${fmt(r.baseline)} ${r.unit}  (${r.baselineLabel})`);
  log(`   ratio      : ${fmtRatio(ratio(r))}  [changegate / baseline]`);
  for (const note of r.notes) log(`   note       : ${note}`);
}

export interface TempDir {
  path: string;
  cleanup(): void;
}

export function tempDir(label: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `changegate-bench-${label}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface BenchApp {
  app: App;
  /** An admin in the default tenant. */
  actor: Actor;
  dir: TempDir;
  close(): Promise<void>;
}

/** A migrated app on a fresh SQLite file in a temp dir, with a silent logger. */
export async function benchApp(label: string, role: Role = 'admin'): Promise<BenchApp> {
  const dir = tempDir(label);
  try {
    const config = {
      ...loadConfig({}, {}),
      database: join(dir.path, 'changegate.db'),
      dataDir: dir.path,
      auditKeyPath: join(dir.path, 'audit-key.pem'),
      logLevel: 'silent',
    };
    const app = await createApp(config, { logger: pino({ level: 'silent' }) });
    const tenant = await requireTenant(app.deps, 'default');
    const actor: Actor = { tenantId: tenant.id, tenantSlug: tenant.slug, name: 'bench', role };
    return {
      app,
      actor,
      dir,
      close: async () => {
        try {
          await app.close();
        } finally {
          dir.cleanup();
        }
      },
    };
  } catch (error) {
    dir.cleanup();
    throw error;
  }
}

/** The same valid CR body the tests use. */
export { validChange } from '../test/support/actors.js';

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && url === pathToFileURL(entry).href;
}

/** Runs a benchmark as a script: prints its result, exits non-zero on failure. */
export function runStandalone(bench: () => Promise<BenchResult>): void {
  bench().then(
    () => {},
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
