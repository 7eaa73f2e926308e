import { benchAuditVerify } from './audit-verify.js';
import { benchCrCreate } from './cr-create.js';
import { benchHttpGet } from './http-get.js';
import { type BenchResult, fmt, log, quick, ratio } from './support.js';

/** Runs the three benchmarks one after another and prints a summary table. */
async function main(): Promise<void> {
  const started = Date.now();
  const results: BenchResult[] = [];
  for (const bench of [benchCrCreate, benchHttpGet, benchAuditVerify]) results.push(await bench());

  const rows = [
    ['benchmark', 'changegate', 'baseline', 'unit', 'ratio', 'baseline is'],
    ...results.map((r) => {
      const q = ratio(r);
      return [r.name, fmt(r.subject), fmt(r.baseline), r.unit, q.toFixed(3), `${(1 / q).toFixed(2)}x faster`];
    }),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));

  log();
  log(`== summary${quick ? ' (BENCH_QUICK: smoke sizes, not representative)' : ''} ==`);
  log(`   ratio = changegate / baseline, higher is better; measured in the same run`);
  for (const [i, row] of rows.entries()) {
    log(`   ${line(row).join('  ')}`);
    if (i === 0) log(`   ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
  log(`   total ${fmt((Date.now() - started) / 1000, 0)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
