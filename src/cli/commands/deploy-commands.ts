import type { Command } from 'commander';
import parseDuration from 'parse-duration';
import type { DeploymentDto, StageDto } from '../../api/pipeline-schemas.js';
import type { DeployBeginInput } from '../../client/changegate-api.js';
import { AppError } from '../../domain/errors.js';
import {
  beginAndWait,
  executeDeployment,
  executeRollback,
  type Reporter,
} from '../../pipeline/deploy-executor.js';
import { exitCodeFor, rerunCommand } from '../../pipeline/deploy-plan.js';
import { integerOption, type Options, readUserFile, run } from '../command-kit.js';
import { note } from '../output.js';

/** Stage lines on stderr as the run goes: name, outcome, duration, what happened. */
function stderrReporter(): Reporter {
  const mark = { success: '✓', failure: '✗', skipped: '-', waiting: '…' } as Record<string, string>;
  return {
    stage: (s: StageDto) =>
      note(
        `${mark[s.status] ?? ' '} ${s.name.padEnd(15)} ${`${s.durationMs} ms`.padStart(9)}  ${s.detail ?? ''}`.trimEnd(),
      ),
    output: (chunk) => process.stderr.write(chunk),
    info: (message) => note(message),
  };
}

function waitMs(value: unknown): number {
  if (value === undefined) return 0;
  const text = String(value).trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0)
    throw new AppError(
      'invalid_input',
      `--wait-for-approval: '${text}' is not a duration; use e.g. 90s, 15m or 2h (a bare number is seconds)`,
      { field: 'waitForApproval' },
    );
  return ms;
}

function beginInput(options: Options): DeployBeginInput {
  return {
    environment: options.env as string,
    ...(options.region ? { region: options.region as string } : {}),
    ...(options.changeRequestId ? { changeRequestId: options.changeRequestId as string } : {}),
    ...(options.emergency ? { emergency: true } : {}),
    ...(options.forceRedeploy ? { forceRedeploy: true } : {}),
    ...(options.outageMinutes !== undefined ? { outageMinutes: options.outageMinutes as number } : {}),
    ...(options.pipelineRunId ? { pipelineRunId: options.pipelineRunId as string } : {}),
    ...(options.lockTtl !== undefined ? { lockTtlSeconds: options.lockTtl as number } : {}),
  };
}

/** Human summary on stdout; the exit code says the rest (3 awaiting approval, 2 rejected, 4 failed). */
function renderDeployment(d: DeploymentDto): string[] {
  const cr = d.changeRequest;
  const lines = [
    `${d.environment}/${d.region}: ${d.status ?? d.phase} (${d.flow} flow, DEPLOYMENT_READY=${d.deploymentReady})`,
    `${cr.number}: ${cr.type}, state ${cr.state}, approval ${cr.approval}${cr.closeCategory ? `, ${cr.closeCategory}` : ''}`,
    ...d.delta.map(
      (x) => `  ${x.change.padEnd(7)} ${x.name} ${x.fromVersion ?? '-'} → ${x.toVersion ?? '-'}`,
    ),
  ];
  if (d.autoApproval && !d.autoApproval.approved)
    lines.push('  not approved automatically at creation:', ...d.autoApproval.reasons.map((r) => `    ${r}`));
  for (const o of d.obligations.filter((x) => x.state === 'open'))
    lines.push(`  follow-up: ${o.kind.replaceAll('_', ' ')}`);
  return lines;
}

/** Prints the result (JSON or human) and sets the exit code; awaiting approval also says how to continue. */
function conclude(d: DeploymentDto, options: Options): DeploymentDto {
  const code = exitCodeFor(d);
  if (code === 3) {
    note(`${d.changeRequest.number} awaits approval. When it is approved, continue with:`);
    note(`  ${rerunCommand(process.argv.slice(2), d.changeRequest.number)}`);
  }
  if (code === 2 && d.rejection) {
    note(
      `${d.changeRequest.number} was rejected by ${d.rejection.approver}: ${d.rejection.comment ?? '(no comment)'}`,
    );
  }
  if (code === 4)
    note(
      `deployment failed: ${d.status}; ${d.changeRequest.number} is left in ${d.changeRequest.state} as ${d.changeRequest.closeCategory}`,
    );
  if (code !== 0) process.exitCode = code;
  void options;
  return d;
}

