import { hostname } from 'node:os';
import type { Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import { integerOption, readUserFile, run } from '../command-kit.js';
import { note } from '../output.js';

const productVersion = '0.1.0';

export function siemCommands(program: Command): void {
  program
    .command('siem')
    .description('stream the audit trail to a SIEM (docs/siem.md)')
    .command('export')
    .description(
      'send audit events as JSON lines, RFC 5424 syslog or CEF over TCP, TLS or UDP, from a stored cursor',
    )
    .requiredOption('--format <format>', 'jsonl, syslog or cef (CEF inside syslog)')
    .requiredOption('--to <url>', 'tcp://host:port, tls://host:port or udp://host:port')
    .option('--ca <file>', 'PEM CA certificate(s) to trust for tls:// instead of the system roots')
    .option('--from-start', 'start again at event 1 (resets the stored cursor)')
    .option('--resume', 'continue after the stored cursor (the default)')
    .option('--follow', 'keep polling for new events until SIGINT or SIGTERM')
    .option('--interval <ms>', 'poll interval with --follow (default 5000)', integerOption('interval'))
    .option('--batch-size <n>', 'events per batch, 1 to 5000 (default 500)', integerOption('batch-size'))
    .action(
      run(
        async ({ runtime, options }) => {
          if (runtime.remote) {
            throw new AppError(
              'invalid_input',
              'siem export reads the audit trail from the database (local mode) and keeps its cursor there; pass --db or unset CHANGEGATE_SERVER',
              { field: 'db' },
            );
          }
          if (options.fromStart && options.resume) {
            throw new AppError('invalid_input', 'from-start: use either --from-start or --resume, not both', {
              field: 'fromStart',
            });
          }
          const ca = options.ca ? readUserFile('--ca', options.ca as string) : undefined;
          const app = await runtime.openApp();
          const [{ requireTenant }, { exportAuditToSiem }, { connectSiem }] = await Promise.all([
            import('../../services/access/tenant-service.js'),
            import('../../services/siem/siem-export.js'),
            import('../../integrations/siem/siem-transport.js'),
          ]);
          const tenant = await requireTenant(app.deps, runtime.config.tenant);
          const stop = new AbortController();
          const onSignal = () => {
            note('stopping after the current batch');
            stop.abort();
          };
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          try {
            return await exportAuditToSiem(
              app.deps,
              { tenantId: tenant.id, tenantSlug: tenant.slug, name: runtime.config.actor, role: 'admin' },
              {
                format: options.format as string,
                to: options.to as string,
                fromStart: Boolean(options.fromStart),
                follow: Boolean(options.follow),
                intervalMs: options.interval as number | undefined,
                batchSize: options.batchSize as number | undefined,
                signal: stop.signal,
                origin: { hostname: hostname(), procId: String(process.pid), productVersion },
                connect: (dest) => connectSiem(dest, { ca }),
              },
            );
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        },
        (r) => [
          `sent ${r.sent} audit events of tenant '${r.tenant}' to ${r.destination} as ${r.format}; cursor at event ${r.cursor}`,
        ],
      ),
    );
}
