import { sql } from 'kysely';
import { AppError } from '../../domain/errors.js';
import { recordAudit } from '../../services/audit/record-audit.js';
import { applyTenantConfig } from '../../services/config/config-service.js';
import type { Actor, ServiceDeps } from '../../services/context.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import { SeededRandom } from './seed-random.js';
import { type ChangeRows, changeRows, incidentRows, type SeedContext } from './seed-rows.js';
import { seedConfigDocument } from './seed-setup.js';

/**
 * `changegate demo seed`: a realistic history written in bulk (multi-row inserts, a few thousand rows
 * per transaction) rather than through the services one change at a time, so a million changes take
 * minutes, not hours. The organisation itself (environments, groups, components, template, freeze
 * window, approval policy, risk model) is applied through `config apply`'s service and audited as
 * usual; the bulk history is recorded by ONE `demo.seeded` audit event that summarises it, written
 * after the last row, so `audit verify` passes and nobody mistakes seeded rows for audited work.
 */

export interface SeedOptions {
  changes: number;
  incidents: number;
  seed: number;
  /** How far back the history reaches. */
  months: number;
}

export interface SeedSummary {
  seed: number;
  from: number;
  until: number;
  configVersion: number;
  changes: number;
  approvals: number;
  approvalSteps: number;
  deployments: number;
  obligations: number;
  incidents: number;
  incidentCauses: number;
  problems: number;
}

const maxChanges = 5_000_000;
const day = 86_400_000;
/** Rows per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters at ~45 columns. */
const rowsPerInsert = 500;
/** Changes (with their dependents) per transaction. */
const changesPerTransaction = 5_000;

export function validateSeedOptions(o: SeedOptions): SeedOptions {
  const check = (field: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new AppError(
        'invalid_input',
        `--${field}: give a whole number from ${min} to ${max}, not ${value}`,
        {
          field,
        },
      );
  };
  check('changes', o.changes, 1, maxChanges);
  check('incidents', o.incidents, 0, maxChanges);
  check('seed', o.seed, 0, 2 ** 32 - 1);
  check('months', o.months, 1, 60);
  return o;
}

type Table = keyof Database;

async function insertAll<T extends Table>(tx: DbOrTx, table: T, rows: Database[T][]): Promise<void> {
  for (let i = 0; i < rows.length; i += rowsPerInsert) {
    // One generic bulk insert over the typed row shapes: Kysely cannot relate Database[T] to its insert type.
    await tx
      .insertInto(table)
      .values(rows.slice(i, i + rowsPerInsert) as never)
      .execute();
  }
}

/** Reserves `count` consecutive per-tenant numbers (CHG…, INC…) and returns the first. */
async function reserveNumbers(tx: DbOrTx, tenantId: string, name: string, count: number): Promise<number> {
  const row = await tx
    .insertInto('counters')
    .values({ tenant_id: tenantId, name, value: count })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'name']).doUpdateSet((eb) => ({ value: eb('counters.value', '+', count) })),
    )
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - count + 1;
}

