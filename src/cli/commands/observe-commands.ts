import type { Command } from 'commander';
import type { ObservationResultDto, UnauthorizedChangeDto } from '../../api/observation-schemas.js';
import { unauthorizedStatuses } from '../../domain/observation.js';
import { collect, readJsonFile, run } from '../command-kit.js';
import { table } from '../output.js';

function renderOutcomes(r: ObservationResultDto): string[] {
  return r.observations.map((o) => {
    const what = `${o.environment}/${o.component} ${[o.version, o.digest].filter(Boolean).join(' ')}`;
    if (o.authorized) {
      const by = o.matchedBy?.changeRequest ?? o.matchedBy?.label ?? 'an approved change';
      return `authorized    ${what} (matches ${by}${o.matchedBy?.label && o.matchedBy.changeRequest ? `, ${o.matchedBy.label}` : ''})`;
    }
    const u = o.unauthorizedChange;
    return `UNAUTHORIZED  ${what}: ${u?.number ?? ''}${o.repeated ? ` (already open, seen ${u?.timesObserved}×)` : ' opened'} — ${o.explanation ?? ''}`;
  });
}

function renderUnauthorized(u: UnauthorizedChangeDto): string[] {
  const field = (label: string, value: unknown) =>
    value === null || value === undefined ? [] : [`  ${label.padEnd(16)} ${String(value)}`];
  return [
    `${u.number}  ${u.environment}/${u.component}  ${u.status}`,
    ...field('version', u.version),
    ...field('digest', u.digest),
    ...field('observed', `${u.observedAt} by ${u.source} (last ${u.lastObservedAt}, ${u.timesObserved}×)`),
    ...field('why', u.explanation),
    ...field('acknowledged', u.acknowledgedBy && `${u.acknowledgedAt} by ${u.acknowledgedBy}`),
    ...field('resolved', u.resolvedBy && `${u.resolvedAt} by ${u.resolvedBy}`),
    ...field('note', u.note),
  ];
}

/** `changegate observe` (drift monitors) and `changegate unauthorized …` (the records it raises). */
export function observeCommands(program: Command): void {
  program
    .command('observe')
    .description(
      'report what runs in an environment; what no approved change deployed becomes an unauthorized change',
    )
    .option('--env <name>', 'the environment it runs in')
    .option('--component <name>', 'the component (inventory entry name)')
    .option('--version <version>', 'the version that runs')
    .option('--digest <sha256:…>', 'the image or artifact digest that runs')
    .option('--observed-at <iso>', 'when it was seen (default: now)')
    .option('--source <name>', 'who saw it, e.g. argocd-drift (default: cli)')
    .option(
      '--from-file <file>',
      'a JSON list of observations (or { "observations": [...] }) to report at once',
    )
    .action(
      run(async ({ api, options }) => {
        const source = (options.source as string | undefined) ?? 'cli';
        let body: Record<string, unknown>;
        if (options.fromFile !== undefined) {
          const parsed = readJsonFile('--from-file', options.fromFile as string);
          const list = Array.isArray(parsed) ? parsed : (parsed as { observations?: unknown })?.observations;
          body = {
            observations: Array.isArray(list)
              ? list.map((o) =>
                  typeof o === 'object' && o !== null && !('source' in o) ? { ...o, source } : o,
                )
              : list,
          };
        } else {
          body = {
            environment: options.env,
            component: options.component,
            version: options.version,
            digest: options.digest,
            observedAt: options.observedAt,
            source,
          };
        }
        return (await api()).reportObservations(body);
      }, renderOutcomes),
    );

  const uac = program
    .command('unauthorized')
    .description('unauthorized changes: what drift monitors saw running that no approved change deployed');

  uac
    .command('list')
    .description('unauthorized-change records, newest sighting first')
    .option('--status <status>', `${unauthorizedStatuses.join('|')} (repeatable)`, collect)
    .option('--env <name>', 'only this environment')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).listUnauthorizedChanges({
            status: options.status as string[] | undefined,
            environment: options.env as string | undefined,
          }),
        (items) =>
          items.length === 0
            ? ['no unauthorized changes']
            : table(
                ['number', 'status', 'environment', 'component', 'version/digest', 'observed', 'seen'],
                items.map((u) => [
                  u.number,
                  u.status,
                  u.environment,
                  u.component,
                  u.version ?? u.digest ?? '',
                  u.observedAt,
                  `${u.timesObserved}×`,
                ]),
              ),
      ),
    );

  uac
    .command('get <ref>')
    .description('one unauthorized change (UAC0000001)')
    .action(
      run(async ({ api }, ref) => (await api()).getUnauthorizedChange(ref as string), renderUnauthorized),
    );

  for (const action of ['acknowledge', 'resolve'] as const) {
    uac
      .command(`${action} <ref>`)
      .description(
        action === 'acknowledge'
          ? 'acknowledge it: someone is looking into it'
          : 'resolve it, saying how (reverted, covered by CHG…, accepted)',
      )
      .option('--note <text>', action === 'resolve' ? 'how it was resolved (required)' : 'a note')
      .action(
        run(
          async ({ api, options }, ref) =>
            (await api()).moveUnauthorizedChange(ref as string, action, options.note as string | undefined),
          renderUnauthorized,
        ),
      );
  }
}
