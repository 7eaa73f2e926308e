import type { Command } from 'commander';
import { escalationRunDto } from '../../api/event-dto.js';
import type { EventDto } from '../../api/event-schemas.js';
import { AppError } from '../../domain/errors.js';
import { escalationTopics } from '../../domain/escalation.js';
import { integerOption, run } from '../command-kit.js';
import { table } from '../output.js';

/** One line of what an event says; the payload's fields per topic are in docs/escalation.md. */
function summary(e: EventDto): string {
  const p = e.payload as {
    from?: string[];
    to?: string;
    level?: number;
    dueAt?: string | null;
    groups?: string[];
  };
  if (e.topic === escalationTopics.escalated)
    return `level ${p.level}: ${p.to} joins ${p.from?.join(', ')}; due ${p.dueAt ?? 'never (no SLA)'}`;
  if (e.topic === escalationTopics.overdue)
    return `every level reached (${p.groups?.join(', ')}); was due ${p.dueAt}`;
  return JSON.stringify(e.payload);
}

function subject(e: EventDto): [string, string] {
  const p = e.payload as { changeRequest?: { number?: string }; step?: { name?: string } };
  return [p.changeRequest?.number ?? '', p.step?.name ?? ''];
}

function renderEvents(events: EventDto[], withTenant = false): string[] {
  return table(
    ['CREATED', 'TOPIC', ...(withTenant ? ['TENANT'] : []), 'CR', 'STEP', 'WHAT'],
    events.map((e) => [
      e.createdAt,
      e.topic,
      ...(withTenant ? [String(e.payload.tenant ?? '')] : []),
      ...subject(e),
      summary(e),
    ]),
  );
}

export function eventCommands(program: Command): void {
  program
    .command('events')
    .description('the outbox: events for notifiers (approval step escalations, overdue steps)')
    .command('list')
    .description("list the tenant's events, oldest first")
    .option('--topic <topic>', `only this topic (${Object.values(escalationTopics).join(', ')})`)
    .option('--since <iso>', 'only events created at or after this instant (ISO-8601)')
    .option('--limit <n>', 'page size (1-200, default 50)', integerOption('limit'))
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).listEvents({
            topic: options.topic as string | undefined,
            since: options.since as string | undefined,
            limit: options.limit as number | undefined,
            cursor: options.cursor as string | undefined,
          }),
        (page) => [
          ...(page.items.length ? renderEvents(page.items) : ['no events']),
          ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
        ],
      ),
    );

  program
    .command('escalations')
    .description('approval step SLA timers (a server fires them itself; see docs/escalation.md)')
    .command('run')
    .description('fire every due timer once, in every tenant, on the database (for cron without a server)')
    .option('--limit <n>', 'steps per transaction (default 100)', integerOption('limit'))
    .action(
      run(
        async ({ runtime, options }) => {
          if (runtime.remote) {
            throw new AppError(
              'invalid_input',
              'escalations run works on the database (local mode), and a server already fires timers every CHANGEGATE_ESCALATION_INTERVAL_MS; pass --db or unset CHANGEGATE_SERVER',
              { field: 'db' },
            );
          }
          const limit = options.limit as number | undefined;
          if (limit !== undefined && (limit < 1 || limit > 10_000)) {
            throw new AppError('invalid_input', `limit: ${limit} must be a whole number from 1 to 10000`, {
              field: 'limit',
            });
          }
          const app = await runtime.openApp();
          const { escalateDueSteps } = await import('../../services/escalations/escalate-due-steps.js');
          return escalationRunDto(await escalateDueSteps(app.deps, { limit }));
        },
        (r) => [
          `escalated ${r.escalated} step(s), ${r.overdue} overdue`,
          ...(r.events.length ? renderEvents(r.events, true) : []),
        ],
      ),
    );
}