export async function seedDemoHistory(
  deps: ServiceDeps,
  actor: Actor,
  input: SeedOptions,
  progress: (message: string) => void = () => {},
): Promise<SeedSummary> {
  const options = validateSeedOptions(input);
  const applied = await applyTenantConfig(deps, actor, {
    document: seedConfigDocument(),
    source: 'demo seed',
  });
  const until = Math.floor(deps.now() / day) * day;
  const ctx: SeedContext = {
    tenantId: actor.tenantId,
    rnd: new SeededRandom(options.seed),
    newId: deps.newId,
    configVersion: applied.version,
    until,
    spanMs: options.months * 30 * day,
  };
  const summary: SeedSummary = {
    seed: options.seed,
    from: until - ctx.spanMs,
    until,
    configVersion: applied.version,
    changes: 0,
    approvals: 0,
    approvalSteps: 0,
    deployments: 0,
    obligations: 0,
    incidents: 0,
    incidentCauses: 0,
    problems: 0,
  };
  const firstChange = await reserveNumbers(deps.db, actor.tenantId, 'change_request', options.changes);
  // Production deployments in time order, for incidents to find a suspect among.
  const deployed: { at: number; id: string; component: string }[] = [];

  for (let start = 0; start < options.changes; start += changesPerTransaction) {
    const end = Math.min(options.changes, start + changesPerTransaction);
    const batch: ChangeRows[] = [];
    for (let i = start; i < end; i++) batch.push(changeRows(ctx, i, options.changes, firstChange + i));
    await inTransaction(deps.db, async (tx) => {
      await insertAll(
        tx,
        'change_requests',
        batch.map((b) => b.cr),
      );
      const pick = <K extends 'approval' | 'step' | 'run' | 'obligation'>(key: K) =>
        batch.flatMap((b) => (b[key] ? [b[key] as NonNullable<ChangeRows[K]>] : []));
      const [steps, approvals, runs, obligations] = [
        pick('step'),
        pick('approval'),
        pick('run'),
        pick('obligation'),
      ];
      await insertAll(tx, 'approval_steps', steps);
      await insertAll(tx, 'approvals', approvals);
      await insertAll(tx, 'deployment_runs', runs);
      await insertAll(tx, 'obligations', obligations);
      summary.approvalSteps += steps.length;
      summary.approvals += approvals.length;
      summary.deployments += runs.length;
      summary.obligations += obligations.length;
    });
    for (const b of batch) {
      if (b.deployedToProduction && b.run)
        deployed.push({ at: b.run.started_at, id: b.cr.id, component: JSON.parse(b.cr.components_json)[0] });
    }
    summary.changes = end;
    progress(`changes ${end}/${options.changes}`);
  }

  if (options.incidents > 0) {
    const firstIncident = await reserveNumbers(deps.db, actor.tenantId, 'incident', options.incidents);
    let nextProblem: number | null = null;
    let problemsReserved = 0;
    let cursor = 0;
    const suspect = (at: number) => {
      while (cursor < deployed.length && (deployed[cursor] as { at: number }).at < at) cursor++;
      const last = deployed[cursor - 1];
      return last && at - last.at < 2 * day ? last : null;
    };
    for (let start = 0; start < options.incidents; start += changesPerTransaction) {
      const end = Math.min(options.incidents, start + changesPerTransaction);
      await inTransaction(deps.db, async (tx) => {
        // Problems are rare: reserve their numbers a block at a time, inside the batch's transaction.
        const problemNumber = () => {
          if (nextProblem === null || problemsReserved === 0) throw new Error('problem numbers not reserved');
          problemsReserved--;
          return nextProblem++;
        };
        nextProblem = await reserveNumbers(tx, actor.tenantId, 'problem', end - start);
        problemsReserved = end - start;
        const rows = [];
        for (let i = start; i < end; i++)
          rows.push(incidentRows(ctx, i, options.incidents, firstIncident + i, problemNumber, suspect));
        const used = end - start - problemsReserved;
        // Give back the numbers not used, so PRB numbers stay without gaps.
        await tx
          .updateTable('counters')
          .set((eb) => ({ value: eb('value', '-', problemsReserved) }))
          .where('tenant_id', '=', actor.tenantId)
          .where('name', '=', 'problem')
          .execute();
        await insertAll(
          tx,
          'incidents',
          rows.map((r) => r.incident),
        );
        const causes = rows.flatMap((r) => (r.cause ? [r.cause] : []));
        const problems = rows.flatMap((r) => (r.problem ? [r.problem] : []));
        await insertAll(tx, 'incident_causes', causes);
        await insertAll(tx, 'problems', problems);
        await insertAll(
          tx,
          'problem_incidents',
          rows.flatMap((r) => (r.link ? [r.link] : [])),
        );
        summary.incidentCauses += causes.length;
        summary.problems += used;
      });
      summary.incidents = end;
      progress(`incidents ${end}/${options.incidents}`);
    }
  }

  if (deps.dialect === 'postgres') {
    // After a bulk load: statistics for the planner, and the visibility map that lets the reports'
    // covering indexes be read without visiting the table (index-only scans).
    await sql`vacuum (analyze) change_requests, deployment_runs, approval_steps, approvals, incidents, incident_causes`.execute(
      deps.db,
    );
  }
  await inTransaction(deps.db, (tx) =>
    recordAudit(tx, deps, actor, {
      action: 'demo.seeded',
      entityType: 'tenant',
      entityId: actor.tenantId,
      after: {
        ...summary,
        note: 'bulk demo history: its rows carry no audit events of their own; this event records what was seeded',
      },
    }),
  );
  return summary;
}
