#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { AppError, exitCodeOf } from '../domain/errors.js';
import { adminCommands } from './commands/admin-commands.js';
import { attributionCommands } from './commands/attribution-commands.js';
import { auditCommands } from './commands/audit-commands.js';
import { batchCommands } from './commands/batch-commands.js';
import { catalogCommands } from './commands/catalog-commands.js';
import { changeCommands } from './commands/change-commands.js';
import { configCommands } from './commands/config-commands.js';
import { demoCommand } from './commands/demo-command.js';
import { deployCommands } from './commands/deploy-commands.js';
import { eventCommands } from './commands/event-commands.js';
import { evidenceCommands } from './commands/evidence-commands.js';
import { incidentCommands } from './commands/incident-commands.js';
import { inventoryCommands } from './commands/inventory-commands.js';
import { maturityCommands } from './commands/maturity-commands.js';
import { metricsCommands } from './commands/metrics-commands.js';
import { observeCommands } from './commands/observe-commands.js';
import { policyCommands } from './commands/policy-commands.js';
import { problemCommands } from './commands/problem-commands.js';
import { promoteCommand } from './commands/promote-command.js';
import { reportCommands } from './commands/report-commands.js';
import { retentionCommands } from './commands/retention-commands.js';
import { reviewCommands } from './commands/review-commands.js';
import { serverCommands } from './commands/server-commands.js';
import { siemCommands } from './commands/siem-commands.js';
import { templateCommands } from './commands/template-commands.js';
import { windowCommands } from './commands/window-commands.js';
import { printJson } from './output.js';

const version = '0.1.0';

const program = new Command('changegate')
  .description('Change management for CI/CD: change requests, approvals and a tamper-evident audit trail.')
  .option('--json', 'print one JSON document on stdout')
  .option(
    '--db <path-or-url>',
    'SQLite file or postgres:// URL (default ./.changegate/changegate.db, or CHANGEGATE_DB)',
  )
  .option('--tenant <slug>', 'tenant to act in (default: default, or CHANGEGATE_TENANT)')
  .option('--as <actor>', 'local mode: who is acting (default: CHANGEGATE_ACTOR or the OS user)')
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true })
  .exitOverride();

changeCommands(program);
policyCommands(program);
configCommands(program);
inventoryCommands(program);
evidenceCommands(program);
promoteCommand(program);
deployCommands(program);
windowCommands(program);
incidentCommands(program);
reportCommands(program);
observeCommands(program);
problemCommands(program);
attributionCommands(program);
reviewCommands(program);
demoCommand(program);
adminCommands(program);
catalogCommands(program);
templateCommands(program);
batchCommands(program);
auditCommands(program);
siemCommands(program);
eventCommands(program);
maturityCommands(program);
retentionCommands(program);
metricsCommands(program);
serverCommands(program);
const configure = (commands: readonly Command[]): void => {
  for (const command of commands) {
    command.exitOverride().configureHelp({ showGlobalOptions: true });
    configure(command.commands);
  }
};
configure(program.commands);

function fail(error: unknown): never {
  const json = process.argv.includes('--json');
  if (error instanceof CommanderError) {
    // Help and version are successes; every usage error is invalid input (commander already said why on stderr).
    if (error.exitCode !== 0 && json) {
      printJson({
        error: { code: 'invalid_input', message: error.message.replace(/^error: /, ''), details: {} },
      });
    }
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  const appError = error instanceof AppError ? error : null;
  const code = appError ? exitCodeOf(appError.code) : 1;
  const message = appError
    ? appError.message
    : `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
  if (json)
    printJson({ error: { code: appError?.code ?? 'internal', message, details: appError?.details ?? {} } });
  process.stderr.write(`error: ${appError ? withFlagHint(appError) : message}\n`);
  process.exit(code);
}

/** API field names are camelCase; on the command line the same fields are kebab-case flags. */
function withFlagHint(error: AppError): string {
  const missing = error.details.missing;
  if (!Array.isArray(missing) || missing.length === 0) return error.message;
  const flags = missing.map((f) => `--${String(f).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  return `${error.message} (${flags.join(', ')})`;
}

// Only as the first argument: `inventory add --version 1.2.3` is an entry's version, not ours.
program.addHelpText('after', '\nchangegate --version prints the version.');
try {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    process.stderr.write(
      `error: changegate needs Node.js 22 or newer; this is Node.js ${process.versions.node}\n`,
    );
    process.exit(1);
  }
  if (process.argv[2] === '--version' || process.argv[2] === '-V') {
    process.stdout.write(`${version}\n`);
    process.exit(0);
  }
  await program.parseAsync(process.argv);
} catch (error) {
  fail(error);
}
