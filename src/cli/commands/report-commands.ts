import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { complianceCsv } from '../../domain/compliance/compliance-csv.js';
import { complianceHtml } from '../../domain/compliance/compliance-html.js';
import type { ComplianceReport } from '../../domain/compliance/compliance-report.js';
import { violationKinds } from '../../domain/compliance/violations.js';
import { AppError } from '../../domain/errors.js';
import { run } from '../command-kit.js';
import { note, table } from '../output.js';

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`);

/** The human summary: per origin, volume, rates and violation counts, then every violation. */
function renderCompliance(r: ComplianceReport): string[] {
  const sections = [r.internal, r.vendor];
  const lines = [
    `compliance report ${r.since} – ${r.until}: ${r.totalViolations} violation(s)`,
    ...table(
      ['', 'changes', 'success', 'deployments', 'emergency', 'deploy success'],
      sections.map((s) => [
        s.origin,
        String(s.volume.total),
        pct(s.outcomes.successRate),
        String(s.deployments.total),
        String(s.deployments.emergency),
        pct(s.deployments.successRate),
      ]),
    ),
    '',
    ...table(
      ['violation', 'internal', 'vendor', 'total'],
      violationKinds.map((k) => [
        k,
        String(r.internal.violationCounts[k]),
        String(r.vendor.violationCounts[k]),
        String(r.violationCounts[k]),
      ]),
    ),
  ];
  const all = [...r.internal.violations, ...r.vendor.violations, ...r.unauthorizedChanges];
  if (all.length > 0)
    lines.push('', ...all.map((v) => `${v.at}  ${v.kind}  ${v.origin ?? '-'}  ${v.summary}`));
  return lines;
}

function write(out: string, text: string): void {
  try {
    writeFileSync(out, text);
  } catch (error) {
    throw new AppError('invalid_input', `out: cannot write '${out}': ${(error as Error).message}`, {
      field: 'out',
    });
  }
}

export function reportCommands(program: Command): void {
  const report = program.command('report').description('reports for auditors (docs/compliance.md)');

  report
    .command('compliance')
    .description('change volume, success rates and every policy violation in a period; vendor changes apart')
    .option('--since <iso>', 'start of the period, inclusive (default: 30 days before --until)')
    .option('--until <iso>', 'end of the period, exclusive (default: now)')
    .addOption(
      new Option('--format <format>', 'json, csv (one row per violation) or html').choices([
        'json',
        'csv',
        'html',
      ]),
    )
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--base-url <url>', 'HTML: the server address the links point at (default: CHANGEGATE_SERVER)')
    .action(
      run(async ({ api, options, runtime }) => {
        const result = (await (
          await api()
        ).complianceReport({
          since: options.since as string | undefined,
          until: options.until as string | undefined,
        })) as ComplianceReport;
        const format = (options.format as string | undefined) ?? (options.json ? 'json' : undefined);
        if (format === undefined && options.out === undefined) return result;
        const text =
          format === 'csv'
            ? complianceCsv(result)
            : format === 'html'
              ? complianceHtml(result, {
                  baseUrl: (options.baseUrl as string | undefined) ?? runtime.config.server ?? undefined,
                })
              : `${JSON.stringify(result, null, 2)}\n`;
        const out = options.out as string | undefined;
        if (out === undefined) process.stdout.write(text);
        else {
          write(out, text);
          note(
            `wrote ${out}: ${result.totalViolations} violation(s) from ${result.since} to ${result.until}`,
          );
        }
        return undefined;
      }, renderCompliance),
    );
}
