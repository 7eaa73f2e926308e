import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import type { DeploymentDto, StageDto } from '../src/api/pipeline-schemas.js';
import { type App, createApp } from '../src/app.js';
import type { ChangegateApi } from '../src/client/changegate-api.js';
import { localApi } from '../src/client/local-api.js';
import { loadConfig } from '../src/config.js';
import { requireTenant } from '../src/services/access/tenant-service.js';
import {
  type BenchResult,
  fmt,
  header,
  isMain,
  log,
  median,
  runStandalone,
  sizeFromEnv,
  type TempDir,
  tempDir,
} from './support.js';

/*
 * Benchmark: what `changegate deploy` adds on top of its own deploy and acceptance commands, run as a
 * real process (local mode on SQLite, remote mode against `serve` on loopback), against the bare
 * start-up of the same CLI (`--version`). The process helpers here are shared with approval-latency.ts.
 */

// ---------------------------------------------------------------------------------------------------
// Shared with approval-latency.ts: the built CLI as a process, a workspace, a server, synthetic releases.

/** The built CLI (dist/cli/main.js), found from dist-bench/bench/ or, run with a TS loader, from bench/. */
export const cliPath = [
  resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'),
  resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js'),
].find((p) => existsSync(p)) as string;

function requireCli(): void {
  if (!cliPath) throw new Error('dist/cli/main.js is missing: run `npm run build` (npm run bench does)');
}

/** A CLI (or other) process that has exited: its output and its wall time from spawn to exit. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from just before spawn() to the child's exit event. */
  ms: number;
  /** Date.now() at the exit event: the wall-clock instant the process was seen to end. */
  exitedAt: number;
}

export interface Running {
  child: ChildProcess;
  /** Resolves once the process has exited and its pipes have closed. */
  done: Promise<Finished>;
  /** Resolves with the first stderr line matching the pattern (rejects if the process ends first). */
  stderrLine(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Spawns `node dist/cli/main.js ...args`; stdin closed, stdout and stderr collected. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): Running {
  requireCli();
  return startNode([cliPath, ...args], env);
}

/** Spawns `node ...args` (this node binary); stdin closed, stdout and stderr collected. */
function startNode(args: string[], env: NodeJS.ProcessEnv): Running {
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] =
    [];
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8');
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderr += `${line}\n`;
    for (const w of [...waiters]) {
      const m = w.pattern.exec(line);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  let ms = 0;
  let exitedAt = 0;
  let code: number | null = null;
  let signal: NodeJS.Signals | null = null;
  child.once('exit', (c, s) => {
    ms = Number(process.hrtime.bigint() - start) / 1e6;
    exitedAt = Date.now();
    code = c;
    signal = s;
  });
  const done = new Promise<Finished>((resolveDone, rejectDone) => {
    child.once('error', rejectDone);
    child.once('close', () => {
      for (const w of waiters.splice(0))
        w.reject(
          new Error(
            `node ${args.slice(0, 2).join(' ')} exited (${code ?? signal}) first; stderr:\n${stderr}`,
          ),
        );
      resolveDone({ code, signal, stdout, stderr, ms, exitedAt });
    });
  });
  return {
    child,
    done,
    stderrLine: (pattern) =>
      new Promise((resolveLine, rejectLine) => {
        waiters.push({ pattern, resolve: resolveLine, reject: rejectLine });
      }),
  };
}

/** Runs the CLI to completion. */
export function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return startCli(args, env).done;
}

