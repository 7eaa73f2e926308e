import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { type App, createApp } from '../src/app.js';
import { seedDemoHistory } from '../src/cli/demo/seed-history.js';
import { loadConfig } from '../src/config.js';
import { requireTenant } from '../src/services/access/tenant-service.js';
import type { Actor } from '../src/services/context.js';
import { assessTenantMaturity } from '../src/services/maturity/assess-tenant-maturity.js';
import { computeMetrics } from '../src/services/metrics/compute-metrics.js';
import type { Dialect } from '../src/store/database.js';
import type { TimeResult } from './deploy-overhead.js';
import { printTimeResult } from './deploy-overhead.js';
import {
  elapsedMs,
  fmt,
  header,
  isMain,
  log,
  median,
  runStandalone,
  sizeFromEnv,
  tempDir,
} from './support.js';

/**
 * Benchmark: the full metrics report and the maturity assessment over a seeded history
 * (`demo seed`: 1,000,000 changes and 100,000 incidents; BENCH_QUICK: 20,000 and 2,000) on SQLite
 * and PostgreSQL, against a plain COUNT(*) over change_requests in the same run. Prints the peak
 * resident memory while the reports run. Target: under one second per report.
 */

const pgAdmin = process.env.CHANGEGATE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = 3;

interface Target {
  dialect: Dialect;
  url: string;
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dir = tempDir('insight');
  return { dialect: 'sqlite', url: join(dir.path, 'changegate.db'), cleanup: async () => dir.cleanup() };
}

async function postgresTarget(): Promise<Target | null> {
  const name = `changegate_bench_insight_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgAdmin });
  try {
    await admin.connect();
  } catch (error) {
    log(`   PostgreSQL at ${pgAdmin} unreachable (${(error as Error).message}): skipped`);
    return null;
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(pgAdmin);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    url: url.toString(),
    cleanup: async () => {
      const drop = new pg.Client({ connectionString: pgAdmin });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`);
      await drop.end();
    },
  };
}

/** Peak RSS while `work` runs, sampled every 20 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function timeMedian(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(elapsedMs(start));
  }
  return median(times);
}

async function benchOn(target: Target, changes: number, incidents: number): Promise<TimeResult[]> {
  const dir = tempDir('insight-keys');
  let app: App | undefined;
  try {
    const config = {
      ...loadConfig({}, {}),
      database: target.url,
      dataDir: dir.path,
      auditKeyPath: join(dir.path, 'audit-key.pem'),
      logLevel: 'silent',
    };
    app = await createApp(config, { logger: pino({ level: 'silent' }) });
    const tenant = await requireTenant(app.deps, 'default');
    const actor: Actor = { tenantId: tenant.id, tenantSlug: tenant.slug, name: 'bench', role: 'admin' };
    const seedStart = process.hrtime.bigint();
    await seedDemoHistory(app.deps, actor, { changes, incidents, seed: 42, months: 12 });
    log(
      `   ${target.dialect}: seeded ${fmt(changes)} changes, ${fmt(incidents)} incidents in ${fmt(elapsedMs(seedStart) / 1000, 1)} s`,
    );

    const deps = app.deps;
    const count = () =>
      deps.db
        .selectFrom('change_requests')
        .where('tenant_id', '=', actor.tenantId)
        .select(deps.db.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
    await count();
    const countMs = await timeMedian(count);
    const maturity = await withPeakRss(() => timeMedian(() => assessTenantMaturity(deps, actor)));
    const metrics = await withPeakRss(() => timeMedian(() => computeMetrics(deps, actor, {})));
    const label = `plain COUNT(*) over ${fmt(changes)} change_requests`;
    const sizes = `${fmt(changes)} changes, ${fmt(incidents)} incidents, median of ${rounds}`;
    const results: TimeResult[] = [
      {
        name: `Maturity assessment (${target.dialect})`,
        unit: 'ms',
        subject: maturity.value,
        baseline: countMs,
        baselineLabel: label,
        notes: [sizes, `peak RSS while assessing ${fmt(maturity.peakMb)} MB`],
        lowerIsBetter: true,
      },
      {
        name: `Metrics report (${target.dialect})`,
        unit: 'ms',
        subject: metrics.value,
        baseline: countMs,
        baselineLabel: label,
        notes: [sizes, `peak RSS while computing ${fmt(metrics.peakMb)} MB`],
        lowerIsBetter: true,
      },
    ];
    for (const r of results) {
      log(`   -- ${r.name}`);
      printTimeResult(r);
    }
    return results;
  } finally {
    await app?.close();
    dir.cleanup();
  }
}

export async function benchInsightReports(): Promise<TimeResult[]> {
  const changes = sizeFromEnv('BENCH_INSIGHT_CHANGES', 1_000_000, 20_000);
  const incidents = sizeFromEnv('BENCH_INSIGHT_INCIDENTS', 100_000, 2_000);
  header(`Insight reports: metrics and maturity over ${fmt(changes)} changes, ${fmt(incidents)} incidents`);
  const results: TimeResult[] = [];
  // BENCH_INSIGHT_DIALECTS=postgres (or sqlite): one dialect only, e.g. to re-measure it alone.
  const only = process.env.BENCH_INSIGHT_DIALECTS;
  const targets = [sqliteTarget, postgresTarget].filter(
    (_, i) => !only || only.includes(['sqlite', 'postgres'][i] as string),
  );
  for (const make of targets) {
    const target = await make();
    if (!target) continue;
    try {
      results.push(...(await benchOn(target, changes, incidents)));
    } finally {
      await target.cleanup();
    }
  }
  log(`   process maxRSS over the whole benchmark: ${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
  return results;
}

if (isMain(import.meta.url)) runStandalone(async () => (await benchInsightReports())[0] as TimeResult);