function targetOptions(cmd: Command, envRequired = true): Command {
  // On `deploy` itself --env is checked in the action: commander would otherwise demand it of
  // `deploy begin` and `deploy finish` too, before they see their own options.
  return (
    envRequired
      ? cmd.requiredOption('--env <name>', 'target environment')
      : cmd.option('--env <name>', 'target environment (required)')
  )
    .option('--region <name>', "region of the environment (default: its only region, or 'default')")
    .option('--pipeline-run-id <id>', 'this CD run, as your CI system names it (default: generated)')
    .option(
      '--lock-ttl <seconds>',
      'lease of the environment lock; renewed while the CLI runs (default 900)',
      integerOption('lock-ttl'),
    );
}

function gateOptions(cmd: Command, envRequired = true): Command {
  return targetOptions(cmd, envRequired)
    .option(
      '--change-request-id <CHG|notAvailable>',
      'deploy under this change request (rerun after approval, or a manual CR)',
    )
    .option('--emergency', 'an emergency change: no approval wait; retrospective approval owed')
    .option('--force-redeploy', 'deploy even when nothing changed since the last deployment')
    .option(
      '--outage-minutes <n>',
      'planned downtime; more than 0 always needs a human approval',
      integerOption('outage-minutes'),
    )
    .option('--wait-for-approval <duration>', 'wait at the gate this long (e.g. 30m) instead of exiting 3');
}

const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Options that belong to one form only; giving them to another is refused rather than ignored. */
const onlyFor: Record<string, string[]> = {
  deployCmd: ['run'],
  acceptanceCmd: ['run'],
  rollbackCmd: ['run'],
  run: ['finish'],
  deployStatus: ['finish'],
  acceptanceStatus: ['finish'],
  rollbackStatus: ['finish'],
  rollbackLogs: ['finish'],
  env: ['run', 'begin'],
  region: ['run', 'begin'],
  changeRequestId: ['run', 'begin'],
  emergency: ['run', 'begin'],
  forceRedeploy: ['run', 'begin'],
  outageMinutes: ['run', 'begin'],
  waitForApproval: ['run', 'begin'],
  pipelineRunId: ['run', 'begin'],
  lockTtl: ['run', 'begin'],
};

function checkForm(form: 'run' | 'begin' | 'finish', options: Options, required: string[]): void {
  const misplaced = Object.keys(onlyFor).filter(
    (k) => options[k] !== undefined && !onlyFor[k]?.includes(form),
  );
  const name = form === 'run' ? 'deploy' : `deploy ${form}`;
  if (misplaced.length > 0) {
    throw new AppError(
      'invalid_input',
      `${name} does not take ${misplaced.map(flag).join(', ')}${form === 'begin' ? ' (begin only clears the gate; run your steps, then deploy finish)' : ''}`,
      { field: misplaced[0] },
    );
  }
  const missing = required.filter((k) => options[k] === undefined || options[k] === '');
  if (missing.length > 0) {
    throw new AppError(
      'invalid_input',
      `${name}: missing required option ${missing.map(flag).join(' and ')}${form === 'run' ? " (or use 'deploy begin' and 'deploy finish' when your CI runs the steps)" : ''}`,
      { field: missing[0] },
    );
  }
}

/**
 * One command, three forms: `deploy` runs everything, `deploy begin` stops once the gate is passed,
 * `deploy finish` reports the steps' results. (One command rather than subcommands, so each form's
 * options are its own and `--env` is not demanded of `finish`.)
 */
