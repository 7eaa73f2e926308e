import type { Command } from 'commander';
import type { BatchApprovalResultDto } from '../../api/batch-schemas.js';
import { collect, type Invocation, run } from '../command-kit.js';
import { renderBatch, renderBatchApproval, renderBatchList, renderBatchSchedule } from '../render-batches.js';

/** `batch approve` exits 0 when at least one member counted and none failed unexpectedly (docs/batches.md). */
export function batchApprovalExit(r: BatchApprovalResultDto): number {
  if (r.failed > 0) return 1;
  return r.counted > 0 ? 0 : 2;
}

/** commander hands a variadic argument over as one array; run() takes positional strings. */
const withChanges =
  (action: ReturnType<typeof run>) => (ref: string, changes: string[], options: unknown, command: Command) =>
    action(ref, ...changes, options, command);

export function batchCommands(program: Command): void {
  const batch = program
    .command('batch')
    .description(
      'change batches: CRs across systems in one maintenance window, scheduled and approved together',
    );

  batch
    .command('create')
    .description('create a batch, optionally with its window and first members')
    .requiredOption('--name <slug>', 'short name, unique in the tenant (e.g. 2026-03-db-maintenance)')
    .requiredOption('--title <text>', 'what the maintenance is')
    .option('--description <text>', 'more detail')
    .option('--start <iso>', 'window start, ISO-8601 with a zone (2026-03-01T22:00:00Z); with --end')
    .option('--end <iso>', 'window end, after the start')
    .option('--change <ref>', 'a change request to add (repeatable)', collect)
    .action(
      run(
        async ({ api, options }: Invocation) =>
          (await api()).createBatch({
            name: options.name,
            title: options.title,
            description: options.description,
            start: options.start,
            end: options.end,
            changes: options.change,
          }),
        (b) => [`created ${renderBatch(b)[0]}`, ...renderBatch(b).slice(1)],
      ),
    );

  batch
    .command('add <batch> <changes...>')
    .description('add open change requests (a CR belongs to at most one batch)')
    .action(
      withChanges(
        run(
          async ({ api }: Invocation, ref, ...changes) =>
            (await api()).addBatchMembers(ref as string, changes),
          renderBatch,
        ),
      ),
    );

  batch
    .command('remove <batch> <changes...>')
    .description('take change requests out of a batch (their plans and approvals stay)')
    .action(
      withChanges(
        run(
          async ({ api }: Invocation, ref, ...changes) =>
            (await api()).removeBatchMembers(ref as string, changes),
          renderBatch,
        ),
      ),
    );

  batch
    .command('list')
    .description('list batches with their phase, ready verdict and window')
    .action(run(async ({ api }: Invocation) => (await api()).listBatches(), renderBatchList));

  batch
    .command('get <batch>')
    .description('a batch at a glance: window, counts, ready verdict, and one line per member')
    .action(run(async ({ api }: Invocation, ref) => (await api()).getBatch(ref as string), renderBatch));

  batch
    .command('schedule <batch>')
    .description(
      "set the batch window and every member's planned window to it in one go; a freeze refuses the whole batch",
    )
    .option('--start <iso>', "window start (default: the batch's window); with --end")
    .option('--end <iso>', 'window end')
    .option(
      '--withdraw-approvals',
      'also re-plan members approved (or awaiting approval) for another window; their approval is withdrawn',
    )
    .action(
      run(
        async ({ api, options }: Invocation, ref) =>
          (await api()).scheduleBatch(ref as string, {
            start: options.start,
            end: options.end,
            withdrawApprovals: options.withdrawApprovals === true ? true : undefined,
          }),
        renderBatchSchedule,
      ),
    );

  batch
    .command('approve <batch>')
    .description(
      'approve every member awaiting your decision; exit 0 if at least one counted and none failed, 2 if none counted',
    )
    .option('--comment <text>', 'recorded with each approval')
    .action(
      run(async ({ api, options }: Invocation, ref) => {
        const result = await (await api()).approveBatch(ref as string, options.comment as string | undefined);
        const code = batchApprovalExit(result);
        if (code !== 0) process.exitCode = code;
        return result;
      }, renderBatchApproval),
    );
}
