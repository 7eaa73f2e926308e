import type { Command } from 'commander';
import type { InventoryAddResultDto, InventoryDto, InventoryLabelDto } from '../../api/pipeline-schemas.js';
import { AppError } from '../../domain/errors.js';
import { readJsonFile, run } from '../command-kit.js';
import { table } from '../output.js';

const entryFlags: [flag: string, field: string, help: string][] = [
  ['--name <name>', 'name', 'component name, unique in the inventory'],
  ['--version <version>', 'version', 'the built version'],
  ['--artifact <uri>', 'artifact', 'where the artifact is, e.g. docker://registry/app@sha256:…'],
  ['--type <type>', 'type', 'artifact type, e.g. image'],
  ['--sha256 <digest>', 'sha256', "the artifact's sha256 digest (64 hex, optionally 'sha256:')"],
  ['--commit-sha <sha>', 'commitSha', 'the 40-character commit it was built from'],
  ['--committed-at <time>', 'committedAt', 'when that commit was made (ISO-8601): where lead time starts'],
  ['--repository-url <url>', 'repositoryUrl', 'the source repository'],
  ['--build-number <n>', 'buildNumber', 'CI build number'],
  ['--pipeline-run-id <id>', 'pipelineRunId', 'the CI run that built it'],
  ['--provenance <uri>', 'provenance', 'provenance attestation (e.g. SLSA) location'],
  ['--signature <sig>', 'signature', 'artifact signature'],
];

function renderAdd(r: InventoryAddResultDto): string[] {
  if (!r.updated) return [`inventory '${r.environment}' not updated: ${r.reason}`];
  return [
    `inventory '${r.environment}' revision ${r.revision?.seq}: recorded ${r.entries.map((e) => `${e.name} ${e.version}`).join(', ')}`,
    ...(r.reason ? [`note: ${r.reason}`] : []),
  ];
}

export function renderInventory(v: InventoryDto): string[] {
  if (!v.revision) return [`inventory '${v.environment}' is empty`];
  return [
    `inventory '${v.environment}' revision ${v.revision.seq}${v.labels.length ? ` [${v.labels.join(', ')}]` : ''}`,
    ...table(
      ['NAME', 'VERSION', 'COMMIT', 'ARTIFACT'],
      v.entries.map((e) => [e.name, e.version, e.commitSha.slice(0, 12), e.artifact]),
    ),
  ];
}

function renderLabels(labels: InventoryLabelDto[]): string[] {
  if (labels.length === 0) return ['no labels'];
  return table(
    ['LABEL', 'REVISION', 'UPDATED', 'BY'],
    labels.map((l) => [l.label, String(l.revisionSeq), l.updatedAt, l.updatedBy]),
  );
}

export function inventoryCommands(program: Command): void {
  const inventory = program.command('inventory').description('what CI built and what each environment holds');

  const add = inventory
    .command('add')
    .description('record a build in the inventory (CI side); --from-file records a batch')
    .option(
      '--from-file <file>',
      'JSON list of entries (camelCase fields; "sbom" may hold a CycloneDX document)',
    )
    .option('--sbom <file>', 'CycloneDX JSON SBOM of the artifact')
    .option('--env <name>', "inventory to write (default 'master', where CI writes)")
    .option('--ci-status <status>', 'success|failure: the result of the CI run', 'success')
    .option(
      '--skip-inventory-update-on-failure <1|0|"">',
      'on (1, default): a failed CI run records nothing; 0 or empty: record anyway',
    );
  for (const [flag, , help] of entryFlags) add.option(flag, help);
  add.action(
    run(async ({ api, options }) => {
      let entries: Record<string, unknown>[];
      if (options.fromFile) {
        const given = entryFlags
          .filter(([, field]) => options[field] !== undefined)
          .map(([flag]) => flag.split(' ')[0]);
        if (given.length > 0 || options.sbom)
          throw new AppError(
            'invalid_input',
            `--from-file: give the entries in the file, not also as flags (${[...given, ...(options.sbom ? ['--sbom'] : [])].join(', ')})`,
            { field: 'fromFile' },
          );
        const batch = readJsonFile('--from-file', options.fromFile as string);
        if (!Array.isArray(batch))
          throw new AppError('invalid_input', '--from-file: the file must hold a JSON list of entries', {
            field: 'fromFile',
          });
        entries = batch as Record<string, unknown>[];
      } else {
        const entry: Record<string, unknown> = {};
        for (const [, field] of entryFlags) if (options[field] !== undefined) entry[field] = options[field];
        if (options.sbom) entry.sbom = readJsonFile('--sbom', options.sbom as string);
        entries = [entry];
      }
      return (await api()).addInventory({
        ...(options.env ? { environment: options.env as string } : {}),
        ciStatus: options.ciStatus as string,
        ...(options.skipInventoryUpdateOnFailure !== undefined
          ? { skipInventoryUpdateOnFailure: String(options.skipInventoryUpdateOnFailure) }
          : {}),
        entries,
      });
    }, renderAdd),
  );

  inventory
    .command('get')
    .description("an inventory at its latest revision, or at a label's revision")
    .option('--env <name>', "inventory (default 'master')")
    .option('--label <label>', 'e.g. prod_latest, a CR number or a pipeline run id')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).getInventory({
            ...(options.env ? { environment: options.env as string } : {}),
            ...(options.label ? { label: options.label as string } : {}),
          }),
        renderInventory,
      ),
    );

  inventory
    .command('labels')
    .description("labels of an environment's revisions (run ids, CR numbers, <env>_latest)")
    .requiredOption('--env <name>', 'environment')
    .action(
      run(async ({ api, options }) => (await api()).listInventoryLabels(options.env as string), renderLabels),
    );
}
