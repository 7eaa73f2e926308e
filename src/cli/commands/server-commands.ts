import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { systemTenant } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import { integerOption, run } from '../command-kit.js';
import { note } from '../output.js';
import { Runtime } from '../runtime.js';

export function serverCommands(program: Command): void {
  program
    .command('init')
    .description('create or upgrade the database and the default tenant (idempotent)')
    .action(
      run(
        async ({ runtime }) => {
          const app = await runtime.openApp();
          return { database: redact(app.config.database), dialect: app.deps.dialect, tenant: systemTenant };
        },
        (r) => [`database ready: ${r.database} (${r.dialect}); tenant '${r.tenant}' exists`],
      ),
    );

  program
    .command('serve')
    .description('run the HTTP API')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', integerOption('port'), 8080)
    .action(async (_opts: unknown, command: Command) => {
      const options = command.optsWithGlobals();
      await serve(new Runtime(options, 'info'), options.host as string, options.port as number);
    });
}

/** Listens until SIGTERM/SIGINT, then stops accepting, finishes in-flight requests and closes the database. */
async function serve(runtime: Runtime, host: string, port: number): Promise<void> {
  if (port < 0 || port > 65535)
    throw new AppError('invalid_input', `port: ${port} is not a port number (0-65535)`, { field: 'port' });
  const app = await runtime.openApp();
  const { bootstrapAdminToken } = await import('../../services/access/token-service.js');
  const bootstrap = await bootstrapAdminToken(app.deps);
  // Loaded here so that every other command starts without Fastify.
  const { buildServer } = await import('../../server/build-server.js');
  const fastify: FastifyInstance = await buildServer(app, {
    logRequests: app.config.logRequests,
    escalationIntervalMs: app.config.escalationIntervalMs,
  });
  const address = await fastify.listen({ host, port });
  note(`changegate listening on ${address}  (database: ${redact(app.config.database)}, ${app.deps.dialect})`);
  note(`API: ${address}/api/v1   OpenAPI: ${address}/api/openapi.json   health: ${address}/healthz`);
  if (bootstrap) {
    note(
      `first start: created admin token '${bootstrap.name}' for tenant '${systemTenant}' (shown once, stored hashed):`,
    );
    note(`  export CHANGEGATE_SERVER=${address} CHANGEGATE_TOKEN=${bootstrap.secret}`);
    note(`  curl -H "Authorization: Bearer $CHANGEGATE_TOKEN" ${address}/api/v1/change-requests`);
  } else {
    note(
      `authenticate with "Authorization: Bearer <token>"; create tokens with: changegate token create --name NAME --role ROLE`,
    );
  }
  // For supervisors and tests: one machine-readable line on stdout.
  process.stdout.write(`${JSON.stringify({ listening: address, pid: process.pid })}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      note(`${signal}: finishing in-flight requests`);
      fastify
        .close()
        .then(() => runtime.close())
        .then(resolve, (error) => {
          note(`shutdown error: ${(error as Error).message}`);
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

function redact(location: string): string {
  return location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
