import type { Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import { integerOption, run } from '../command-kit.js';
import { note } from '../output.js';

/** `changegate demo seed`: a realistic history for demos and benchmarks (docs/maturity.md#demo-data). */
export function demoSeedCommand(demo: Command): void {
  demo
    .command('seed')
    .description(
      'write a realistic change history (teams, components, environments, changes, deployments, incidents) into the database, in bulk',
    )
    .option('--changes <n>', 'how many change requests', integerOption('changes'), 1000)
    .option('--incidents <n>', 'how many incidents', integerOption('incidents'), 100)
    .option('--seed <n>', 'random seed: the same seed writes the same history', integerOption('seed'), 1)
    .option('--months <n>', 'how many months back the history reaches', integerOption('months'), 6)
    .action(
      run(
        async ({ runtime, options }) => {
          if (runtime.remote)
            throw new AppError(
              'invalid_input',
              'demo seed writes straight into a database: give --db <file or postgres:// URL> (or unset CHANGEGATE_SERVER)',
              { field: 'db' },
            );
          const app = await runtime.openApp();
          const [{ requireTenant }, { seedDemoHistory }] = await Promise.all([
            import('../../services/access/tenant-service.js'),
            import('./seed-history.js'),
          ]);
          const tenant = await requireTenant(app.deps, runtime.config.tenant);
          const started = Date.now();
          let last = 0;
          const summary = await seedDemoHistory(
            app.deps,
            { tenantId: tenant.id, tenantSlug: tenant.slug, name: runtime.config.actor, role: 'admin' },
            {
              changes: options.changes as number,
              incidents: options.incidents as number,
              seed: options.seed as number,
              months: options.months as number,
            },
            (message) => {
              if (Date.now() - last < 2000) return;
              last = Date.now();
              note(`  ${message}`);
            },
          );
          return {
            ...summary,
            from: new Date(summary.from).toISOString(),
            until: new Date(summary.until).toISOString(),
            tenant: tenant.slug,
            seconds: Math.round((Date.now() - started) / 100) / 10,
          };
        },
        (s) => [
          `Seeded tenant ${s.tenant} with ${s.changes} changes (${s.deployments} deployments, ${s.approvals} approvals, ${s.obligations} retrospective approvals) and ${s.incidents} incidents (${s.incidentCauses} attributed, ${s.problems} problems) from ${s.from.slice(0, 10)} to ${s.until.slice(0, 10)} in ${s.seconds} s.`,
          'The seeded rows are summarised by one demo.seeded audit event. Try: changegate maturity',
        ],
      ),
    );
}
