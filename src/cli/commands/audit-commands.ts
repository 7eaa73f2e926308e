import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import type { PackageReport } from '../../services/audit/verify-audit-package.js';
import { integerOption, readUserFile, run } from '../command-kit.js';
import { note } from '../output.js';
import { renderAuditEvents, renderVerify } from '../render.js';

/** Exit code when verification fails: the chain is broken, which is not an input error. */
const verifyFailedExit = 1;

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');

  audit
    .command('verify')
    .description('re-hash the whole chain; name the first event that was edited, deleted or reordered')
    .option('--checkpoint <file>', 'also check the log still passes through this signed checkpoint')
    .action(
      run(async ({ api, options }) => {
        let checkpoint: unknown;
        if (options.checkpoint) {
          try {
            checkpoint = JSON.parse(readFileSync(options.checkpoint as string, 'utf8'));
          } catch (error) {
            throw new AppError(
              'invalid_input',
              `checkpoint: cannot read '${options.checkpoint}': ${(error as Error).message}`,
              {
                field: 'checkpoint',
              },
            );
          }
        }
        const report = await (await api()).auditVerify(checkpoint);
        if (!report.ok) process.exitCode = verifyFailedExit;
        return report;
      }, renderVerify),
    );

  audit
    .command('log')
    .description('audit events in sequence order')
    .option('--cr <ref>', 'only events about this change request')
    .option('--after <seq>', 'start after this sequence number', integerOption('after'))
    .option('--limit <n>', 'at most this many events (default 1000)', integerOption('limit'))
    .action(
      run(
        async ({ api, options }) =>
          (await api()).auditLog({
            changeRequest: options.cr as string | undefined,
            afterSeq: options.after as number | undefined,
            limit: options.limit as number | undefined,
          }),
        renderAuditEvents,
      ),
    );

  audit
    .command('checkpoint')
    .description('print a signed (Ed25519) checkpoint of the chain head to keep somewhere else')
    .option('--out <file>', 'write it to a file instead of stdout')
    .action(
      run(
        async ({ api, options }) => {
          const cp = await (await api()).auditCheckpoint();
          if (options.out) {
            writeFileSync(options.out as string, `${JSON.stringify(cp, null, 2)}\n`);
            note(`checkpoint of tenant '${cp.tenant}' at event ${cp.sequence} written to ${options.out}`);
          }
          return cp;
        },
        (cp, options) => (options.out ? [] : [JSON.stringify(cp, null, 2)]),
      ),
    );

  audit
    .command('export')
    .description(
      "write one CR's offline-verifiable audit package (tar.gz: records, attachments, chain proof)",
    )
    .requiredOption('--cr <ref>', 'the change request (number or id)')
    .requiredOption('--out <file>', 'where to write the package')
    .action(
      run(
        async ({ api, options }) => {
          const { archive } = await (await api()).auditPackage(options.cr as string);
          writeFileSync(options.out as string, archive);
          return { changeRequest: options.cr as string, file: options.out as string, bytes: archive.length };
        },
        (r) => [`audit package of ${r.changeRequest} written to ${r.file} (${r.bytes} bytes)`],
      ),
    );

  audit
    .command('verify-package')
    .description(
      'verify an audit package offline: file hashes, attachments, hash chain, checkpoint signature',
    )
    .argument('<file>', 'the package written by `audit export`')
    .option(
      '--key-id <id>',
      "the key id of your installation's audit signing key (`changegate audit checkpoint` prints it): the package must be signed by it",
    )
    .action(
      run(async ({ options }, file) => {
        const { verifyAuditPackage } = await import('../../services/audit/verify-audit-package.js');
        const report = await verifyAuditPackage(readUserFile('file', file ?? ''), {
          ...(typeof options.keyId === 'string' ? { expectedKeyId: options.keyId } : {}),
        });
        if (!report.ok) process.exitCode = verifyFailedExit;
        return report;
      }, renderPackageReport),
    );
}

function renderPackageReport(report: PackageReport): string[] {
  return [
    ...report.checks.map((c) => `${c.ok ? 'ok    ' : 'FAILED'} ${c.check}: ${c.detail}`),
    report.ok
      ? `OK: audit package of ${report.changeRequest} (tenant '${report.tenant}', key ${report.keyId}) verified; compare the key id with your installation's`
      : `FAILED: ${report.problem}`,
  ];
}
