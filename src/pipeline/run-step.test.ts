import { describe, expect, it } from 'vitest';
import { runStep } from './run-step.js';

/** Runs a step, collecting what it echoes. */
async function run(command: string, env: Record<string, string> = {}) {
  const echoed: string[] = [];
  const result = await runStep(command, env, (chunk) => echoed.push(chunk));
  return { ...result, echoed: echoed.join('') };
}

describe('runStep (through the real shell)', () => {
  it('succeeds on exit 0 and keeps and echoes what the step printed', async () => {
    const r = await run('echo deployed api');
    expect(r).toMatchObject({ status: 'success', exitCode: 0, output: 'deployed api\n' });
    expect(r.echoed).toBe('deployed api\n');
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fails on a non-zero exit, keeping the exit code', async () => {
    const r = await run('echo half-done; exit 7');
    expect(r).toMatchObject({ status: 'failure', exitCode: 7, output: 'half-done\n' });
  });

  it('keeps standard output and standard error together, in order', async () => {
    const r = await run('echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2');
    expect(r.output).toBe('out1\nerr1\nout2\n');
    expect(r.status).toBe('success');
  });

  it('fails when the command does not exist, saying so in the output', async () => {
    const r = await run('changegate-no-such-command-xyz --now');
    expect(r.status).toBe('failure');
    expect(r.exitCode).toBe(127);
    expect(r.output).toMatch(/changegate-no-such-command-xyz.*not found/);
  });

  it('passes the given environment variables on top of the inherited ones', async () => {
    const r = await run('printf "%s|" "$CHANGEGATE_CR"; test -n "$PATH" && echo inherited', {
      CHANGEGATE_CR: 'CHG0000042',
    });
    expect(r.output).toBe('CHG0000042|inherited\n');
  });

  it('reports a step stopped by a signal as a failure with no exit code', async () => {
    const r = await run('kill -TERM $$');
    expect(r.status).toBe('failure');
    expect(r.exitCode).toBeNull();
    expect(r.output).toMatch(/the step was stopped by SIGTERM/);
  });

  it('keeps multi-byte output intact', async () => {
    const r = await run("printf 'déployé ✓\\n'");
    expect(r.output).toBe('déployé ✓\n');
  });
});
