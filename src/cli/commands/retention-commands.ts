import type { Command } from 'commander';
import type { RetentionReportDto } from '../../api/retention-schemas.js';
import { verifyRetentionArchive } from '../../services/retention/retention-archive.js';
import { run } from '../command-kit.js';

/** `changegate retention` (docs/audit-trail.md#retention). */
export function retentionCommands(program: Command): void {
  const retention = program
    .command('retention')
    .description('archive, then purge, records older than the tenant’s retention policy');

  retention
    .command('run')
    .description(
      'archive and purge closed CRs, resolved incidents and old audit events; the chain keeps a cut',
    )
    .option('--dry-run', 'report what would go; change nothing')
    .action(
      run(
        async ({ api, options }) => (await api()).runRetention({ dryRun: options.dryRun === true }),
        renderRetention,
      ),
    );

  retention
    .command('verify-archive <dir>')
    .description('offline: check an archive’s files against its manifest and its events against the cut')
    .action(
      run(
        async (_inv, dir) => {
          const report = verifyRetentionArchive(dir ?? '');
          if (!report.ok) process.exitCode = 1;
          return report;
        },
        (r) =>
          r.ok
            ? [`archive OK: ${r.events} events chain up to the cut at event ${r.cut?.seq ?? '-'}`]
            : ['archive FAILED:', ...r.problems.map((p) => `  ${p}`)],
      ),
    );
}

export function renderRetention(r: RetentionReportDto): string[] {
  const verb = r.dryRun ? 'would purge' : 'purged';
  const counts = Object.entries(r.counts).filter(([, n]) => n > 0);
  const lines = [
    `retention ${r.days} days: records finished before ${r.cutoff}`,
    counts.length === 0
      ? `nothing to purge`
      : `${verb}: ${counts.map(([table, n]) => `${table} ${n}`).join(', ')}`,
  ];
  if (r.changeRequests.length) lines.push(`  change requests: ${r.changeRequests.join(', ')}`);
  if (r.incidents.length) lines.push(`  incidents: ${r.incidents.join(', ')}`);
  for (const s of r.skipped) lines.push(`  kept ${s.number}: ${s.reason}`);
  if (r.cut) lines.push(`audit chain cut at event ${r.cut.seq} (${r.cut.hash.slice(0, 12)}…)`);
  if (r.archive) lines.push(`archive: ${r.archive}`);
  return lines;
}
