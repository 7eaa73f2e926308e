import { type Command, Option } from 'commander';
import { roles } from '../../domain/access.js';
import { environmentPurposes } from '../../domain/change-request.js';
import { run } from '../command-kit.js';
import { note } from '../output.js';
import { renderEnvironments, renderTokens } from '../render.js';

export function adminCommands(program: Command): void {
  const env = program.command('env').description('environments a change can target');
  env
    .command('create <name>')
    .description('create an environment')
    .addOption(
      new Option('--purpose <purpose>', 'what it is for')
        .choices([...environmentPurposes])
        .makeOptionMandatory(),
    )
    .option('--detail <text>', 'free-text detail, copied onto change requests')
    .action(
      run(
        async ({ api, options }, name) =>
          (await api()).createEnvironment({
            name: name as string,
            purpose: options.purpose as string,
            detail: options.detail as string | undefined,
          }),
        (e) => [`created environment ${e.name} (${e.purpose})`],
      ),
    );
  env
    .command('list')
    .description('list environments')
    .action(run(async ({ api }) => (await api()).listEnvironments(), renderEnvironments));

  const token = program.command('token').description('API tokens for the HTTP API and remote mode');
  token
    .command('create')
    .description('create a token; its secret is printed once and stored only as a hash')
    .requiredOption('--name <name>', 'who or what uses it; shown as the actor in the audit trail')
    .addOption(new Option('--role <role>', 'what it may do').choices([...roles]).makeOptionMandatory())
    .action(
      run(
        async ({ api, options }) =>
          (await api()).createToken({ name: options.name as string, role: options.role as string }),
        (t) => {
          note(
            `token '${t.token.name}' (${t.token.role}) created; the secret is shown once and stored only as a hash:`,
          );
          return [t.secret];
        },
      ),
    );
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(run(async ({ api }) => (await api()).listTokens(), renderTokens));
  token
    .command('revoke <token>')
    .description('revoke a token by id or name')
    .action(
      run(
        async ({ api }, ref) => (await api()).revokeToken(ref as string),
        (t) => [`revoked token ${t.name} (${t.id})`],
      ),
    );

  const tenant = program
    .command('tenant')
    .description('tenants (business units), each isolated from the others');
  tenant
    .command('create <slug>')
    .description('create a tenant')
    .option('--name <name>', 'display name')
    .action(
      run(
        async ({ api, options }, slug) =>
          (await api()).createTenant({ slug: slug as string, name: options.name as string | undefined }),
        (t) => [
          `created tenant ${t.slug}; create its first token on the server's database (local mode, not via CHANGEGATE_SERVER): changegate --tenant ${t.slug} token create --name admin --role admin`,
        ],
      ),
    );
}
