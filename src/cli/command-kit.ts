import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ChangegateApi } from '../client/changegate-api.js';
import { AppError } from '../domain/errors.js';
import { printJson, printLines } from './output.js';
import { type GlobalOptions, Runtime } from './runtime.js';

export type Options = Record<string, unknown> & GlobalOptions;

export interface Invocation {
  api: () => Promise<ChangegateApi>;
  options: Options;
  runtime: Runtime;
}

/**
 * Wraps a command's work: opens local or remote mode, then prints the result as JSON (--json) or
 * through `human`. Errors propagate to main, which maps them to exit codes.
 */
export function run<R>(
  work: (inv: Invocation, ...args: string[]) => Promise<R>,
  human: (result: NonNullable<R>, options: Options) => string[],
) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals() as Options;
    const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const runtime = new Runtime(options);
    try {
      const result = await work({ api: () => runtime.api(), options, runtime }, ...positional);
      // A command that wrote its result itself (raw bytes on stdout) returns nothing to print.
      if (result === undefined) return;
      if (options.json) printJson(result);
      else {
        const lines = human(result as NonNullable<R>, options);
        if (lines.length > 0) printLines(lines);
      }
    } finally {
      await runtime.close();
    }
  };
}

/** Repeatable or comma-separated flag values: --state new --state assess, or --state new,assess. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

export function integerOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n))
      throw new AppError('invalid_input', `${name}: '${value}' is not a whole number`, { field: name });
    return n;
  };
}

/** Reads a file the user named on the command line; a missing or unreadable file is invalid input naming the flag. */
export function readUserFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new AppError(
      'invalid_input',
      `${flag}: cannot read '${path}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      {
        field: flag.replace(/^--/, ''),
      },
    );
  }
}

/** Reads a JSON file the user named; a syntax error names the flag and the file. */
export function readJsonFile(flag: string, path: string): unknown {
  const text = readUserFile(flag, path)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_input', `${flag}: '${path}' is not valid JSON: ${(error as Error).message}`, {
      field: flag.replace(/^--/, ''),
    });
  }
}
