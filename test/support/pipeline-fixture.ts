import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import type {
  DeploymentDto,
  EvidenceDto,
  InventoryAddResultDto,
  InventoryLabelDto,
  PromotionDto,
} from '../../src/api/pipeline-schemas.js';
import type {
  AttachmentDto,
  AuditEventDto,
  ChangeRequestDetailDto,
  ChangeRequestPageDto,
} from '../../src/api/schemas.js';
import { type CliResult, cleanEnv, cliPath, runCli } from './cli-process.js';
import { createPostgresDatabase } from './postgres.js';
import { createToken, startServer } from './server-process.js';

/**
 * One changegate "world" for the end-to-end pipeline suites: a fresh database driven through the built
 * CLI as separate processes, in one of three modes — local on SQLite, local on PostgreSQL, or remote
 * (a `changegate serve` on a loopback port, every command over HTTP with a per-person API token).
 */

export type PipelineMode = 'sqlite' | 'postgres' | 'remote';

/** The full matrix; PostgreSQL only when the global setup found a server (it prints a notice otherwise). */
export function pipelineModes(): PipelineMode[] {
  return inject('postgres') ? ['sqlite', 'postgres', 'remote'] : ['sqlite', 'remote'];
}

/** Who acts. In local mode the pipeline is CHANGEGATE_ACTOR and people use `--as`; remotely each has a token. */
export const people = {
  pipeline: 'ci-bot',
  manager: 'alice@example.com',
  approver: 'bob@example.com',
} as const;
export type Person = (typeof people)[keyof typeof people];

const roles: Record<Person, string> = {
  'ci-bot': 'pipeline',
  'alice@example.com': 'change_manager',
  'bob@example.com': 'approver',
};

export interface BackgroundCli {
  pid: number;
  /** Resolves when the process has exited; killed, it has code 1 and `signal` set. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** Sends the signal to the CLI and everything it started (its deploy step's shell and sleep). */
  kill(signal: NodeJS.Signals): void;
}

export interface PipelineWorld {
  mode: PipelineMode;
  /** Scratch directory for files a test writes (PR bodies, logs, markers). */
  dir: string;
  /** The environment a CLI child acting as `who` gets (also inherited by the deploy steps it runs). */
  env(who?: Person): NodeJS.ProcessEnv;
  /** `extra` adds to the child's environment (and so to its deploy steps'). */
  cli(args: string[], who?: Person, extra?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Runs with `--json`, expects exit 0 and returns the parsed document. */
  json<T>(args: string[], who?: Person): Promise<T>;
  /** Starts a long-running command (a deploy that sleeps) without waiting for it. */
  start(args: string[], who?: Person): BackgroundCli;
  /** Runs a command line through `sh -c`, with `changegate` meaning the built CLI. */
  shell(line: string, who?: Person): Promise<CliResult>;
  close(): Promise<void>;
}

/** A fresh world in the mode, with `config` (changegate.yaml text) applied by the change manager. */
export async function createWorld(mode: PipelineMode, label: string, config: string): Promise<PipelineWorld> {
  const root = mkdtempSync(join(tmpdir(), `changegate-${label}-${mode}-`));
  const dir = join(root, 'work');
  mkdirSync(dir);
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(root, { recursive: true, force: true })];
  const base = { CHANGEGATE_LOG_LEVEL: 'warn' };
  let env: (who: Person) => NodeJS.ProcessEnv;

  if (mode === 'remote') {
    const db = { db: join(root, 'server', 'changegate.db'), home: join(root, 'server') };
    mkdirSync(db.home);
    const tokens = {} as Record<Person, string>;
    for (const who of Object.values(people)) tokens[who] = await createToken(db, who, roles[who]);
    const server = await startServer(db);
    const url = server.url;
    cleanups.unshift(async () => {
      await server.stop('SIGTERM');
    });
    env = (who) => ({
      ...base,
      CHANGEGATE_HOME: join(root, 'client'),
      CHANGEGATE_SERVER: url,
      CHANGEGATE_TOKEN: tokens[who],
    });
  } else {
    let url = join(root, 'changegate.db');
    if (mode === 'postgres') {
      const pg = await createPostgresDatabase(label);
      url = pg.url;
      cleanups.push(pg.drop);
    }
    env = () => ({
      ...base,
      CHANGEGATE_HOME: join(root, 'home'),
      CHANGEGATE_DB: url,
      CHANGEGATE_ACTOR: people.pipeline,
    });
  }

