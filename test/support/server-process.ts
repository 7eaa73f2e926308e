import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { cleanEnv, cliPath } from './cli-process.js';

const run = promisify(execFile);

/** The environment for a child: none of the caller's CHANGEGATE_* settings leak in (e.g. remote mode). */
function childEnv(home: string): NodeJS.ProcessEnv {
  return { ...cleanEnv(), CHANGEGATE_HOME: home, CHANGEGATE_LOG_LEVEL: 'warn' };
}

/** Runs one CLI command with --json against the database and returns its parsed stdout. */
export async function cliJson<T>(args: string[], options: { db: string; home: string }): Promise<T> {
  const { stdout } = await run(process.execPath, [cliPath, ...args, '--db', options.db, '--json'], {
    cwd: options.home,
    env: childEnv(options.home),
    timeout: 30_000,
  });
  return JSON.parse(stdout) as T;
}

/** A token secret, created locally on the database (before a server runs on it). */
export async function createToken(
  options: { db: string; home: string },
  name: string,
  role: string,
): Promise<string> {
  const created = await cliJson<{ secret: string }>(
    ['token', 'create', '--name', name, '--role', role],
    options,
  );
  return created.secret;
}

export interface ServerProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The pid of the node process serving (the child itself: no npm or shell wrapper). */
  pid: number;
  /** Resolves with the exit code or signal once the process has gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the server wrote to stderr so far, for failure messages. */
  stderr(): string;
  /** Sends the signal and waits until the process has exited. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every server this module started that is still running; for afterAll. */
export async function killAllServers(): Promise<void> {
  const exits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(exits);
}

/**
 * Starts `changegate serve --port 0` on the database as a direct child node process and waits for its
 * one JSON line on stdout. Rejects with the server's stderr if it exits or stays silent instead.
 */
export async function startServer(options: {
  db: string;
  home: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [cliPath, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', options.db],
    { cwd: options.home, env: childEnv(options.home), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  const timeoutMs = options.timeoutMs ?? 30_000;
  const listening = await new Promise<{ listening: string; pid: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const fail = (why: string) => {
      clearTimeout(timer);
      lines.close();
      reject(new Error(`changegate serve ${why}; stderr:\n${stderr}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`printed no listening line within ${timeoutMs} ms`);
    }, timeoutMs);
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { listening?: unknown; pid?: unknown };
        if (typeof parsed.listening === 'string' && typeof parsed.pid === 'number') {
          clearTimeout(timer);
          lines.close();
          resolve({ listening: parsed.listening, pid: parsed.pid });
        }
      } catch {
        // Not the listening line; stdout carries nothing else we need.
      }
    });
    exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal}) before listening`));
  });
  if (listening.pid !== child.pid) {
    await stop('SIGKILL');
    throw new Error(`the listening line names pid ${listening.pid} but the spawned process is ${child.pid}`);
  }
  child.stdout?.resume(); // keep draining stdout so the server can never block on a full pipe
  return { url: listening.listening, pid: listening.pid, exited, stderr: () => stderr, stop };
}
