import type { Command } from 'commander';
import { run } from '../command-kit.js';
import { renderConflicts } from '../render-incidents.js';
import { renderChangeRisk } from '../render-risk.js';

/** `cr conflicts`: the other open CRs that could collide with this one. */
export function changeConflictsCommand(cr: Command): void {
  cr.command('conflicts <ref>')
    .description(
      'other open change requests in the same environment whose planned windows overlap and that share a component',
    )
    .action(
      run(async ({ api }, ref) => (await api()).changeRequestConflicts(ref as string), renderConflicts),
    );
}

/** `cr risk` and `cr assess`: a CR's risk as declared and as the tenant's risk model assesses it. */
export function changeRiskCommands(cr: Command): void {
  cr.command('risk <ref>')
    .description(
      "show a change request's risk: declared, assessed (level, score, every factor) and effective",
    )
    .action(run(async ({ api }, ref) => (await api()).getChangeRisk(ref as string), renderChangeRisk));

  cr.command('assess <ref>')
    .description(
      "reassess a change request's risk now with the tenant's risk model and history (audited when it changes)",
    )
    .action(run(async ({ api }, ref) => (await api()).assessChangeRisk(ref as string), renderChangeRisk));
}
