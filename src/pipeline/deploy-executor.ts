import type { DeploymentDto, StageDto } from '../api/pipeline-schemas.js';
import type { ChangegateApi, DeployBeginInput, RollbackBeginInput } from '../client/changegate-api.js';
import { lockHeartbeatMs } from '../domain/deployment.js';
import { outcomeOf } from './deploy-plan.js';
import { runStep, type StepResult } from './run-step.js';

/** What the executor shows as it goes (stderr in the CLI). */
export interface Reporter {
  stage(stage: StageDto): void;
  output(chunk: string): void;
  info(message: string): void;
}

export interface StepCommands {
  deployCmd: string;
  acceptanceCmd: string;
  rollbackCmd?: string;
}

export interface WaitOptions {
  /** How long to wait at the gate for a decision; 0 = do not wait. */
  waitMs: number;
  lockTtlSeconds?: number;
}

/**
 * The executor half of the CD pipeline (the plan is decided by the system of record): begin, wait at
 * the gate if asked, run the deploy and acceptance steps here (and the rollback step on failure when
 * the environment has rollback enabled), then finish. Every decision is the server's; this only runs
 * commands, keeps the lock alive and reports.
 */
export async function executeDeployment(
  api: ChangegateApi,
  input: DeployBeginInput,
  commands: StepCommands,
  wait: WaitOptions,
  reporter: Reporter,
): Promise<DeploymentDto> {
  const begun = await beginAndWait(api, input, wait, reporter);
  if (outcomeOf(begun) !== 'deploy') return begun;
  return implement(api, begun, commands, input.lockTtlSeconds, reporter, true);
}

/** The dedicated full rollback: begin it, then deploy the earlier revision with the same steps. */
export async function executeRollback(
  api: ChangegateApi,
  input: RollbackBeginInput,
  commands: Omit<StepCommands, 'rollbackCmd'>,
  reporter: Reporter,
): Promise<DeploymentDto> {
  const begun = await api.beginRollback(input);
  for (const s of begun.stages) reporter.stage(s);
  return implement(api, begun, commands, input.lockTtlSeconds, reporter, false);
}

/** `deploy` and `deploy begin`: steps 1–3, waiting at the gate when asked. */
export async function beginAndWait(
  api: ChangegateApi,
  input: DeployBeginInput,
  wait: WaitOptions,
  reporter: Reporter,
): Promise<DeploymentDto> {
  let run = await api.beginDeployment(input);
  for (const s of run.stages) reporter.stage(s);
  if (outcomeOf(run) === 'awaiting_approval' && wait.waitMs > 0) {
    reporter.info(
      `waiting up to ${Math.round(wait.waitMs / 1000)} s for ${run.changeRequest.number} to be approved…`,
    );
    const started = performance.now();
    run = await api.awaitDeploymentApproval(run.runId, wait.waitMs, wait.lockTtlSeconds);
    const waited = {
      name: 'approval_wait',
      status: outcomeOf(run) === 'deploy' ? 'success' : 'waiting',
      durationMs: Math.round(performance.now() - started),
    };
    reporter.stage(waited);
    const gate = run.stages.filter((s) => s.name === 'gate').at(-1);
    if (gate && outcomeOf(run) !== 'awaiting_approval') reporter.stage(gate);
  }
  return run;
}

async function implement(
  api: ChangegateApi,
  run: DeploymentDto,
  commands: StepCommands,
  lockTtlSeconds: number | undefined,
  reporter: Reporter,
  inlineRollback: boolean,
): Promise<DeploymentDto> {
  const ttl = lockTtlSeconds ?? 900;
  // Renew the lease well before it ends; a killed process stops renewing and its lock lapses.
  const heartbeat = setInterval(
    () => {
      api
        .renewDeploymentLock(run.runId, ttl)
        .catch((error: unknown) =>
          reporter.info(`could not renew the deployment lock: ${String((error as Error).message ?? error)}`),
        );
    },
    Math.max(250, Math.min(lockHeartbeatMs, (ttl * 1000) / 3)),
  );
  heartbeat.unref();
  const env = {
    CHANGEGATE_RUN_ID: run.runId,
    CHANGEGATE_PIPELINE_RUN_ID: run.pipelineRunId,
    CHANGEGATE_CHANGE_REQUEST: run.changeRequest.number,
    CHANGEGATE_ENVIRONMENT: run.environment,
    CHANGEGATE_REGION: run.region,
  };
  const stages: StageDto[] = [];
  const step = async (name: string, command: string): Promise<StepResult> => {
    reporter.info(`▸ ${name}: ${command}`);
    const result = await runStep(command, env, reporter.output);
    const stage = {
      name,
      status: result.status,
      durationMs: result.durationMs,
      detail: result.exitCode === null ? 'did not run to completion' : `exit ${result.exitCode}`,
    };
    stages.push(stage);
    reporter.stage(stage);
    return result;
  };
  try {
    const deploy = await step('deploy', commands.deployCmd);
    const acceptance = deploy.status === 'success' ? await step('acceptance', commands.acceptanceCmd) : null;
    const failed = deploy.status === 'failure' || acceptance?.status === 'failure';
    let rollback: StepResult | null = null;
    if (failed && inlineRollback && run.rollbackEnabled) {
      if (commands.rollbackCmd) rollback = await step('rollback', commands.rollbackCmd);
      else
        reporter.info(
          'rollback is enabled for this environment but no --rollback-cmd was given: nothing was rolled back',
        );
    }
    const finished = await api.finishDeployment(run.runId, {
      deployStatus: deploy.status,
      ...(acceptance ? { acceptanceStatus: acceptance.status } : {}),
      ...(rollback ? { rollbackStatus: rollback.status, rollbackLogs: rollback.output } : {}),
      stages,
    });
    const close = finished.stages.at(-1);
    if (close) reporter.stage(close);
    return finished;
  } finally {
    clearInterval(heartbeat);
  }
}
