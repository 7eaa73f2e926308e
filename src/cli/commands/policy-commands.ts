import type { Command } from 'commander';
import { describeApprovalPolicy, parseApprovalPolicy } from '../../domain/approval-policy.js';
import { AppError } from '../../domain/errors.js';
import { run } from '../command-kit.js';
import { renderApprovalPolicy, renderChangeApprovals, renderPolicyExplanation } from '../render-approvals.js';

/** `changegate policy …` and `changegate cr approvals` (docs/approval-policy.md). */
export function policyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('the approval policy: show it, explain it against a CR, check a file locally');

  policy
    .command('show')
    .description('the approval policy in force and its configuration version')
    .action(run(async ({ api }) => (await api()).getApprovalPolicy(), renderApprovalPolicy));

  policy
    .command('explain <ref>')
    .description(
      'dry run of the policy in force against a CR: every rule with why, and the chain it would build',
    )
    .action(
      run(
        async ({ api }, ref) => (await api()).explainApprovalPolicy(ref as string),
        renderPolicyExplanation,
      ),
    );

  policy
    .command('check')
    .description("validate a changegate.yaml's approvalPolicy locally (no server or database needed)")
    .requiredOption('-f, --file <path>', 'the changegate.yaml to check')
    .action(
      run(
        async ({ options }) => {
          const { readConfigFile } = await import('../config-file.js');
          const file = options.file as string;
          const { document } = await readConfigFile(file);
          const value = (document as Record<string, unknown>).approvalPolicy;
          if (value === undefined || value === null)
            throw new AppError('invalid_input', `${file}: approvalPolicy: is missing; nothing to check`, {
              field: 'approvalPolicy',
              file,
            });
          try {
            const parsed = parseApprovalPolicy(value);
            return { file, valid: true, rules: parsed?.rules.length ?? 0, policy: parsed };
          } catch (error) {
            if (error instanceof AppError)
              throw new AppError(error.code, `${file}: ${error.message}`, { ...error.details, file });
            throw error;
          }
        },
        (r) => [`${r.file}: approvalPolicy is valid`, ...describeApprovalPolicy(r.policy)],
      ),
    );

  // `cr approvals` sits with the other CR subcommands, but lives here with the rest of approval routing.
  const cr = program.commands.find((c) => c.name() === 'cr');
  if (!cr) throw new Error('policyCommands must be registered after changeCommands');
  cr.command('approvals <ref>')
    .description(
      "a CR's approval chains (steps, N of M, who counted, due, escalation) and its policy decision",
    )
    .action(
      run(async ({ api }, ref) => (await api()).getChangeApprovals(ref as string), renderChangeApprovals),
    );
}
