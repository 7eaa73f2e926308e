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
