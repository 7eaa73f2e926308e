import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import {
  approvalStates,
  attachmentKinds,
  changeStates,
  changeTypes,
  closeCategories,
  customerImpacts,
  deploymentImpacts,
  priorities,
  riskLevels,
} from '../../domain/change-request.js';
import { changeUpdateFields } from '../../domain/change-request-input.js';
import { AppError, invalidEnum } from '../../domain/errors.js';
import { nonNegativeInt } from '../../domain/validate.js';
import { collect, integerOption, run } from '../command-kit.js';
import { note } from '../output.js';
import { renderAttachments, renderChangeList, renderChangeRequest } from '../render.js';
import { changeRequestView, renderChangeRequestView } from '../render-incidents.js';
import { renderChangeChecklist } from '../render-templates.js';
import { changeApprovalCommands } from './change-approval-commands.js';
import { changeConflictsCommand, changeRiskCommands } from './change-risk-commands.js';

/** Flags named after the fields in kebab case; values are validated by the service, which lists valid ones. */
const fieldFlags: [flag: string, field: string, help: string][] = [
  ['--title <text>', 'title', 'short description'],
  ['--environment <name>', 'environment', 'target environment (see `changegate env list`)'],
  ['--region <name>', 'region', 'target region'],
  ['--priority <level>', 'priority', priorities.join('|')],
  ['--assignee <email>', 'assignee', 'who implements the change'],
  ['--description <text>', 'description', 'what changes'],
  ['--purpose <text>', 'purpose', 'why'],
  ['--impact <text>', 'impact', 'what it affects'],
  ['--customer-impact <level>', 'customerImpact', customerImpacts.join('|')],
  ['--deployment-impact <size>', 'deploymentImpact', deploymentImpacts.join('|')],
  ['--backout-plan <text>', 'backoutPlan', 'how to undo it'],
  ['--risk <level>', 'risk', riskLevels.join('|')],
  ['--planned-start <iso>', 'plannedStart', 'ISO-8601 date-time'],
  ['--planned-end <iso>', 'plannedEnd', 'ISO-8601 date-time'],
  ['--outage-minutes <n>', 'outageMinutes', 'expected downtime; 0 = none'],
  ['--category <slug>', 'category', 'kind of change, e.g. database-schema; its checklist gates implement'],
  ['--origin <who>', 'origin', 'internal (default) | vendor: a vendor performs it (docs/compliance.md)'],
];

function addFieldFlags(cmd: Command): Command {
  for (const [flag, , help] of fieldFlags) cmd.option(flag, help);
  return cmd
    .option(
      '--component <name>',
      'a component it changes (repeatable; on update, replaces the list; see `changegate component list`)',
      collect,
    )
    .option(
      '--label <slug>',
      'a label approval rules can match on (repeatable; on update, replaces the list)',
      collect,
    )
    .option(
      '--field <name=value>',
      'a custom field (repeatable; the value is read as JSON when it parses, else as text; on update, replaces all custom fields)',
      collect,
    );
}

function fieldsFrom(options: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [, field] of fieldFlags) {
    const value = options[field];
    // Numbers are checked here with the service's own rule, so both modes answer alike.
    if (value !== undefined)
      fields[field] = field === 'outageMinutes' ? nonNegativeInt(field, value, 525_600) : value;
  }
  if (options.component !== undefined) fields.components = options.component;
  if (options.label !== undefined) fields.labels = options.label;
  if (options.field !== undefined) fields.customFields = customFieldsFrom(options.field as string[]);
  return fields;
}

/** `--field name=value` pairs; a value that parses as JSON (42, true, ["a"]) is taken as JSON. */
function customFieldsFrom(pairs: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new AppError('invalid_input', `--field ${pair}: give name=value, e.g. --field dataClass=pii`, {
        field: 'customFields',
      });
    const raw = pair.slice(at + 1);
    values[pair.slice(0, at)] = parseJsonOr(raw);
  }
  return values;
}

function parseJsonOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `changegate cr …`; subcommands list in `cr --help` in the order they are added here. */
export function changeCommands(program: Command): void {
  const cr = program.command('cr').description('change requests: create, review, approve, implement, close');

  addFieldFlags(
    cr
      .command('create')
      .description(
        'create a change request (state new; from a template inside its scope: approved and scheduled)',
      )
      .addOption(new Option('--type <type>', 'change type').choices([...changeTypes]))
      .option(
        '--template <name>',
        'a standard change template: presets its fields; pre-approved inside its scope',
      ),
  ).action(
    run(
      async ({ api, options }) =>
        (await api()).createChangeRequest({
          ...fieldsFrom(options),
          ...(options.type ? { type: options.type } : {}),
          ...(options.template ? { template: options.template } : {}),
        }),
      (cr) => [`created ${cr.number}`, ...renderChangeRequest(cr).slice(1)],
    ),
  );

  cr.command('get <ref>')
    .description(
      'show a change request by number (CHG0000042) or id, with approvals, comments, attachments, conflicts and incidents blocking it',
    )
    .action(
      run(async ({ api }, ref) => changeRequestView(await api(), ref as string), renderChangeRequestView),
    );

  changeConflictsCommand(cr);

  cr.command('list')
    .description('list change requests, newest first')
    .option('--state <state>', `filter: ${changeStates.join('|')} (repeatable)`, collect)
    .option('--environment <name>', 'filter by environment (repeatable)', collect)
    .option('--type <type>', `filter: ${changeTypes.join('|')} (repeatable)`, collect)
    .option('--approval <approval>', `filter: ${approvalStates.join('|')} (repeatable)`, collect)
    .option('--text <text>', 'free text in title, description, number, assignee, purpose')
    .option('--limit <n>', 'page size (1-200)', integerOption('limit'))
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'follow every page')
    .action(
      run(
        async ({ api, options }) => {
          const client = await api();
          const query = {
            state: options.state as string[] | undefined,
            environment: options.environment as string[] | undefined,
            type: options.type as string[] | undefined,
            approval: options.approval as string[] | undefined,
            q: options.text as string | undefined,
            limit: options.limit as number | undefined,
            cursor: options.cursor as string | undefined,
          };
          const page = await client.listChangeRequests(query);
          while (options.all && page.nextCursor) {
            const next = await client.listChangeRequests({ ...query, cursor: page.nextCursor });
            page.items.push(...next.items);
            page.nextCursor = next.nextCursor;
          }
          return page;
        },
        (page) => [
          ...renderChangeList(page.items),
          ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
        ],
      ),
    );

  addFieldFlags(
    cr.command('update <ref>').description('update fields; --clear FIELD empties an optional one'),
  )
    .option('--clear <field>', 'clear an optional field (repeatable)', collect)
    .action(
      run(
        async ({ api, options }, ref) => {
          const patch = fieldsFrom(options);
          for (const name of (options.clear as string[] | undefined) ?? []) {
            const field = camel(name);
            if (!changeUpdateFields.includes(field)) throw invalidEnum('clear', name, changeUpdateFields);
            patch[field] = null;
          }
          return (await api()).updateChangeRequest(ref as string, patch);
        },
        (cr) => [`updated ${cr.number}`, ...renderChangeRequest(cr).slice(1)],
      ),
    );

  changeApprovalCommands(cr);

  cr.command('transition <ref> [state]')
    .description(`move to another state: ${changeStates.join('|')}`)
    .option('--to <state>', 'target state')
    .action(
      run(
        async ({ api, options }, ref, state) => {
          const to = (options.to as string | undefined) ?? state;
          if (!to)
            throw new AppError('invalid_input', `to: give the target state (${changeStates.join(', ')})`, {
              field: 'to',
            });
          return (await api()).transitionChangeRequest(ref as string, to);
        },
        (cr) => [`${cr.number}: state ${cr.state}, approval ${cr.approval}`],
      ),
    );

  cr.command('comment <ref> [text]')
    .description('add a comment')
    .option('--body <text>', 'comment text')
    .action(
      run(
        async ({ api, options }, ref, text) => {
          const body = (options.body as string | undefined) ?? text;
          if (!body) throw new AppError('invalid_input', 'body: give the comment text', { field: 'body' });
          return (await api()).commentOnChangeRequest(ref as string, body);
        },
        (c) => [`comment ${c.id} added`],
      ),
    );

  cr.command('attach <ref> <file>')
    .description('attach a file (stored with its sha256 and media type)')
    .addOption(new Option('--kind <kind>', 'attachment kind').choices([...attachmentKinds]).default('other'))
    .option('--name <name>', 'name to store it under (default: the file name)')
    .option('--media-type <type>', 'media type (default: guessed from the file name)')
    .action(
      run(
        async ({ api, options }, ref, file) => {
          const path = file as string;
          let content: Buffer;
          try {
            content = readFileSync(path);
          } catch (error) {
            throw new AppError('invalid_input', `file: cannot read '${path}': ${(error as Error).message}`, {
              field: 'file',
            });
          }
          const { default: mime } = await import('mime-types');
          return (await api()).attachToChangeRequest(ref as string, {
            kind: options.kind as string,
            name: (options.name as string | undefined) ?? basename(path),
            mediaType:
              (options.mediaType as string | undefined) ?? (mime.lookup(path) || 'application/octet-stream'),
            content,
          });
        },
        (a) => [`attached ${a.name} as ${a.kind} (${a.size} bytes, sha256 ${a.sha256}, id ${a.id})`],
      ),
    );

  cr.command('attachments <ref>')
    .description('list attachments')
    .action(run(async ({ api }, ref) => (await api()).listAttachments(ref as string), renderAttachments));

  cr.command('download <ref> <attachment-id>')
    .description('write an attachment to a file (or stdout with --out -)')
    .option('--out <file>', 'where to write it (default: its name in the current directory)')
    .action(
      run(
        async ({ api, options }, ref, id) => {
          const { attachment, content } = await (await api()).downloadAttachment(ref as string, id as string);
          const out = (options.out as string | undefined) ?? basename(attachment.name);
          if (out === '-') {
            // stdout carries the bytes and nothing else, so it can be piped.
            process.stdout.write(content);
            note(`wrote ${attachment.size} bytes (sha256 ${attachment.sha256})`);
            return undefined;
          }
          try {
            writeFileSync(out, content);
          } catch (error) {
            throw new AppError('invalid_input', `out: cannot write '${out}': ${(error as Error).message}`, {
              field: 'out',
            });
          }
          return { ...attachment, path: out };
        },
        (a) => [`wrote ${a.path} (${a.size} bytes, sha256 ${a.sha256})`],
      ),
    );

  cr.command('attachment <ref> <kind-or-name>')
    .description('write one attachment to stdout, chosen by kind (the latest of that kind), name or id')
    .action(
      run(
        async ({ api }, ref, wanted) => {
          const client = await api();
          const all = await client.listAttachments(ref as string);
          const match = all.filter((a) => a.id === wanted || a.kind === wanted || a.name === wanted).at(-1);
          if (!match) {
            const kinds = [...new Set(all.map((a) => a.kind))];
            throw new AppError(
              'not_found',
              `${ref} has no attachment '${wanted}'${kinds.length ? `; it has: ${kinds.join(', ')}` : ''}`,
              { field: 'attachment', validValues: kinds },
            );
          }
          const { content } = await client.downloadAttachment(ref as string, match.id);
          process.stdout.write(content);
          return undefined;
        },
        () => [],
      ),
    );

  changeRiskCommands(cr);

  cr.command('checklist <ref>')
    .description("show a change request's checklist: its category's required items and which are done")
    .action(
      run(async ({ api }, ref) => (await api()).getChangeChecklist(ref as string), renderChangeChecklist),
    );

  cr.command('check <ref> <item>')
    .description("complete one item of a change request's checklist (recorded with who and when)")
    .option('--note <text>', 'evidence, e.g. where the backup was verified')
    .action(
      run(
        async ({ api, options }, ref, item) =>
          (await api()).checkChecklistItem(ref as string, item as string, options.note as string | undefined),
        (c) => [`${c.number}: checked`, ...renderChangeChecklist(c).slice(1)],
      ),
    );

  cr.command('follow-up <ref> <kind>')
    .description('mark an emergency follow-up done: evidence_remediation or root_cause_analysis')
    .option('--note <text>', 'what was done, e.g. a link to the RCA document')
    .action(
      run(
        async ({ api, options }, ref, kind) =>
          (await api()).completeObligation(ref as string, kind as string, options.note as string | undefined),
        (o) => [`${o.kind.replaceAll('_', ' ')}: done by ${o.completedBy} at ${o.completedAt}`],
      ),
    );

  cr.command('close <ref>')
    .description('close after implementation with a category')
    .addOption(
      new Option('--category <category>', 'how it went')
        .choices(closeCategories.filter((c) => c !== 'cancelled'))
        .makeOptionMandatory(),
    )
    .option('--notes <text>', 'closing notes')
    .action(
      run(
        async ({ api, options }, ref) =>
          (await api()).closeChangeRequest(
            ref as string,
            options.category as string,
            options.notes as string | undefined,
          ),
        (cr) => [`${cr.number}: closed ${cr.closeCategory}`],
      ),
    );

  cr.command('cancel <ref>')
    .description('cancel a change that will not happen')
    .option('--reason <text>', 'why')
    .action(
      run(
        async ({ api, options }, ref) =>
          (await api()).cancelChangeRequest(ref as string, options.reason as string | undefined),
        (cr) => [`${cr.number}: canceled`],
      ),
    );
}