export function deployCommands(program: Command): void {
  gateOptions(
    program
      .command('deploy')
      .argument('[form]', "'begin' or 'finish' for CI systems that run the deploy as separate steps")
      .description(
        'run a deployment under change control: readiness, CR, gate, deploy, acceptance, close or roll back',
      ),
    false,
  )
    .option('--deploy-cmd <command>', 'the deploy step, run through the shell (deploy)')
    .option('--acceptance-cmd <command>', 'the acceptance tests (deploy)')
    .option(
      '--rollback-cmd <command>',
      'run when deploy or acceptance fails and rollback is enabled (deploy)',
    )
    .option('--run <id>', 'the run id `deploy begin` printed, or its pipeline run id (finish)')
    .option('--deploy-status <status>', 'success|failure (finish)')
    .option('--acceptance-status <status>', 'success|failure|not_run (finish)')
    .option('--rollback-status <status>', 'success|failure|not_run (finish)')
    .option('--rollback-logs <file>', 'output of the rollback step, attached to the CR (finish)')
    .addHelpText(
      'after',
      '\nForms:\n  changegate deploy --env E --deploy-cmd C --acceptance-cmd C [--rollback-cmd C]\n  changegate deploy begin --env E            (exit 3 while awaiting approval)\n  changegate deploy finish --run ID --deploy-status success|failure [--acceptance-status …]',
    )
    .action(
      run(async ({ api, options }, form) => {
        if (form !== undefined && form !== 'begin' && form !== 'finish') {
          throw new AppError(
            'invalid_input',
            `deploy: unknown form '${form}'; use 'deploy', 'deploy begin' or 'deploy finish'`,
            {
              field: 'form',
              validValues: ['begin', 'finish'],
            },
          );
        }
        if (form === 'finish') {
          checkForm('finish', options, ['run', 'deployStatus']);
          const result = await (await api()).finishDeployment(options.run as string, {
            deployStatus: options.deployStatus as string,
            ...(options.acceptanceStatus ? { acceptanceStatus: options.acceptanceStatus as string } : {}),
            ...(options.rollbackStatus ? { rollbackStatus: options.rollbackStatus as string } : {}),
            ...(options.rollbackLogs
              ? {
                  rollbackLogs: readUserFile('--rollback-logs', options.rollbackLogs as string).toString(
                    'utf8',
                  ),
                }
              : {}),
          });
          const close = result.stages.at(-1);
          if (close) stderrReporter().stage(close);
          return conclude(result, options);
        }
        if (form === 'begin') {
          checkForm('begin', options, ['env']);
          const result = await beginAndWait(
            await api(),
            beginInput(options),
            {
              waitMs: waitMs(options.waitForApproval),
              ...(options.lockTtl !== undefined ? { lockTtlSeconds: options.lockTtl as number } : {}),
            },
            stderrReporter(),
          );
          if (result.phase === 'implementing')
            note(
              `cleared to deploy: run your deploy step, then changegate deploy finish --run ${result.runId} --deploy-status …`,
            );
          return conclude(result, options);
        }
        checkForm('run', options, ['env', 'deployCmd', 'acceptanceCmd']);
        const result = await executeDeployment(
          await api(),
          beginInput(options),
          {
            deployCmd: options.deployCmd as string,
            acceptanceCmd: options.acceptanceCmd as string,
            ...(options.rollbackCmd ? { rollbackCmd: options.rollbackCmd as string } : {}),
          },
          {
            waitMs: waitMs(options.waitForApproval),
            ...(options.lockTtl !== undefined ? { lockTtlSeconds: options.lockTtl as number } : {}),
          },
          stderrReporter(),
        );
        return conclude(result, options);
      }, renderDeployment),
    );

  targetOptions(
    program
      .command('rollback')
      .description(
        'full rollback: return an environment to the revision a concluded CR deployed (new, linked emergency CR)',
      ),
  )
    .requiredOption('--change-request-id <CHG>', 'the concluded CR whose deployment to return to')
    .requiredOption('--deploy-cmd <command>', 'deploys the earlier revision')
    .requiredOption('--acceptance-cmd <command>', 'the acceptance tests')
    .option(
      '--limit <n>',
      'how many successful deployments back it may be (default 1)',
      integerOption('limit'),
    )
    .action(
      run(async ({ api, options }) => {
        const result = await executeRollback(
          await api(),
          {
            environment: options.env as string,
            ...(options.region ? { region: options.region as string } : {}),
            changeRequestId: options.changeRequestId as string,
            ...(options.limit !== undefined ? { limit: options.limit as number } : {}),
            ...(options.pipelineRunId ? { pipelineRunId: options.pipelineRunId as string } : {}),
            ...(options.lockTtl !== undefined ? { lockTtlSeconds: options.lockTtl as number } : {}),
          },
          { deployCmd: options.deployCmd as string, acceptanceCmd: options.acceptanceCmd as string },
          stderrReporter(),
        );
        return conclude(result, options);
      }, renderDeployment),
    );
}