  const argv = (args: string[], who: Person = people.pipeline) =>
    mode !== 'remote' && who !== people.pipeline ? [...args, '--as', who] : args;
  const world: PipelineWorld = {
    mode,
    dir,
    env: (who = people.pipeline) => env(who),
    cli: (args, who = people.pipeline, extra = {}) =>
      runCli(argv(args, who), { cwd: dir, env: { ...env(who), ...extra } }),
    json: async <T>(args: string[], who: Person = people.pipeline) => {
      const r = await runCli(argv([...args, '--json'], who), { cwd: dir, env: env(who) });
      if (r.code !== 0)
        throw new Error(`changegate ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
      return JSON.parse(r.stdout) as T;
    },
    start: (args, who = people.pipeline) => startCli(argv(args, who), dir, env(who)),
    shell: (line, who = people.pipeline) =>
      new Promise((resolve) => {
        const script = `changegate() { "$CG_NODE" "$CG_CLI" "$@"; }\n${line}`;
        execFile(
          'sh',
          ['-c', script],
          {
            cwd: dir,
            env: { ...cleanEnv(), ...env(who), CG_NODE: process.execPath, CG_CLI: cliPath },
            maxBuffer: 64 * 1024 * 1024,
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      }),
    close: async () => {
      for (const cleanup of cleanups) await cleanup();
    },
  };

  const configFile = join(dir, 'changegate.yaml');
  writeFileSync(configFile, config);
  try {
    await world.json(['config', 'apply', '-f', configFile], people.manager);
  } catch (error) {
    await world.close();
    throw error;
  }
  return world;
}

function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): BackgroundCli {
  // Its own process group, so a kill reaches the deploy step's shell too and leaves no stray `sleep`.
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code: code ?? 1, stdout, stderr, signal })),
  );
  return {
    pid: child.pid as number,
    done,
    kill: (signal) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Polls until the file exists (a deploy step's marker); fails after `timeoutMs`. */
export async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// The story's pieces: builds, evidence, promotions, deployments and what to read back.

export const sbomFixture = (file: string) => join(import.meta.dirname, '..', 'fixtures', 'sbom', file);

export interface Build {
  name: string;
  version: string;
  commitSha: string;
  artifact: string;
  sha256: string;
  repositoryUrl: string;
  /** The commit as an evidence asset: `<repo>#<sha>`. */
  commitAsset: string;
}

/** A deterministic build of `name@version`: its own commit, digest and artifact. */
export function build(name: string, version: string): Build {
  const commitSha = createHash('sha1').update(`${name}@${version}`).digest('hex');
  const sha256 = createHash('sha256').update(`${name}@${version}`).digest('hex');
  const repositoryUrl = `https://github.com/acme/${name}`;
  return {
    name,
    version,
    commitSha,
    sha256,
    artifact: `docker://registry.example/acme/${name}@sha256:${sha256}`,
    repositoryUrl,
    commitAsset: `${repositoryUrl}#${commitSha}`,
  };
}

export function buildFlags(b: Build, ciRun = `ci-${b.name}-${b.version}`): string[] {
  return [
    '--name',
    b.name,
    '--version',
    b.version,
    '--artifact',
    b.artifact,
    '--sha256',
    b.sha256,
    '--commit-sha',
    b.commitSha,
    '--repository-url',
    b.repositoryUrl,
    '--pipeline-run-id',
    ciRun,
  ];
}

export function recordBuild(w: PipelineWorld, b: Build, extra: string[] = []) {
  return w.json<InventoryAddResultDto>(['inventory', 'add', ...buildFlags(b), ...extra]);
}

export function recordEvidence(
  w: PipelineWorld,
  b: Build,
  result: 'success' | 'failure' | 'pending',
  options: { type?: string; tool?: string } = {},
) {
  return w.json<EvidenceDto>([
    'evidence',
    'add',
    '--type',
    options.type ?? 'unit_tests',
    '--result',
    result,
    '--tool',
    options.tool ?? 'jest',
    '--asset',
    b.commitAsset,
  ]);
}

/** The required CR fields of a promotion. */
export const crFields = [
  '--priority',
  'moderate',
  '--assignee',
  'dev@example.com',
  '--customer-impact',
  'low',
  '--deployment-impact',
  'small',
];

/** Promotes the named entries (globs) from CI's inventory to `target`, with `crFields` unless overridden. */
export function promote(w: PipelineWorld, target: string, include: string[], extra: string[] = []) {
  return w.json<PromotionDto>([
    'promote',
    '--target',
    target,
    ...include.flatMap((glob) => ['--include', glob]),
    ...crFields,
    ...extra,
  ]);
}

/** Records the builds with their unit-test evidence (success = ready) and promotes them to `target`. */
export async function ship(
  w: PipelineWorld,
  target: string,
  builds: Build[],
  options: { evidence?: 'success' | 'failure'; promote?: string[]; sbom?: string } = {},
): Promise<PromotionDto> {
  for (const b of builds) {
    await recordBuild(w, b, options.sbom ? ['--sbom', options.sbom] : []);
    await recordEvidence(w, b, options.evidence ?? 'success');
  }
  return promote(
    w,
    target,
    builds.map((b) => b.name),
    options.promote ?? [],
  );
}

export const steps = {
  ok: ['--deploy-cmd', 'echo deploying', '--acceptance-cmd', 'echo accepted'],
};

export interface DeployResult extends CliResult {
  doc: DeploymentDto;
}

/** `deploy …` (or `deploy begin`, `rollback` …) with --json; the document is parsed whatever the exit code. */
export async function runDeploy(
  w: PipelineWorld,
  args: string[],
  who?: Person,
  extra?: NodeJS.ProcessEnv,
): Promise<DeployResult> {
  const r = await w.cli([...args, '--json'], who, extra);
  let doc: DeploymentDto;
  try {
    doc = JSON.parse(r.stdout) as DeploymentDto;
  } catch {
    throw new Error(
      `changegate ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stderr}\n${r.stdout}`,
    );
  }
  return { ...r, doc };
}

export function deploy(w: PipelineWorld, env: string, extra: string[] = steps.ok): Promise<DeployResult> {
  return runDeploy(w, ['deploy', '--env', env, ...extra]);
}

export function changeRequest(w: PipelineWorld, ref: string): Promise<ChangeRequestDetailDto> {
  return w.json<ChangeRequestDetailDto>(['cr', 'get', ref]);
}

export async function changeRequestCount(w: PipelineWorld): Promise<number> {
  const page = await w.json<ChangeRequestPageDto>(['cr', 'list', '--all']);
  return page.items.length;
}

/** An environment's labels as label → revision number. */
export async function labels(w: PipelineWorld, env: string): Promise<Record<string, number>> {
  const list = await w.json<InventoryLabelDto[]>(['inventory', 'labels', '--env', env]);
  return Object.fromEntries(list.map((l) => [l.label, l.revisionSeq]));
}

/** The text of the CR's (latest) attachment of a kind, fetched with `cr download … --out -`. */
export async function download(w: PipelineWorld, ref: string, kind: string): Promise<string> {
  const list = await w.json<AttachmentDto[]>(['cr', 'attachments', ref]);
  const found = list.filter((a) => a.kind === kind).at(-1);
  if (!found)
    throw new Error(`${ref} has no ${kind} attachment (has: ${list.map((a) => a.kind).join(', ')})`);
  const r = await w.cli(['cr', 'download', ref, found.id, '--out', '-']);
  expect(r.code, r.stderr).toBe(0);
  expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(found.sha256);
  return r.stdout;
}

export async function downloadJson<T = Record<string, unknown>>(
  w: PipelineWorld,
  ref: string,
  kind: string,
): Promise<T> {
  return JSON.parse(await download(w, ref, kind)) as T;
}

/** The CR's states in the order the audit trail recorded them (read by the change manager). */
export async function stateHistory(w: PipelineWorld, ref: string): Promise<string[]> {
  const events = await w.json<AuditEventDto[]>(['audit', 'log', '--cr', ref], people.manager);
  return events.flatMap((e) => {
    const state = (e.after as { state?: unknown } | null)?.state;
    return typeof state === 'string' ? [state] : [];
  });
}

/** Writes a file into the world's scratch directory and returns its path. */
export function scratchFile(w: PipelineWorld, name: string, content: string): string {
  const path = join(w.dir, name);
  writeFileSync(path, content);
  return path;
}

/**
 * The policy of the core suites: unit tests required before any deployment, the deployment's own
 * acceptance tests (CD scope, collected in the target) required at closure, and a compliance profile.
 * `environments` is YAML list items (`  - name: …`).
 */
export function policyWithChecks(environments: string): string {
  return `
environments:
${environments}
autoApproval:
  maxRisk: moderate
evidenceChecks:
  version: "2.0"
  pre-deployment:
    - evidence_type_id: com.ibm.unit_tests
      rules:
        - asset_type: commit
          source_environments: [{ name: ci-pipeline }]
          target_environments: [{ name: "$target" }]
          required: [{ name: tool, values: ["*"] }]
  post-deployment:
    - evidence_type_id: acceptance_tests
      rules:
        - asset_type: image
          source_environments: [{ name: "$target" }]
          target_environments: [{ name: "$target" }]
          required: [{ name: tool, values: ["*"] }]
complianceProfile:
  name: scc-default
  document:
    profile: SOC 2 baseline
    controls: [CC6.1, CC7.2, CC8.1]
`;
}