/** Fails with the process's output unless it exited 0. */
export function expectOk(what: string, r: Finished): Finished {
  if (r.code !== 0) {
    throw new Error(`${what} exited with ${r.code ?? r.signal}:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

/** The environment of a CLI child: none of the caller's CHANGEGATE_* settings, the workspace's home. */
export function cliEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CHANGEGATE_')) delete env[key];
  return { ...env, CHANGEGATE_HOME: home, CHANGEGATE_LOG_LEVEL: 'warn', ...extra };
}

/** A temp dir holding the SQLite database, with changegate open on it in this process for the setup. */
export interface Workspace {
  dir: TempDir;
  home: string;
  db: string;
  app: App;
  /** The port the CLI uses in local mode, here as an admin called `bench-setup`. */
  api: ChangegateApi;
  close(): Promise<void>;
}

export async function workspace(label: string): Promise<Workspace> {
  const dir = tempDir(label);
  try {
    const config = { ...loadConfig({ CHANGEGATE_HOME: dir.path }, {}), logLevel: 'silent' };
    const app = await createApp(config, { logger: pino({ level: 'silent' }) });
    const tenant = await requireTenant(app.deps, 'default');
    const api = localApi(app, {
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      name: 'bench-setup',
      role: 'admin',
    });
    await api.applyConfig({
      document: { version: 1, environments: [{ name: 'prod', purpose: 'production' }] },
      source: 'version: 1\nenvironments:\n  - name: prod\n    purpose: production\n',
    });
    return {
      dir,
      home: dir.path,
      db: config.database,
      app,
      api,
      close: async () => {
        try {
          await app.close();
        } finally {
          dir.cleanup();
        }
      },
    };
  } catch (error) {
    dir.cleanup();
    throw error;
  }
}

export interface Server {
  url: string;
  stop(): Promise<void>;
}

/** `changegate serve --host 127.0.0.1 --port 0` on the workspace's database, as tests start it. */
export async function startServer(ws: Workspace): Promise<Server> {
  const running = startCli(
    ['serve', '--host', '127.0.0.1', '--port', '0', '--db', ws.db],
    cliEnv(ws.home, { CHANGEGATE_LOG_LEVEL: 'warn' }),
  );
  const exited = running.done.then((r) => {
    throw new Error(`changegate serve exited (${r.code ?? r.signal}) before listening:\n${r.stderr}`);
  });
  exited.catch(() => {});
  const lines = createInterface({ input: running.child.stdout as NodeJS.ReadableStream });
  const url = await Promise.race([
    new Promise<string>((resolveUrl) =>
      lines.on('line', (line) => {
        try {
          const parsed = JSON.parse(line) as { listening?: unknown };
          if (typeof parsed.listening === 'string') resolveUrl(parsed.listening);
        } catch {
          // not the listening line
        }
      }),
    ),
    exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error('changegate serve printed no listening line in 30 s')),
        30_000,
      ).unref(),
    ),
  ]).catch((error: unknown) => {
    running.child.kill('SIGKILL');
    throw error;
  });
  return {
    url,
    stop: async () => {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
      await running.done;
    },
  };
}

export type Mode = 'local' | 'remote';

/** How the CLI children of one mode reach changegate, and who they act as. */
export interface ModeSetup {
  mode: Mode;
  /** For deploy (local mode: acting as `pipeline-bot`; remote: a pipeline token). */
  pipelineEnv: NodeJS.ProcessEnv;
  /** For cr approve / cr get (local: pass `approverArgs`; remote: an approver token). */
  approverEnv: NodeJS.ProcessEnv;
  approverArgs: string[];
  close(): Promise<void>;
}

/** Local mode: the CLI opens the SQLite file itself. Remote: tokens created first, then a server. */
export async function modeSetup(ws: Workspace, mode: Mode): Promise<ModeSetup> {
  if (mode === 'local') {
    return {
      mode,
      pipelineEnv: cliEnv(ws.home, { CHANGEGATE_DB: ws.db, CHANGEGATE_ACTOR: 'pipeline-bot' }),
      approverEnv: cliEnv(ws.home, { CHANGEGATE_DB: ws.db }),
      approverArgs: ['--as', 'alice'],
      close: async () => {},
    };
  }
  const pipeline = await ws.api.createToken({ name: 'pipeline-bot', role: 'pipeline' });
  const approver = await ws.api.createToken({ name: 'alice', role: 'approver' });
  const server = await startServer(ws);
  return {
    mode,
    pipelineEnv: cliEnv(ws.home, { CHANGEGATE_SERVER: server.url, CHANGEGATE_TOKEN: pipeline.secret }),
    approverEnv: cliEnv(ws.home, { CHANGEGATE_SERVER: server.url, CHANGEGATE_TOKEN: approver.secret }),
    approverArgs: [],
    close: () => server.stop(),
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A synthetic but schema-valid CycloneDX 1.5 SBOM for one image: `components` libraries, of which
 * `shared` are the same in every entry's SBOM (same purl, same hash) so the merge has duplicates to drop;
 * the rest have purls unique to the entry. The image depends on every library.
 */
export function syntheticSbom(name: string, version: string, components: number, shared: number): object {
  const libs = Array.from({ length: components }, (_, k) => {
    const purl =
      k < shared
        ? `pkg:npm/%40acme/shared-lib-${k}@1.${k % 7}.0`
        : `pkg:npm/${name}-dep-${k}@${1 + (k % 3)}.${k % 10}.${k % 4}`;
    const [, pkgName = '', pkgVersion = ''] = /^pkg:npm\/(.+)@([^@]+)$/.exec(purl) ?? [];
    return {
      type: 'library',
      'bom-ref': purl,
      name: decodeURIComponent(pkgName),
      version: pkgVersion,
      purl,
      hashes: [{ alg: 'SHA-256', content: sha256(purl) }],
      licenses: [{ license: { id: k % 5 === 0 ? 'Apache-2.0' : 'MIT' } }],
    };
  });
  const root = `pkg:oci/${name}@${version}`;
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: new Date().toISOString(),
      component: { type: 'container', 'bom-ref': root, name, version, purl: root },
    },
    components: libs,
    dependencies: [
      { ref: root, dependsOn: libs.map((l) => l['bom-ref']) },
      ...libs.map((l) => ({ ref: l['bom-ref'] })),
    ],
  };
}

export interface ReleaseSpec {
  /** Distinguishes the versions of every release in one workspace. */
  release: number;
  entries: number;
  evidencePerEntry: number;
  sbomComponents: number;
  sharedComponents: number;
}

const evidenceTypes = [
  'unit_tests',
  'code_vulnerability_scan',
  'peer_review',
  'dependency_scan',
  'branch_protection',
  'image_signing',
  'static_scan',
];

/**
 * What CI and the promotion PR do before a deployment, through the same port the CLI uses: one
 * batch of new builds (each with its SBOM) in `master`, passing evidence on each build's image or
 * commit, then a promotion of all of it to `prod` (no risk given, so a ready delta is auto-approved).
 */
export async function publishRelease(api: ChangegateApi, spec: ReleaseSpec): Promise<void> {
  const builds = Array.from({ length: spec.entries }, (_, i) => {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const version = `1.${spec.release}.0`;
    const digest = hex(32);
    return {
      name,
      version,
      artifact: `docker://registry.example.com/acme/${name}@sha256:${digest}`,
      type: 'image',
      sha256: digest,
      commitSha: hex(20),
      repositoryUrl: `https://github.com/acme/${name}`,
      buildNumber: String(spec.release),
      pipelineRunId: `ci-${spec.release}-${name}`,
      sbom: syntheticSbom(name, version, spec.sbomComponents, spec.sharedComponents),
    };
  });
  const added = await api.addInventory({ ciStatus: 'success', entries: builds });
  if (!added.updated) throw new Error(`inventory add recorded nothing: ${added.reason}`);
  for (const b of builds) {
    for (let k = 0; k < spec.evidencePerEntry; k++) {
      const type = evidenceTypes[k % evidenceTypes.length] as string;
      await api.addEvidence({
        evidenceTypeId: k < evidenceTypes.length ? type : `${type}_${k}`,
        result: 'success',
        tool: `tool-${k}`,
        assets: [k % 2 === 0 ? b.artifact : `${b.repositoryUrl}#${b.commitSha}`],
        pipelineRunId: b.pipelineRunId,
        findings: [],
        issues: [],
        attachments: [],
      });
    }
  }
  await api.promote({
    source: 'master',
    target: 'prod',
    include: [],
    exclude: [],
    labels: [],
    fields: {
      priority: 'moderate',
      assignee: 'release-manager@example.com',
      customerImpact: 'low',
      deploymentImpact: 'small',
      description: `release ${spec.release} of ${spec.entries} services`,
    },
  });
}

