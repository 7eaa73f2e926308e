import { type Command, Option } from 'commander';
import { DateTime } from 'luxon';
import type {
  OccurrenceDto,
  WindowDetailDto,
  WindowDto,
  WindowListDto,
  WindowStatusDto,
} from '../../api/window-schemas.js';
import { windowKinds } from '../../domain/windows.js';
import { collect, integerOption, run } from '../command-kit.js';
import { table } from '../output.js';

/** An occurrence as people read it: recurring windows on their own local clock, one-off ones in UTC. */
function occurrence(w: WindowDto, o: OccurrenceDto): string {
  if (w.timeZone === null) return `${o.start} → ${o.end}`;
  const local = (t: string) =>
    DateTime.fromISO(t, { zone: w.timeZone as string }).toFormat('ccc yyyy-MM-dd HH:mm');
  return `${local(o.start)} → ${local(o.end)} ${w.timeZone}`;
}

function schedule(w: WindowDto): string {
  if (w.schedule === 'once') return `${w.start} → ${w.end}`;
  return `${w.rrule} at ${w.startTime} for ${w.duration} min, ${w.timeZone}, from ${w.from}${w.until ? ` until ${w.until}` : ''}`;
}

function scope(w: WindowDto): string {
  const envs = w.environments.length ? `environments ${w.environments.join(', ')}` : 'all environments';
  const comps = w.components.length ? `components ${w.components.join(', ')}` : 'all components';
  return `${envs}; ${comps}`;
}

function status(w: WindowStatusDto): string {
  if (w.activeOccurrence) return `in force: ${occurrence(w, w.activeOccurrence)}`;
  if (w.nextOccurrence) return `next: ${occurrence(w, w.nextOccurrence)}`;
  return 'over (no further occurrence)';
}

function renderWindow(w: WindowDto | WindowDetailDto): string[] {
  const lines = [
    `${w.kind} window '${w.name}'`,
    `  schedule     ${schedule(w)}`,
    `  applies to   ${scope(w)}`,
    `  reason       ${w.reason}`,
    `  created      ${w.createdAt} by ${w.createdBy}`,
  ];
  if ('occurrences' in w) {
    lines.push(`  status       ${status(w)}`);
    lines.push(w.occurrences.length ? '  occurrences:' : '  occurrences: none to come');
    for (const o of w.occurrences) lines.push(`    ${occurrence(w, o)}`);
    for (const o of w.overrides)
      lines.push(`  override for ${o.changeRequest} by ${o.grantedBy} at ${o.grantedAt}: ${o.reason}`);
  }
  return lines;
}

function renderList(list: WindowListDto, active: boolean): string[] {
  if (list.windows.length === 0) return [active ? `no window is in force at ${list.at}` : 'no windows'];
  return table(
    ['NAME', 'KIND', 'STATUS', 'APPLIES TO', 'REASON'],
    list.windows.map((w) => [w.name, w.kind, status(w), scope(w), w.reason]),
  );
}

export function windowCommands(program: Command): void {
  const window = program
    .command('window')
    .description('freeze (blackout) and maintenance windows; a freeze blocks deployments and scheduling');

  window
    .command('create <name>')
    .description(
      'create a window: one-off (--start, --end) or recurring (--rrule, --start-time, --duration, --time-zone)',
    )
    .addOption(
      new Option('--kind <kind>', 'freeze blocks changes; maintenance only informs')
        .choices([...windowKinds])
        .makeOptionMandatory(),
    )
    .option('--start <iso>', 'one-off: start, ISO-8601 with a zone (2026-12-20T00:00:00Z)')
    .option('--end <iso>', 'one-off: end, after the start')
    .option(
      '--rrule <rule>',
      'recurring: RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=FR or FREQ=MONTHLY;BYMONTHDAY=-1',
    )
    .option('--start-time <HH:MM>', 'recurring: local start time of each occurrence')
    .option(
      '--duration <minutes>',
      'recurring: length of each occurrence, in minutes',
      integerOption('duration'),
    )
    .option('--time-zone <tz>', 'recurring: IANA time zone the rule runs in, e.g. Europe/Berlin')
    .option('--from <date>', 'recurring: first day of the series, YYYY-MM-DD (default: today in that zone)')
    .option('--until <iso>', 'recurring: no occurrence starts after this instant')
    .option('--env <name>', 'an environment it applies to (repeatable; default: all)', collect)
    .option('--component <name>', 'a component it applies to (repeatable; default: all)', collect)
    .requiredOption('--reason <text>', 'why; shown to everyone it blocks')
    .action(
      run(
        async ({ api, options }, name) => {
          const client = await api();
          const created = await client.createWindow({
            name,
            kind: options.kind,
            start: options.start,
            end: options.end,
            rrule: options.rrule,
            startTime: options.startTime,
            duration: options.duration,
            timeZone: options.timeZone,
            from: options.from,
            until: options.until,
            environments: options.env,
            components: options.component,
            reason: options.reason,
          });
          // People see the next occurrences at once: a wrong time zone shows before it blocks anyone.
          return options.json ? created : client.getWindow(created.name, 3);
        },
        (w) => [`created ${renderWindow(w)[0]}`, ...renderWindow(w).slice(1)],
      ),
    );

  window
    .command('list')
    .description('list windows, each with the occurrence in force or the next one')
    .option('--active', 'only windows in force (now, or at --at)')
    .option('--at <iso>', 'look at this instant instead of now')
    .option('--env <name>', 'only windows that apply to this environment')
    .addOption(new Option('--kind <kind>', 'only windows of this kind').choices([...windowKinds]))
    .action(
      run(
        async ({ api, options }) =>
          (await api()).listWindows({
            active: options.active === true ? true : undefined,
            at: options.at as string | undefined,
            environment: options.env as string | undefined,
            kind: options.kind as string | undefined,
          }),
        (list, options) => renderList(list, options.active === true),
      ),
    );

  window
    .command('get <name>')
    .description('a window, its next occurrences and the overrides granted for it')
    .option('--count <n>', 'how many occurrences to show (default 5)', integerOption('count'))
    .action(
      run(
        async ({ api, options }, name) => (await api()).getWindow(name as string, options.count as number),
        renderWindow,
      ),
    );

  window
    .command('delete <name>')
    .description('delete a window (it stays on record); a freeze in force needs --force')
    .option('--force', 'delete a freeze even while it is in force (audited)')
    .action(
      run(
        async ({ api, options }, name) => (await api()).deleteWindow(name as string, options.force === true),
        (w) => [`deleted ${w.kind} window '${w.name}'`],
      ),
    );

  window
    .command('override <name>')
    .description('let one change request go ahead during a freeze (change managers; not its requester)')
    .requiredOption('--change-request <ref>', 'the CR (number or id)')
    .requiredOption('--reason <text>', 'why this change may not wait')
    .action(
      run(
        async ({ api, options }, name) =>
          (await api()).grantWindowOverride(name as string, {
            changeRequestId: options.changeRequest as string,
            reason: options.reason as string,
          }),
        (o) => [
          `${o.changeRequest} may go ahead during freeze '${o.window}' (override granted by ${o.grantedBy}: ${o.reason})`,
        ],
      ),
    );
}
