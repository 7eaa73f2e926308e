import type { Command } from 'commander';
import type { ProblemDetailDto, ProblemDto } from '../../api/problem-schemas.js';
import { problemStatuses } from '../../domain/problem.js';
import { run } from '../command-kit.js';
import { table } from '../output.js';

/** `changegate problem …` (docs/incidents.md#problems). */
export function problemCommands(program: Command): void {
  const problem = program
    .command('problem')
    .description('problems: the underlying cause of incidents, its root-cause findings and its fix CR');

  const show = (verb: string) => (p: ProblemDetailDto) => {
    const lines = renderProblem(p);
    return [`${verb} ${lines[0]}`, ...lines.slice(1)];
  };

  problem
    .command('create')
    .description('open a problem, optionally from an incident')
    .requiredOption('--title <text>', 'what keeps going wrong')
    .option('--incident <ref>', 'an incident (INC0000007) to link at once')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).createProblem({
            title: options.title as string,
            incident: options.incident as string | undefined,
          }),
        show('opened'),
      ),
    );

  problem
    .command('list')
    .description('list problems, newest first')
    .option('--status <status>', `only problems in this status (${problemStatuses.join(', ')})`)
    .action(
      run(
        async ({ api, options }) => (await api()).listProblems({ status: options.status as string }),
        renderProblemList,
      ),
    );

  problem
    .command('get <ref>')
    .description('a problem (PRB0000007) with its incidents, root cause and fix CR')
    .action(run(async ({ api }, ref) => (await api()).getProblem(ref as string), renderProblem));

  problem
    .command('link <ref> <incident>')
    .description('link an incident to the problem')
    .action(
      run(
        async ({ api }, ref, incident) =>
          (await api()).linkProblemIncident(ref as string, incident as string),
        show('linked'),
      ),
    );

  problem
    .command('unlink <ref> <incident>')
    .description('remove an incident from the problem')
    .action(
      run(
        async ({ api }, ref, incident) =>
          (await api()).unlinkProblemIncident(ref as string, incident as string),
        show('unlinked'),
      ),
    );

  problem
    .command('root-cause <ref>')
    .description('record the root-cause findings (an open problem becomes a known error)')
    .requiredOption('--text <findings>', 'what the post-incident review found')
    .action(
      run(
        async ({ api, options }, ref) =>
          (await api()).recordProblemRootCause(ref as string, options.text as string),
        show('recorded root cause of'),
      ),
    );

  problem
    .command('fix <ref>')
    .description('name the change request that fixes the problem')
    .requiredOption('--change <ref>', 'the fixing CR (number or id)')
    .action(
      run(
        async ({ api, options }, ref) => (await api()).setProblemFix(ref as string, options.change as string),
        show('fix recorded for'),
      ),
    );

  problem
    .command('resolve <ref>')
    .description('resolve the problem (needs root-cause findings)')
    .action(run(async ({ api }, ref) => (await api()).resolveProblem(ref as string), show('resolved')));
}

export function renderProblem(p: ProblemDetailDto): string[] {
  const lines = [
    `${p.number}  ${p.title}`,
    `  status       ${p.status}${p.resolvedAt ? ` at ${p.resolvedAt}` : ''}`,
    `  root cause   ${p.rootCause ?? 'not recorded yet'}`,
    `  fix          ${p.fixChangeRequest ?? 'none yet'}`,
    `  created      ${p.createdAt} by ${p.createdBy}`,
  ];
  for (const i of p.incidents)
    lines.push(`  incident     ${i.incident} (linked by ${i.linkedBy} at ${i.linkedAt})`);
  return lines;
}

function renderProblemList(items: ProblemDto[]): string[] {
  if (items.length === 0) return ['no problems'];
  return table(
    ['NUMBER', 'STATUS', 'FIX', 'TITLE'],
    items.map((p) => [p.number, p.status, p.fixChangeRequest ?? '-', p.title]),
  );
}