/** A result whose figures are times: lower is better, and the ratio is changegate ÷ baseline. */
export interface TimeResult extends BenchResult {
  lowerIsBetter: true;
}

export function isTimeResult(r: BenchResult): r is TimeResult {
  return (r as Partial<TimeResult>).lowerIsBetter === true;
}

export function printTimeResult(r: TimeResult): void {
  const q = r.baseline > 0 ? r.subject / r.baseline : Number.NaN;
  log(`   changegate : ${fmt(r.subject, 1)} ${r.unit}`);
  log(`   baseline   : ${fmt(r.baseline, 1)} ${r.unit}  (${r.baselineLabel})`);
  log(
    `   ratio      : ${Number.isFinite(q) ? q.toFixed(2) : 'n/a'}  [changegate / baseline, lower is better]`,
  );
  for (const note of r.notes) log(`   note       : ${note}`);
}

export function stage(d: DeploymentDto, name: string): StageDto | undefined {
  return d.stages.filter((s) => s.name === name).at(-1);
}

export function parseDeployment(what: string, r: Finished): DeploymentDto {
  try {
    return JSON.parse(r.stdout) as DeploymentDto;
  } catch {
    throw new Error(`${what}: stdout is not JSON (exit ${r.code ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
}

export function max(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}

// ---------------------------------------------------------------------------------------------------
// The deploy-overhead benchmark.

const serverStages = ['target', 'change_request', 'gate', 'close'] as const;

const deployArgs = [
  'deploy',
  '--env',
  'prod',
  '--deploy-cmd',
  'true',
  '--acceptance-cmd',
  'true',
  '--json',
] as const;

async function overheadFor(mode: Mode, spec: Omit<ReleaseSpec, 'release'>, runs: number) {
  const ws = await workspace(`deploy-${mode}`);
  let setup: ModeSetup | undefined;
  try {
    setup = await modeSetup(ws, mode);
    const env = setup.pipelineEnv;
    const startup: number[] = [];
    const nodeStartup: number[] = [];
    const walls: number[] = [];
    const overheads: number[] = [];
    const setupMs: number[] = [];
    const stageMs = new Map<string, number[]>();
    let documents = '';

    // Release 0 is the warm-up (the first deployment: every entry added); the timed ones change all.
    for (let release = 0; release <= runs; release++) {
      const setupStart = performance.now();
      await publishRelease(ws.api, { ...spec, release });
      const prepared = performance.now() - setupStart;

      // Alternate which goes first, so drift on a noisy machine does not favour one side.
      const bare = async () => expectOk('changegate --version', await cli(['--version'], env)).ms;
      const bareFirst = release % 2 === 0;
      const before = bareFirst ? await bare() : 0;
      const r = await cli([...deployArgs], env);
      const bareMs = bareFirst ? before : await bare();
      const nodeMs = expectOk('node -e 0', await startNode(['-e', '0'], env).done).ms;
      const d = parseDeployment(`deploy (${mode}, release ${release})`, r);
      expectOk(`deploy (${mode}, release ${release})`, r);
      if (d.status !== 'successful_deployment' || d.delta.length !== spec.entries) {
        throw new Error(
          `deploy (${mode}, release ${release}): status ${d.status}, delta ${d.delta.length} entries; expected a successful deployment of ${spec.entries}\n${r.stderr}`,
        );
      }
      const steps = (stage(d, 'deploy')?.durationMs ?? 0) + (stage(d, 'acceptance')?.durationMs ?? 0);
      const line = serverStages.map((s) => `${s} ${stage(d, s)?.durationMs ?? '-'}`).join(', ');
      if (release === 0) {
        log(`   ${mode} warm-up: deploy ${fmt(r.ms)} ms (${line} ms); setup ${fmt(prepared)} ms`);
        continue;
      }
      startup.push(bareMs);
      nodeStartup.push(nodeMs);
      walls.push(r.ms);
      overheads.push(r.ms - steps);
      setupMs.push(prepared);
      for (const s of [...serverStages, 'deploy', 'acceptance']) {
        const list = stageMs.get(s) ?? [];
        list.push(stage(d, s)?.durationMs ?? 0);
        stageMs.set(s, list);
      }
      if (release === runs) {
        const attachments = await ws.api.listAttachments(d.changeRequest.number);
        documents = attachments
          .map((a) => `${a.name} ${fmt(a.size / 1024)} KiB`)
          .concat(`deploy --json output ${fmt(Buffer.byteLength(r.stdout) / 1024)} KiB`)
          .join(', ');
      }
      log(
        `   ${mode} run ${release}: deploy ${fmt(r.ms)} ms, own steps ${steps} ms, overhead ${fmt(r.ms - steps)} ms; ` +
          `bare start-up ${fmt(bareMs)} ms; ${mode === 'local' ? 'in-CLI' : 'server'} stages ${line} ms`,
      );
    }
    const medians = Object.fromEntries([...stageMs].map(([k, v]) => [k, median(v)]));
    return {
      startup: median(startup),
      nodeStartup: median(nodeStartup),
      wall: median(walls),
      overhead: median(overheads),
      overheadMax: max(overheads),
      setup: median(setupMs),
      stages: medians as Record<string, number>,
      documents,
    };
  } finally {
    await setup?.close();
    await ws.close();
  }
}

/**
 * Benchmark: the time `changegate deploy --json` takes beyond its own two steps (`true` and `true`),
 * for a delta of many entries with evidence and SBOMs, as a process, in local and remote mode.
 */
export async function benchDeployOverhead(): Promise<TimeResult[]> {
  const entries = sizeFromEnv('BENCH_DEPLOY_ENTRIES', 100, 10);
  const runs = sizeFromEnv('BENCH_DEPLOY_RUNS', 7, 2);
  const sbomComponents = sizeFromEnv('BENCH_SBOM_COMPONENTS', 200, 50);
  const spec = {
    entries,
    evidencePerEntry: 5,
    sbomComponents,
    sharedComponents: Math.floor(sbomComponents / 4),
  };
  header(
    `deploy overhead: \`changegate deploy\` minus its own steps vs bare CLI start-up (${runs} runs, ` +
      `${entries} entries x 5 evidence x ${sbomComponents}-component SBOM)`,
  );
  const results: TimeResult[] = [];
  for (const mode of ['local', 'remote'] as const) {
    const m = await overheadFor(mode, spec, runs);
    const stages = [...serverStages, 'deploy', 'acceptance']
      .map((s) => `${s} ${fmt(m.stages[s] ?? 0)}`)
      .join(', ');
    const accounted = serverStages.reduce((sum, s) => sum + (m.stages[s] ?? 0), 0);
    const result: TimeResult = {
      name: `deploy overhead (${mode})`,
      unit: 'ms',
      subject: m.overhead,
      baseline: m.startup,
      baselineLabel: 'bare CLI start-up: `changegate --version` as a process',
      lowerIsBetter: true,
      notes: [
        `${mode === 'local' ? 'local mode: the CLI opens the SQLite file (CHANGEGATE_DB)' : 'remote mode: CHANGEGATE_SERVER on 127.0.0.1, pipeline token'}`,
        `deploy process wall time ${fmt(m.wall)} ms (median); overhead = wall - deploy step - acceptance step; max ${fmt(m.overheadMax)} ms`,
        `stage medians (ms; run ${mode === 'local' ? 'in the CLI process' : 'in the server'}): ${stages}`,
        `bare start-up ${fmt(m.startup)} ms, of which node itself (\`node -e 0\`) ${fmt(m.nodeStartup)} ms: the rest is loading the CLI's modules`,
        `those four stages: ${fmt(accounted)} ms; the rest (${fmt(m.overhead - accounted)} ms) is process start-up, ` +
          (mode === 'local'
            ? 'opening (and migration-checking) the database, spawning the steps, printing the JSON'
            : 'the begin and finish HTTP round trips and their JSON, spawning the steps, printing the JSON'),
        `documents of the last run: ${m.documents}`,
        `delta: ${entries} changed entries, ${spec.evidencePerEntry} evidence each, SBOMs of ${sbomComponents} components (${spec.sharedComponents} shared by all entries)`,
        `figure: median of ${runs} runs, each on a fresh promotion (setup, not timed: median ${fmt(m.setup)} ms), after one warm-up deployment`,
      ],
    };
    printTimeResult(result);
    results.push(result);
  }
  return results;
}

if (isMain(import.meta.url)) runStandalone(() => benchDeployOverhead().then((r) => r[0] as BenchResult));
