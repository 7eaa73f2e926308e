import { type Command, Option } from 'commander';
import { incidentSeverities } from '../../domain/incident.js';
import { collect, run } from '../command-kit.js';
import { renderIncident, renderIncidentList } from '../render-incidents.js';

export function incidentCommands(program: Command): void {
  const incident = program
    .command('incident')
    .description(
      'incidents; an open major incident blocks high-risk changes unless its commander authorizes them',
    );

  incident
    .command('create')
    .description('open an incident (a major one blocks high-risk changes to its components)')
    .requiredOption('--title <text>', 'what is wrong')
    .option('--component <name>', 'a component it is on (repeatable; none: tenant-wide)', collect)
    .option('--env <name>', 'the environment it is in (default: every environment)')
    .option('--major', 'a major incident: blocks high-risk changes; needs --commander')
    .option('--commander <name>', 'the incident commander: the only one who may authorize changes during it')
    .addOption(new Option('--severity <level>', 'severity').choices([...incidentSeverities]))
    .option('--started <iso>', 'when it began, ISO-8601 (default: now)')
    .option('--detected <iso>', 'when it was noticed, ISO-8601 (default: unknown)')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).createIncident({
            title: options.title,
            components: options.component,
            environment: options.env,
            major: options.major === true ? true : undefined,
            commander: options.commander,
            severity: options.severity,
            startedAt: options.started,
            detectedAt: options.detected,
          }),
        (i) => [`opened ${renderIncident(i)[0]}`, ...renderIncident(i).slice(1)],
      ),
    );

  incident
    .command('list')
    .description('list incidents, newest first')
    .option('--open', 'only open incidents')
    .action(
      run(
        async ({ api, options }) => (await api()).listIncidents({ open: options.open === true }),
        (items, options) => renderIncidentList(items, options.open === true),
      ),
    );

  incident
    .command('get <ref>')
    .description('an incident (INC0000007) with its linked changes and authorizations')
    .action(run(async ({ api }, ref) => (await api()).getIncident(ref as string), renderIncident));

  incident
    .command('update <ref>')
    .description(
      "change an incident's fields (commander or major flag of a major incident: its commander, a change manager or an admin)",
    )
    .option('--title <text>', 'what is wrong')
    .addOption(new Option('--severity <level>', 'severity').choices([...incidentSeverities]))
    .option('--component <name>', 'the components it is on, replacing the list (repeatable)', collect)
    .option('--tenant-wide', 'on every component (clears the component list)')
    .option('--env <name>', 'the environment it is in')
    .option('--every-env', 'in every environment (clears the environment)')
    .option('--detected <iso>', 'when it was noticed, ISO-8601')
    .option('--major', 'make it a major incident (needs a commander)')
    .option('--not-major', 'no longer a major incident: lifts its block')
    .option('--commander <name>', 'the incident commander')
    .action(
      run(
        async ({ api, options }, ref) =>
          (await api()).updateIncident(ref as string, incidentUpdateInput(options)),
        (i) => [`updated ${renderIncident(i)[0]}`, ...renderIncident(i).slice(1)],
      ),
    );

  incident
    .command('resolve <ref>')
    .description('resolve an incident: the changes it blocked may go ahead')
    .action(
      run(
        async ({ api }, ref) => (await api()).resolveIncident(ref as string),
        (i) => [`resolved ${i.number}  ${i.title}`],
      ),
    );

  incident
    .command('link <ref> <change>')
    .description('link a change request to the incident (the risk history counts it against the change)')
    .action(
      run(
        async ({ api }, ref, change) => (await api()).linkIncident(ref as string, change as string),
        (l) => [`linked ${l.changeRequest} to ${l.incident}`],
      ),
    );

  incident
    .command('unlink <ref> <change>')
    .description('remove the link between a change request and the incident')
    .action(
      run(
        async ({ api }, ref, change) => (await api()).unlinkIncident(ref as string, change as string),
        (l) => [`unlinked ${l.changeRequest} from ${l.incident}`],
      ),
    );

  incident
    .command('authorize <ref>')
    .description("let one change request go ahead during the incident (only the incident's commander)")
    .requiredOption('--change <ref>', 'the CR (number or id)')
    .requiredOption('--reason <text>', 'why this change may go ahead now')
    .action(
      run(
        async ({ api, options }, ref) =>
          (await api()).authorizeIncidentChange(ref as string, {
            changeRequestId: options.change as string,
            reason: options.reason as string,
          }),
        (a) => [
          `${a.changeRequest} may go ahead during ${a.incident} (authorized by ${a.authorizedBy}: ${a.reason})`,
        ],
      ),
    );
}

/** Only the flags given become fields; the clearing flags send an empty value. */
function incidentUpdateInput(options: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {
    title: options.title,
    severity: options.severity,
    components: options.tenantWide ? [] : options.component,
    environment: options.everyEnv ? '' : options.env,
    detectedAt: options.detected,
    commander: options.commander,
    major: options.major ? true : options.notMajor ? false : undefined,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
