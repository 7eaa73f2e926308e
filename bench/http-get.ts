import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildServer } from '../src/server/build-server.js';
import { createApiToken } from '../src/services/access/token-service.js';
import { createChangeRequest } from '../src/services/changes/create-change-request.js';
import type { LoadRequest, LoadSummary } from './load-worker.js';
import {
  type BenchResult,
  benchApp,
  fmt,
  header,
  isMain,
  log,
  median,
  printResult,
  runStandalone,
  sizeFromEnv,
  validChange,
} from './support.js';

/** Runs autocannon in a child process against url and returns its summary. */
function load(request: LoadRequest): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./load-worker.js', import.meta.url), [], { stdio: 'inherit' });
    let settled = false;
    child.once('message', (message: { summary?: LoadSummary; error?: string }) => {
      settled = true;
      if (message.summary) resolve(message.summary);
      else reject(new Error(`autocannon failed: ${message.error ?? 'no result'}`));
    });
    child.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with ${code} before reporting`));
      settled = true;
    });
    child.send(request);
  });
}

function describe(label: string, s: LoadSummary | undefined): string {
  if (!s) return `${label}: no run`;
  return (
    `${label}: ${fmt(s.requestsPerSecond)} req/s, ${fmt(s.total)} requests, ` +
    `p50 ${s.latencyP50} ms, p99 ${s.latencyP99} ms, non-2xx ${s.non2xx}, errors ${s.errors}`
  );
}

function checkClean(label: string, s: LoadSummary): void {
  if (s.non2xx > 0 || s.errors > 0 || s.timeouts > 0 || s.total === 0) {
    throw new Error(`${label} run was not clean: ${JSON.stringify(s)}`);
  }
}

async function listen(server: FastifyInstance): Promise<string> {
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Benchmark 2: GET /api/v1/change-requests/{id} over loopback against a bare Fastify route that
 * returns the very same bytes, both driven by the same autocannon settings from another process.
 */
export async function benchHttpGet(): Promise<BenchResult> {
  const connections = sizeFromEnv('BENCH_HTTP_CONNECTIONS', 10, 10);
  const duration = sizeFromEnv('BENCH_HTTP_SECONDS', 5, 1);
  const rounds = sizeFromEnv('BENCH_HTTP_ROUNDS', 3, 1);
  const warmup = Math.min(2, duration);
  header(
    `GET /api/v1/change-requests/{id}: changegate vs bare Fastify ` +
      `(autocannon, ${connections} connections, ${rounds} x ${duration} s each)`,
  );

  const bench = await benchApp('http');
  let real: FastifyInstance | undefined;
  let bare: FastifyInstance | undefined;
  try {
    const cr = await createChangeRequest(bench.app.deps, bench.actor, validChange);
    const { secret } = await createApiToken(bench.app.deps, bench.actor, { name: 'bench', role: 'admin' });
    const headers = { authorization: `Bearer ${secret}` };
    const path = `/api/v1/change-requests/${cr.id}`;

    real = await buildServer(bench.app);
    const realBase = await listen(real);

    const fetched = await fetch(`${realBase}${path}`, { headers });
    const body = await fetched.text();
    if (fetched.status !== 200) throw new Error(`GET ${path} answered ${fetched.status}: ${body}`);
    const contentType = fetched.headers.get('content-type') ?? 'application/json; charset=utf-8';

    // The ceiling: Fastify with no plugins, no auth, no database, sending the pre-serialised body.
    bare = Fastify();
    bare.get('/api/v1/change-requests/:ref', async (_request, reply) => reply.type(contentType).send(body));
    const bareBase = await listen(bare);
    const bareCheck = await fetch(`${bareBase}${path}`, { headers });
    if ((await bareCheck.text()) !== body) throw new Error('bare route does not return the same body');

    const run = async (base: string, seconds: number) =>
      load({ url: `${base}${path}`, connections, duration: seconds, headers });

    // Warm both (JIT, SQLite page cache), then alternate which goes first in each round.
    await run(realBase, warmup);
    await run(bareBase, warmup);
    const realRuns: LoadSummary[] = [];
    const bareRuns: LoadSummary[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 ? (['real', 'bare'] as const) : (['bare', 'real'] as const);
      for (const side of order) {
        const summary = await run(side === 'real' ? realBase : bareBase, duration);
        checkClean(side === 'real' ? 'changegate' : 'bare Fastify', summary);
        (side === 'real' ? realRuns : bareRuns).push(summary);
      }
      log(`   round ${round}: ${describe('changegate', realRuns.at(-1))}`);
      log(`            ${describe('bare      ', bareRuns.at(-1))}`);
    }

    const result: BenchResult = {
      name: 'GET CR over HTTP',
      unit: 'req/s',
      subject: median(realRuns.map((r) => r.requestsPerSecond)),
      baseline: median(bareRuns.map((r) => r.requestsPerSecond)),
      baselineLabel: 'bare Fastify route, same JSON body',
      notes: [
        `response body ${fmt(Buffer.byteLength(body))} bytes, identical on both servers`,
        'changegate: full server (bearer token lookup: sha256 + token row + tenant row, permission check,',
        '            CR row + approvals + comments + attachments queries, DTO, response schema serialisation)',
        'baseline: Fastify() with one route sending the pre-serialised string; no auth, no database',
        `load: autocannon in a child process, ${connections} connections, ${duration} s per run, ${warmup} s warm-up each;`,
        `      both servers in this process, sharing the machine's cores with the load generator`,
        `figure: median req/s of ${rounds} alternating rounds (autocannon's average of per-second samples)`,
      ],
    };
    printResult(result);
    return result;
  } finally {
    await bare?.close();
    await real?.close();
    await bench.close();
  }
}

if (isMain(import.meta.url)) runStandalone(benchHttpGet);
