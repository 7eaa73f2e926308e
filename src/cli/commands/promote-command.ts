import type { Command } from 'commander';
import type { PromotionDto } from '../../api/pipeline-schemas.js';
import { customerImpacts, deploymentImpacts, priorities, riskLevels } from '../../domain/change-request.js';
import { AppError } from '../../domain/errors.js';
import { parsePromotionBody, promotionTemplate } from '../../domain/promotion-template.js';
import { collect, readUserFile, run } from '../command-kit.js';

const fieldFlags: [flag: string, field: string, help: string][] = [
  ['--priority <level>', 'priority', priorities.join('|')],
  ['--assignee <email>', 'assignee', 'who the change request is assigned to'],
  ['--description <text>', 'description', 'additional description'],
  ['--purpose <text>', 'purpose', 'purpose/goal'],
  ['--impact <text>', 'impact', 'explanation of impact'],
  ['--customer-impact <level>', 'customerImpact', customerImpacts.join('|')],
  ['--deployment-impact <size>', 'deploymentImpact', deploymentImpacts.join('|')],
  ['--backout-plan <text>', 'backoutPlan', 'how to back the change out'],
  ['--risk <level>', 'risk', riskLevels.join('|')],
];

function renderPromotion(p: PromotionDto): string[] {
  return [
    `promoted ${p.source} → ${p.target}${p.labels.length ? ` [${p.labels.join(', ')}]` : ''}:`,
    ...p.delta.map(
      (d) => `  ${d.change.padEnd(7)} ${d.name} ${d.fromVersion ?? '-'} → ${d.toVersion ?? '-'}`,
    ),
    `next: changegate deploy --env ${p.target} --deploy-cmd … --acceptance-cmd …`,
  ];
}

export function promoteCommand(program: Command): void {
  const cmd = program
    .command('promote')
    .description(
      'promote inventory entries to an environment (a merged promotion pull request), with the CR fields',
    )
    .option('--source <inventory>', "where from: 'master' (CI, default) or an environment's deployed state")
    .option('--target <env>', 'the environment to promote to')
    .option('--include <glob>', 'only entries whose name matches (repeatable)', collect)
    .option('--exclude <glob>', 'not entries whose name matches (repeatable)', collect)
    .option('--label <label>', "promotion label, e.g. 'emergency' (repeatable)", collect)
    .option(
      '--pr-body-file <file>',
      'read the CR fields from a promotion pull-request body (see --print-template)',
    )
    .option('--print-template', 'print the promotion pull-request template and exit');
  for (const [flag, , help] of fieldFlags) cmd.option(flag, help);
  cmd.action(
    run(async ({ api, options }) => {
      if (options.printTemplate) {
        process.stdout.write(promotionTemplate());
        return undefined;
      }
      if (!options.target)
        throw new AppError('invalid_input', 'missing required field: target (--target <env>)', {
          field: 'target',
        });
      const fields: Record<string, unknown> = options.prBodyFile
        ? {
            ...parsePromotionBody(
              readUserFile('--pr-body-file', options.prBodyFile as string).toString('utf8'),
            ),
          }
        : {};
      for (const [, field] of fieldFlags) if (options[field] !== undefined) fields[field] = options[field];
      return (await api()).promote({
        ...(options.source ? { source: options.source } : {}),
        target: options.target,
        include: options.include ?? [],
        exclude: options.exclude ?? [],
        labels: options.label ?? [],
        fields,
      });
    }, renderPromotion),
  );
}
