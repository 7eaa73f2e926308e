import type { Command } from 'commander';
import type { CauseDecisionDto, IncidentCauseDto, IncidentCausesDto } from '../../api/attribution-schemas.js';
import { run } from '../command-kit.js';

/**
 * `incident causes`, `incident confirm-cause` and `incident reject-cause` (docs/attribution.md), added to
 * the `incident` command (created here when it does not exist yet).
 */
export function attributionCommands(program: Command): void {
  const incident =
    program.commands.find((c) => c.name() === 'incident') ??
    program.command('incident').description('incidents');

  incident
    .command('causes <ref>')
    .description('the changes that may have caused the incident, ranked by confidence with the factors')
    .option('--rerank', 'rank the changes again first (confirmed and rejected causes are kept)')
    .action(
      run(
        async ({ api, options }, ref) =>
          (await api()).incidentCauses(ref as string, { rerank: options.rerank === true }),
        renderCauses,
      ),
    );

  incident
    .command('confirm-cause <ref> <change>')
    .description(
      'confirm that a change caused the incident: it counts as failed and owes a post-incident review',
    )
    .option('--note <text>', 'why (kept in the audit trail)')
    .action(
      run(
        async ({ api, options }, ref, change) =>
          (await api()).confirmIncidentCause(
            ref as string,
            change as string,
            options.note as string | undefined,
          ),
        renderDecision,
      ),
    );

  incident
    .command('reject-cause <ref> <change>')
    .description('reject a candidate cause of the incident')
    .requiredOption('--note <text>', 'why the change did not cause it (kept in the audit trail)')
    .action(
      run(
        async ({ api, options }, ref, change) =>
          (await api()).rejectIncidentCause(ref as string, change as string, options.note as string),
        renderDecision,
      ),
    );
}

function causeLines(c: IncidentCauseDto, rank?: number): string[] {
  const head = `${rank === undefined ? '' : `${rank}. `}${c.changeRequest}  ${c.status}  confidence ${c.confidence.toFixed(2)}`;
  const decided = c.decidedBy
    ? [`   ${c.status} by ${c.decidedBy} at ${c.decidedAt}${c.decisionNote ? `: ${c.decisionNote}` : ''}`]
    : [];
  return [head, ...c.explanation.map((line) => `   ${line}`), ...decided];
}

function renderCauses(r: IncidentCausesDto): string[] {
  if (r.causes.length === 0)
    return [
      `${r.incident}: no change in its environment and components within the attribution window before it started`,
    ];
  return [
    `${r.incident}: ${r.causes.length} possible cause${r.causes.length === 1 ? '' : 's'}`,
    ...r.causes.flatMap((c, i) => causeLines(c, i + 1)),
  ];
}

function renderDecision(d: CauseDecisionDto): string[] {
  const review = d.reviewDueAt
    ? [`post-incident review owed by ${d.cause.changeRequest}, due ${d.reviewDueAt}`]
    : [];
  return [`${d.incident}: ${d.cause.changeRequest} ${d.cause.status}`, ...review];
}
