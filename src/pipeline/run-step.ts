import { spawn } from 'node:child_process';

export interface StepResult {
  status: 'success' | 'failure';
  exitCode: number | null;
  /** Combined stdout and stderr, kept (up to a limit) for the CR's logs. */
  output: string;
  durationMs: number;
}

const maxKeptBytes = 4 * 1024 * 1024;

/**
 * The step sees the CLI's environment minus changegate's credential: its output may end up attached to
 * the CR (rollback logs), and a script that prints its environment must not publish the token.
 */
export function stepEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { CHANGEGATE_TOKEN: _token, ...rest } = process.env;
  return { ...rest, ...extra };
}

/**
 * Runs a user's step (deploy, acceptance, rollback) through the shell, where the CLI runs. Its output
 * is streamed to our stderr, so CI logs show it while stdout stays free for `--json`, and kept for the
 * CR (the rollback logs). A step fails when it exits non-zero or cannot be started.
 */
export function runStep(
  command: string,
  env: Record<string, string>,
  echo: (chunk: string) => void,
): Promise<StepResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    const keep = (b: Buffer) => {
      if (kept < maxKeptBytes) {
        chunks.push(b.subarray(0, maxKeptBytes - kept));
        kept += b.length;
      }
      echo(b.toString('utf8'));
    };
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: stepEnvironment(env),
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = (exitCode: number | null, extra = '') => {
      if (extra) keep(Buffer.from(extra));
      resolve({
        status: exitCode === 0 ? 'success' : 'failure',
        exitCode,
        output:
          Buffer.concat(chunks).toString('utf8') +
          (kept > maxKeptBytes ? `\n[… ${kept - maxKeptBytes} more bytes not kept]\n` : ''),
        durationMs: Math.round(performance.now() - started),
      });
    };
    child.on('error', (error) => done(null, `could not start the step: ${error.message}\n`));
    child.on('close', (code, signal) => done(code, signal ? `the step was stopped by ${signal}\n` : ''));
  });
}
