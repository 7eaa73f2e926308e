import { type Command, Option } from 'commander';
import { metricsCsv } from '../../domain/metrics/metrics-csv.js';
import { run } from '../command-kit.js';
import { renderMetrics } from '../render-metrics.js';

export function metricsCommands(program: Command): void {
  program
    .command('metrics')
    .description('DORA metrics and change KPIs over a range, overall and per slice (docs/metrics.md)')
    .option('--env <name>', 'only this environment')
    .option('--component <name>', 'only records naming this component')
    .option('--since <iso>', 'start of the range, inclusive (default: 30 days before --until)')
    .option('--until <iso>', 'end of the range, exclusive (default: now)')
    .addOption(
      new Option('--by <slice>', 'one column (or CSV row) per value of').choices([
        'env',
        'environment',
        'component',
        'team',
        'type',
        'period',
      ]),
    )
    .addOption(
      new Option(
        '--period <unit>',
        'the period of --by period and of the emergency trend (default: week)',
      ).choices(['day', 'week', 'month']),
    )
    .option('--csv', 'print CSV: a header and one row per slice')
    .action(
      run(async ({ api, options }) => {
        const report = await (await api()).metrics({
          environment: options.env as string | undefined,
          component: options.component as string | undefined,
          since: options.since as string | undefined,
          until: options.until as string | undefined,
          by: options.by as string | undefined,
          period: options.period as string | undefined,
        });
        if (options.csv && !options.json) {
          process.stdout.write(metricsCsv(report));
          return undefined;
        }
        return report;
      }, renderMetrics),
    );
}
