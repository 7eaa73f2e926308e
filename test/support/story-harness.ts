import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { assertBuilt, type CliResult, runCli, type ServerProcess, startServer } from './cli-process.js';

/**
 * End-to-end stories told to the built CLI twice: locally (`--as` on a database in a temporary
 * directory) and remotely (a token per actor, against a real `changegate serve` on loopback), so a test
 * can check that both modes answer alike. Call `storyHarness` inside a `describe`: it checks the build
 * before the suite and removes its directories and servers after it.
 */

/** Runs one CLI command as the named actor: `--as <actor>` locally, that actor's token remotely. */
export type ActorCli = (args: string[], actor: string) => Promise<CliResult>;

/** One command of a story and what the CLI answered. */
export interface StoryStep {
  args: string[];
  code: number;
  out: string;
  err: string;
}

/** Collects every command of a story; `step` runs as the default actor, `stepAs` as another one. */
export function recordSteps(cli: ActorCli, actor: string) {
  const steps: StoryStep[] = [];
  const stepAs = async (who: string, ...args: string[]) => {
    const r = await cli(args, who);
    steps.push({ args, code: r.code, out: r.stdout, err: r.stderr });
    return r;
  };
  return { steps, stepAs, step: (...args: string[]) => stepAs(actor, ...args) };
}

/** A remote CLI: its working directory, the server it talks to and the command runner. */
export interface RemoteCli {
  dir: string;
  server: ServerProcess;
  cli: ActorCli;
}

export function storyHarness(label: string) {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  beforeAll(() => assertBuilt());
  afterAll(() => {
    for (const server of servers) server.child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh temporary directory, removed after the suite. */
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), `changegate-${label}-`));
    dirs.push(dir);
    return dir;
  };

  /** Starts `changegate serve` in the directory; the suite kills it at the end if the test did not. */
  const serve = async (dir: string, env?: NodeJS.ProcessEnv) => {
    const server = await startServer([], { cwd: dir, env });
    servers.push(server);
    return server;
  };

  /** A CLI in local mode on its own database in a fresh directory. */
  const local = () => {
    const dir = tempDir();
    const cli: ActorCli = (args, actor) => runCli([...args, '--as', actor], { cwd: dir });
    return { dir, cli };
  };

  /** A server on a fresh home with one token per actor (name → role), and a CLI talking to it. */
  const remote = async (actors: Record<string, string>): Promise<RemoteCli> => {
    const serverDir = tempDir();
    const env = { CHANGEGATE_HOME: join(serverDir, 'data') };
    const tokens = new Map<string, string>();
    for (const [name, role] of Object.entries(actors)) {
      const created = await runCli(['token', 'create', '--name', name, '--role', role, '--json'], {
        cwd: serverDir,
        env,
      });
      expect(created.code, created.stderr).toBe(0);
      tokens.set(name, JSON.parse(created.stdout).secret);
    }
    const server = await serve(serverDir, env);
    const dir = tempDir();
    const cli: ActorCli = (args, actor) => {
      const token = tokens.get(actor);
      if (!token) throw new Error(`no token for actor '${actor}': add it to the actors of remote()`);
      return runCli(args, { cwd: dir, env: { CHANGEGATE_SERVER: server.url, CHANGEGATE_TOKEN: token } });
    };
    return { dir, server, cli };
  };

  /** Tells the story locally, then against a server with the actors' tokens; returns both answers. */
  const bothWays = async <T>(
    actors: Record<string, string>,
    story: (cli: ActorCli, dir: string) => Promise<T>,
  ) => {
    const here = local();
    const localAnswer = await story(here.cli, here.dir);
    const there = await remote(actors);
    const remoteAnswer = await story(there.cli, there.dir);
    return { local: localAnswer, remote: remoteAnswer, remoteCli: there };
  };

  return { tempDir, serve, local, remote, bothWays };
}

/**
 * Replaces what differs between two databases telling the same story: ULIDs and ISO instants (unless
 * `keepTime` says an instant is one the story itself chose).
 */
export function normalizeIdsAndTimes(text: string, keepTime: (iso: string) => boolean = () => false) {
  return text
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, (t) => (keepTime(t) ? t : '<time>'));
}

/** Compares output as it is, for stories whose output holds nothing that differs between databases. */
export const verbatim = (text: string) => text;

/** The indices from `from` up to, not including, `to`. */
export const stepRange = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/**
 * Expects the remote story to exit as the local one did at every step, and, at each of `steps`, to
 * print the same stdout once normalised (ids and times by default) and the same stderr.
 */
export function expectSameAnswers(
  local: StoryStep[],
  remote: StoryStep[],
  options: { steps: number[]; normalize?: (text: string) => string; compareStderr?: boolean },
) {
  const normalize = options.normalize ?? ((text: string) => normalizeIdsAndTimes(text));
  const differing = remote
    .filter((r, i) => r.code !== local[i]?.code)
    .map((r) => `${r.args.join(' ')}: ${r.err}`);
  expect(
    remote.map((s) => s.code),
    differing.join('\n'),
  ).toEqual(local.map((s) => s.code));
  for (const i of options.steps) {
    const what = local[i]?.args.join(' ');
    expect(normalize(remote[i]?.out ?? ''), what).toBe(normalize(local[i]?.out ?? ''));
    if (options.compareStderr !== false) expect(remote[i]?.err, what).toBe(local[i]?.err);
  }
}

/** The step at an index, failing clearly when the story has fewer steps. */
export function stepAt(steps: StoryStep[], i: number): StoryStep {
  const step = steps[i];
  if (!step) throw new Error(`the story has ${steps.length} steps, none at index ${i}`);
  return step;
}
