import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { run } from '../command-kit.js';
import { type DemoStep, runDemoStory } from '../demo/demo-story.js';
import { demoSeedCommand } from '../demo/seed-command.js';
import { note, table } from '../output.js';

export function demoCommand(program: Command): void {
  const demo = program.command('demo');
  demoSeedCommand(demo);
  demo
    .description('walk through every CD flow on a temporary database and summarise what happened')
    .option('--keep', 'keep the temporary database and print where it is, to explore it afterwards')
    .option('--verbose', 'show every stage and step output')
    .action(
      run(
        async ({ options }) => {
          const [{ createApp }, { localApi }, { requireTenant }] = await Promise.all([
            import('../../app.js'),
            import('../../client/local-api.js'),
            import('../../services/access/tenant-service.js'),
          ]);
          const dir = mkdtempSync(join(tmpdir(), 'changegate-demo-'));
          const app = await createApp(loadConfig({}, { db: join(dir, 'demo.db'), defaultLogLevel: 'warn' }));
          const steps: DemoStep[] = [];
          try {
            const tenant = await requireTenant(app.deps, 'default');
            const as = (name: string, role: 'pipeline' | 'approver') =>
              localApi(app, { tenantId: tenant.id, tenantSlug: tenant.slug, name, role });
            const verbose = options.verbose === true;
            await runDemoStory(
              { pipeline: as('ci-bot', 'pipeline'), approver: as('alice', 'approver') },
              {
                stage: (s) =>
                  verbose &&
                  note(
                    `    ${s.status === 'failure' ? '✗' : '✓'} ${s.name} ${s.durationMs} ms ${s.detail ?? ''}`,
                  ),
                output: (chunk) => verbose && process.stderr.write(chunk.replace(/^/gm, '      ')),
                info: (m) => verbose && note(`    ${m}`),
              },
              (s) => {
                steps.push(s);
                note(`• ${s.flow}: ${s.what}\n    ${s.outcome}`);
              },
            );
          } finally {
            await app.close();
            if (options.keep)
              note(
                `kept the demo database: ${join(dir, 'demo.db')} (e.g. changegate --db ${join(dir, 'demo.db')} cr list)`,
              );
            else rmSync(dir, { recursive: true, force: true });
          }
          return {
            steps: steps.map((s) => ({
              flow: s.flow,
              what: s.what,
              outcome: s.outcome,
              changeRequest: s.deployment?.changeRequest ?? null,
              status: s.deployment?.status ?? null,
            })),
          };
        },
        (r) => [
          '',
          ...table(
            ['FLOW', 'CR', 'STATE', 'APPROVAL', 'CLOSE', 'PIPELINE STATUS'],
            r.steps
              .filter((s) => s.changeRequest)
              .map((s) => [
                s.flow,
                s.changeRequest?.number ?? '',
                s.changeRequest?.state ?? '',
                s.changeRequest?.approval ?? '',
                s.changeRequest?.closeCategory ?? '-',
                s.status ?? '',
              ]),
          ),
          '',
          'Explore one: changegate demo --keep, then changegate --db <file> cr get CHG0000002 (attachments: cr attachment CHG0000002 delta_summary)',
        ],
      ),
    );
}
