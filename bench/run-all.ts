import { benchApprovalLatency } from './approval-latency.js';
import { benchAuditVerify } from './audit-verify.js';
import { benchCrCreate } from './cr-create.js';
import { benchDeployOverhead, isTimeResult } from './deploy-overhead.js';
import { benchHttpGet } from './http-get.js';
import { benchInsightReports } from './insight-reports.js';
import { benchRoutingRisk } from './routing-risk.js';
import { type BenchResult, fmt, log, quick, ratio } from './support.js';

const benchmarks: (() => Promise<BenchResult | BenchResult[]>)[] = [
  benchCrCreate,
  benchHttpGet,
  benchAuditVerify,
  benchDeployOverhead,
  benchApprovalLatency,
  benchRoutingRisk,
  benchInsightReports,
];

/** Runs the benchmarks one after another and prints a summary table. */
async function main(): Promise<void> {
  const started = Date.now();
  const results: BenchResult[] = [];
  for (const bench of benchmarks) results.push(...[await bench()].flat());

  const rows = [
    ['benchmark', 'changegate', 'baseline', 'unit', 'ratio', 'baseline is'],
    ...results.map((r) => {
      const q = ratio(r);
      // Times (ms): lower is better, so a ratio above 1 means the baseline took less time.
      const versus = !isTimeResult(r)
        ? `${(1 / q).toFixed(2)}x faster`
        : q >= 1
          ? `${q.toFixed(2)}x shorter`
          : `${(1 / q).toFixed(2)}x longer`;
      return [r.name, fmt(r.subject), fmt(r.baseline), r.unit, q.toFixed(isTimeResult(r) ? 2 : 3), versus];
    }),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));

  log();
  log(`== summary${quick ? ' (BENCH_QUICK: smoke sizes, not representative)' : ''} ==`);
  log(`   ratio = changegate / baseline, measured in the same run; higher is better for rates,`);
  log(`   lower is better for times (ms)`);
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
