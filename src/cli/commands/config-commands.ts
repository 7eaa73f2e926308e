import type { Command } from 'commander';
import type { TenantConfigDto } from '../../api/pipeline-schemas.js';
import { AppError } from '../../domain/errors.js';
import { describeTenantConfig, parseTenantConfig } from '../../domain/tenant-config.js';
import { run } from '../command-kit.js';

function renderConfig(c: TenantConfigDto): string[] {
  const head =
    c.version === 0
      ? ['no configuration applied yet: defaults are in force (changegate config apply -f changegate.yaml)']
      : [`configuration version ${c.version}, applied by ${c.appliedBy} at ${c.appliedAt}`];
  return [...head, ...describeTenantConfig(parseTenantConfig(c.document ?? {})).split('\n')];
}

export function configCommands(program: Command): void {
  const config = program
    .command('config')
    .description('the tenant policy: environments, auto-approval, evidence checks');

  config
    .command('apply')
    .description('validate and apply changegate.yaml as a new, audited version')
    .requiredOption('-f, --file <path>', 'the changegate.yaml to apply')
    .action(
      run(
        async ({ api, options }) => {
          const { readConfigFile } = await import('../config-file.js');
          const file = await readConfigFile(options.file as string);
          return (await api()).applyConfig({ document: file.document, source: file.source });
        },
        (c) => [`applied configuration version ${c.version}`, ...renderConfig(c).slice(1)],
      ),
    );

  config
    .command('show')
    .description('the configuration in force')
    .action(
      run(async ({ api }) => {
        const c = await (await api()).getConfig();
        if (c.document === null && c.version !== 0)
          throw new AppError('internal', 'the stored configuration has no document');
        return c;
      }, renderConfig),
    );
}
