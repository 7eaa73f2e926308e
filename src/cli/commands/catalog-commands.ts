import { type Command, Option } from 'commander';
import { criticalityTiers } from '../../domain/component.js';
import { invalidEnum } from '../../domain/errors.js';
import { collect, run } from '../command-kit.js';
import { renderComponent, renderComponents, renderGroup, renderGroups } from '../render-catalog.js';

/** Repeatable without splitting on commas: IdP group names can be LDAP DNs (CN=ops,OU=groups). */
const repeat = (value: string, previous: string[] = []) => [...previous, value];

/** `--clear a --clear b` as a patch of nulls, refusing fields that cannot be cleared. */
export function cleared(options: Record<string, unknown>, clearable: Record<string, string>) {
  const patch: Record<string, null> = {};
  for (const name of (options.clear as string[] | undefined) ?? []) {
    const field = clearable[name];
    if (!field) throw invalidEnum('clear', name, Object.keys(clearable));
    patch[field] = null;
  }
  return patch;
}

export function catalogCommands(program: Command): void {
  const group = program
    .command('group')
    .description('groups of people that own components (and, later, approve changes)');
  group
    .command('create <name>')
    .description('create a group')
    .option('--description <text>', 'what the group is')
    .option('--member <name>', 'a member: the name they act as, e.g. an email (repeatable)', repeat)
    .option(
      '--idp-group <name>',
      "an identity provider group whose members count as the group's (repeatable)",
      repeat,
    )
    .action(
      run(
        async ({ api, options }, name) =>
          (await api()).createGroup({
            name,
            ...(options.description !== undefined ? { description: options.description } : {}),
            ...(options.member ? { members: options.member } : {}),
            ...(options.idpGroup ? { idpGroups: options.idpGroup } : {}),
          }),
        (g) => [`created group ${g.name}`, ...renderGroup(g).slice(1)],
      ),
    );
  group
    .command('list')
    .description('list groups')
    .action(run(async ({ api }) => (await api()).listGroups(), renderGroups));
  group
    .command('get <name>')
    .description('show a group with its members')
    .action(run(async ({ api }, name) => (await api()).getGroup(name as string), renderGroup));
  group
    .command('update <name>')
    .description('change the description or the IdP groups (members: add-member, remove-member)')
    .option('--description <text>', 'what the group is')
    .option('--idp-group <name>', 'replaces the IdP groups (repeatable)', repeat)
    .option('--clear <field>', 'clear description or idp-groups (repeatable)', collect)
    .action(
      run(
        async ({ api, options }, name) =>
          (await api()).updateGroup(name as string, {
            ...cleared(options, { description: 'description', 'idp-groups': 'idpGroups' }),
            ...(options.description !== undefined ? { description: options.description } : {}),
            ...(options.idpGroup ? { idpGroups: options.idpGroup } : {}),
          }),
        (g) => [`updated group ${g.name}`, ...renderGroup(g).slice(1)],
      ),
    );
  group
    .command('delete <name>')
    .description('delete a group; refused while it owns components')
    .action(
      run(
        async ({ api }, name) => (await api()).deleteGroup(name as string),
        (g) => [`deleted group ${g.name}`],
      ),
    );
  group
    .command('add-member <name> <member>')
    .description('add a member (the name they act as: token name or --as, usually an email)')
    .action(
      run(
        async ({ api }, name, member) => (await api()).addGroupMember(name as string, member as string),
        (g) => [`group ${g.name}: ${g.members.join(', ')}`],
      ),
    );
  group
    .command('remove-member <name> <member>')
    .description('remove a member')
    .action(
      run(
        async ({ api }, name, member) => (await api()).removeGroupMember(name as string, member as string),
        (g) => [`group ${g.name}: ${g.members.length ? g.members.join(', ') : 'no members'}`],
      ),
    );

  const component = program
    .command('component')
    .description('components (services) changes are made to, with owner group, criticality and environments');
  component
    .command('create <name>')
    .description('register a component under its inventory entry name')
    .requiredOption('--owner <group>', 'the group that owns it (see changegate group list)')
    .addOption(
      new Option('--criticality <tier>', 'tier1 is the most critical')
        .choices([...criticalityTiers])
        .makeOptionMandatory(),
    )
    .option('--environment <name>', 'an environment it runs in (repeatable; default: all)', collect)
    .option('--description <text>', 'what it is')
    .action(
      run(
        async ({ api, options }, name) =>
          (await api()).createComponent({
            name,
            ownerGroup: options.owner,
            criticality: options.criticality,
            ...(options.environment ? { environments: options.environment } : {}),
            ...(options.description !== undefined ? { description: options.description } : {}),
          }),
        (c) => [`created component ${c.name}`, ...renderComponent(c).slice(1)],
      ),
    );
  component
    .command('list')
    .description('list components')
    .action(run(async ({ api }) => (await api()).listComponents(), renderComponents));
  component
    .command('get <name>')
    .description('show a component')
    .action(run(async ({ api }, name) => (await api()).getComponent(name as string), renderComponent));
  component
    .command('update <name>')
    .description('change owner, criticality, environments or description')
    .option('--owner <group>', 'the group that owns it')
    .addOption(
      new Option('--criticality <tier>', 'tier1 is the most critical').choices([...criticalityTiers]),
    )
    .option('--environment <name>', 'replaces the environments (repeatable)', collect)
    .option('--description <text>', 'what it is')
    .option('--clear <field>', 'clear description or environments (= all environments) (repeatable)', collect)
    .action(
      run(
        async ({ api, options }, name) =>
          (await api()).updateComponent(name as string, {
            ...cleared(options, { description: 'description', environments: 'environments' }),
            ...(options.owner !== undefined ? { ownerGroup: options.owner } : {}),
            ...(options.criticality !== undefined ? { criticality: options.criticality } : {}),
            ...(options.environment ? { environments: options.environment } : {}),
            ...(options.description !== undefined ? { description: options.description } : {}),
          }),
        (c) => [`updated component ${c.name}`, ...renderComponent(c).slice(1)],
      ),
    );
  component
    .command('delete <name>')
    .description('delete a component; change requests keep the names they recorded')
    .action(
      run(
        async ({ api }, name) => (await api()).deleteComponent(name as string),
        (c) => [`deleted component ${c.name}`],
      ),
    );
}
