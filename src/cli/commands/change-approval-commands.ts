import type { Command } from 'commander';
import { run } from '../command-kit.js';

/** `cr request-approval`, `cr approve` and `cr reject`: the approval decisions on one CR. */
export function changeApprovalCommands(cr: Command): void {
  cr.command('request-approval <ref>')
    .description('ask for approval (state authorize, approval requested)')
    .action(
      run(
        async ({ api }, ref) => (await api()).requestApproval(ref as string),
        (cr) => [`${cr.number}: approval ${cr.approval}, state ${cr.state}`],
      ),
    );

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    cr.command(`${verb} <ref>`)
      .description(
        verb === 'approve'
          ? 'approve (the requester cannot)'
          : 'reject with a comment (the requester cannot)',
      )
      .option('--comment <text>', 'why')
      .action(
        run(
          async ({ api, options }, ref) =>
            (await api()).decideApproval(ref as string, decision, options.comment as string | undefined),
          (cr) => [`${cr.number}: ${decision}; state ${cr.state}`],
        ),
      );
  }
}
