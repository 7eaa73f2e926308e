import type { Command } from 'commander';
import { collect, run } from '../command-kit.js';
import { renderChecklist, renderChecklists, renderTemplate, renderTemplates } from '../render-templates.js';
import { cleared } from './catalog-commands.js';

const presetFlags: [flag: string, field: string, help: string][] = [
  ['--priority <level>', 'priority', 'preset priority'],
  ['--customer-impact <level>', 'customerImpact', 'preset customer impact'],
  ['--deployment-impact <size>', 'deploymentImpact', 'preset deployment impact'],
  ['--description <text>', 'description', 'preset description'],
  ['--backout-plan <text>', 'backoutPlan', 'preset backout plan'],
  ['--risk <level>', 'risk', 'preset risk (at most --max-risk)'],
];

/** `changegate template …` and `changegate checklist …` (docs/templates-and-checklists.md). */
export function templateCommands(program: Command): void {
  const template = program
    .command('template')
    .description('standard change templates: pre-approved changes within a scope');
  const create = template
    .command('create <name>')
    .description('create a template: a title, preset CR fields and a scope')
    .requiredOption('--title <text>', 'CR title; {environment}, {components} and {template} are filled in')
    .requiredOption('--max-risk <level>', 'highest risk it pre-approves: low|moderate|high|critical')
    .option('--environment <name>', 'an environment in scope (repeatable; none = any)', collect)
    .option('--component <name>', 'a component in scope (repeatable; none = any)', collect);
  for (const [flag, , help] of presetFlags) create.option(flag, help);
  create.action(
    run(
      async ({ api, options }, name) => {
        const fields: Record<string, unknown> = {};
        for (const [, key] of presetFlags) if (options[key] !== undefined) fields[key] = options[key];
        return (await api()).createTemplate({
          name,
          title: options.title,
          maxRisk: options.maxRisk,
          fields,
          ...(options.environment ? { environments: options.environment } : {}),
          ...(options.component ? { components: options.component } : {}),
        });
      },
      (t) => [`created template ${t.name}`, ...renderTemplate(t).slice(1)],
    ),
  );
  template
    .command('list')
    .description('list templates')
    .action(run(async ({ api }) => (await api()).listTemplates(), renderTemplates));
  template
    .command('get <name>')
    .description('show a template')
    .action(run(async ({ api }, name) => (await api()).getTemplate(name as string), renderTemplate));
  const update = template
    .command('update <name>')
    .description('change a template: title, presets, scope or maximum risk (CRs already created keep theirs)')
    .option('--title <text>', 'CR title')
    .option('--max-risk <level>', 'highest risk it pre-approves: low|moderate|high|critical')
    .option('--environment <name>', 'replaces the environments in scope (repeatable)', collect)
    .option('--component <name>', 'replaces the components in scope (repeatable)', collect)
    .option(
      '--clear <field>',
      `clear environments or components (= any), or a preset: ${presetFlags.map(([, f]) => f).join(', ')} (repeatable)`,
      collect,
    );
  for (const [flag, , help] of presetFlags) update.option(flag, help);
  update.action(
    run(
      async ({ api, options }, name) => {
        const clearable = Object.fromEntries(
          ['environments', 'components', ...presetFlags.map(([, f]) => f)].map((f) => [f, f]),
        );
        const { environments, components, ...clearedPresets } = cleared(options, clearable);
        const fields: Record<string, unknown> = { ...clearedPresets };
        for (const [, key] of presetFlags) if (options[key] !== undefined) fields[key] = options[key];
        return (await api()).updateTemplate(name as string, {
          ...(environments === null ? { environments } : {}),
          ...(components === null ? { components } : {}),
          ...(Object.keys(fields).length > 0 ? { fields } : {}),
          ...(options.title !== undefined ? { title: options.title } : {}),
          ...(options.maxRisk !== undefined ? { maxRisk: options.maxRisk } : {}),
          ...(options.environment ? { environments: options.environment } : {}),
          ...(options.component ? { components: options.component } : {}),
        });
      },
      (t) => [`updated template ${t.name}`, ...renderTemplate(t).slice(1)],
    ),
  );
  template
    .command('delete <name>')
    .description('delete a template; CRs created from it keep their approval')
    .action(
      run(
        async ({ api }, name) => (await api()).deleteTemplate(name as string),
        (t) => [`deleted template ${t.name}`],
      ),
    );

  const checklist = program
    .command('checklist')
    .description('category checklists: items a CR of the category must complete before implement');
  checklist
    .command('create <category>')
    .description('create the checklist of a category')
    .requiredOption('--item <item>', 'a required item, e.g. backup-verified (repeatable)', collect)
    .option('--description <text>', 'what the checklist is for')
    .action(
      run(
        async ({ api, options }, category) =>
          (await api()).createChecklist({
            category,
            items: options.item,
            ...(options.description !== undefined ? { description: options.description } : {}),
          }),
        (c) => [`created checklist ${c.category}`, ...renderChecklist(c).slice(1)],
      ),
    );
  checklist
    .command('list')
    .description('list checklists')
    .action(run(async ({ api }) => (await api()).listChecklists(), renderChecklists));
  checklist
    .command('get <category>')
    .description('show a checklist')
    .action(
      run(async ({ api }, category) => (await api()).getChecklist(category as string), renderChecklist),
    );
  checklist
    .command('update <category>')
    .description('replace the required items or change the description of a checklist')
    .option('--item <item>', 'replaces the required items (repeatable)', collect)
    .option('--description <text>', 'what the checklist is for')
    .option('--clear <field>', 'clear the description', collect)
    .action(
      run(
        async ({ api, options }, category) =>
          (await api()).updateChecklist(category as string, {
            ...cleared(options, { description: 'description' }),
            ...(options.item ? { items: options.item } : {}),
            ...(options.description !== undefined ? { description: options.description } : {}),
          }),
        (c) => [`updated checklist ${c.category}`, ...renderChecklist(c).slice(1)],
      ),
    );
  checklist
    .command('delete <category>')
    .description('delete a checklist; CRs of the category are no longer gated by it')
    .action(
      run(
        async ({ api }, category) => (await api()).deleteChecklist(category as string),
        (c) => [`deleted checklist ${c.category}`],
      ),
    );
}
