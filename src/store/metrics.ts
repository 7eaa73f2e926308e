import { type RawBuilder, sql } from 'kysely';
import type { DurationAggregate, SliceAggregates } from '../domain/metrics/formulas.js';
import type { ApprovalGroupQueue, ApproverLoad } from '../domain/metrics/report.js';
import type { DbOrTx, Dialect } from './database.js';
import { aggregateByKey, listHolds, type SliceSpec, sliced } from './metrics-sql.js';

/**
 * The metrics read model (docs/metrics.md): fact rows defined in SQL, sliced and aggregated with
 * GROUP BY in the database; only one row per slice key comes back. Indexes: migrations 0012 and 0015.
 */

type Sql = RawBuilder<unknown>;

export interface MetricsFilter {
  tenantId: string;
  environment: string | null;
  component: string | null;
  since: number;
  until: number;
}

/** Aggregates per slice key; a key missing from a map had no rows. */
export type AggregatesByKey = Map<string, Partial<SliceAggregates>>;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function durationAggregate(r: Record<string, unknown>): DurationAggregate {
  return { count: num(r.n), totalMs: num(r.total), p50Ms: numOrNull(r.p50), p90Ms: numOrNull(r.p90) };
}

/**
 * A change failed (beyond its run's status): closed unsuccessful, rolled back, or a confirmed incident
 * cause — of this run, or of the change as a whole. Uncorrelated IN lists, each read once per query
 * (PostgreSQL hashes them, SQLite builds a temporary index), not one probe per deployment. A cause
 * naming a run names one of its change's runs, so the run's id alone identifies it.
 */
function changeFailed(tenantId: string, crId: Sql, runId: Sql | null): Sql {
  const confirmed = sql`from incident_causes where tenant_id = ${tenantId} and status = 'confirmed'`;
  const causes =
    runId === null
      ? sql`${crId} in (select change_request_id ${confirmed})`
      : sql`${crId} in (select change_request_id ${confirmed} and deployment_run_id is null)
          or ${runId} in (select deployment_run_id ${confirmed} and deployment_run_id is not null)`;
  return sql`(cr.close_category = 'unsuccessful'
    or ${crId} in (select change_request_id from change_links where tenant_id = ${tenantId} and kind = 'rolled_back_by')
    or ${causes})`;
}

/**
 * Deployments: runs that finished with a pipeline status, plus CRs implemented by hand (no such run)
 * that reached implement/review/closed without being cancelled. Columns: fid, env, ctype, comps, at,
 * failed (0/1), v: the lead time (successful production runs, not rollbacks).
 */
function deploymentFacts(dialect: Dialect, f: MetricsFilter, until: number): Sql {
  const env = (col: Sql) => (f.environment === null ? sql`` : sql`and ${col} = ${f.environment}`);
  const comp =
    f.component === null ? sql`` : sql`and ${listHolds(dialect, sql`cr.components_json`, f.component)}`;
  const reached = sql`r.status is not null and r.status <> 'awaiting_approval'`;
  // Two range reads (closed in the range; still open and updated in it), each on its own covering
  // index (migration 0018), rather than one OR that the planner may answer with a scan of every CR.
  // `at`: when it was closed, or, still open, last updated — each branch reads only its own column.
  const manual = (at: Sql, inRange: Sql) => sql`
    select cr.id, cr.environment, cr.type, cr.components_json, ${at},
      case when ${changeFailed(f.tenantId, sql`cr.id`, null)} then 1 else 0 end, null
    from change_requests cr
    where cr.tenant_id = ${f.tenantId} and ${inRange} and cr.environment is not null
      and cr.state in ('implement', 'review', 'closed') and coalesce(cr.close_category, '') <> 'cancelled'
      ${env(sql`cr.environment`)} ${comp}
      and not exists (select 1 from deployment_runs r where r.tenant_id = cr.tenant_id and r.change_request_id = cr.id and ${reached})`;
  return sql`
    select r.id as fid, r.environment as env, cr.type as ctype, cr.components_json as comps, r.finished_at as at,
      case when r.status <> 'successful_deployment' or ${changeFailed(f.tenantId, sql`r.change_request_id`, sql`r.id`)} then 1 else 0 end as failed,
      case when r.status = 'successful_deployment' and r.flow <> 'rollback' and e.purpose = 'production'
        then r.finished_at - r.lead_start_at end as v
    from deployment_runs r
    join change_requests cr on cr.tenant_id = r.tenant_id and cr.id = r.change_request_id
    left join environments e on e.tenant_id = r.tenant_id and e.name = r.environment
    where r.tenant_id = ${f.tenantId} and ${reached}
      and r.finished_at >= ${f.since} and r.finished_at < ${until} ${env(sql`r.environment`)} ${comp}
    union all
    ${manual(sql`cr.closed_at`, sql`cr.closed_at >= ${f.since} and cr.closed_at < ${until}`)}
    union all
    ${manual(sql`cr.updated_at`, sql`cr.closed_at is null and cr.updated_at >= ${f.since} and cr.updated_at < ${until}`)}`;
}

/** Change requests created in the range: concluded, successful (and not failed later), emergency. */
function changeFacts(dialect: Dialect, f: MetricsFilter): Sql {
  return sql`
    select cr.id as fid, cr.environment as env, cr.type as ctype, cr.components_json as comps, cr.created_at as at,
      case when coalesce(cr.close_category, 'cancelled') <> 'cancelled' then 1 else 0 end as concluded,
      case when cr.close_category in ('successful', 'successful_with_issues') and not ${changeFailed(f.tenantId, sql`cr.id`, null)}
        then 1 else 0 end as successful,
      case when cr.type = 'emergency' then 1 else 0 end as emergency
    from change_requests cr
    where cr.tenant_id = ${f.tenantId} and cr.created_at >= ${f.since} and cr.created_at < ${f.until}
      ${crFilter(dialect, f)}`;
}

/**
 * The join to each row's CR that crFilter needs; nothing without a filter (every approval and step
 * belongs to a CR of its tenant), which spares one CR lookup per row.
 */
function crJoin(f: MetricsFilter, alias: 'a' | 's'): Sql {
  return f.environment === null && f.component === null
    ? sql``
    : sql`join change_requests cr on cr.tenant_id = ${sql.ref(`${alias}.tenant_id`)} and cr.id = ${sql.ref(`${alias}.change_request_id`)}`;
}

function crFilter(dialect: Dialect, f: MetricsFilter): Sql {
  return sql`${f.environment === null ? sql`` : sql`and cr.environment = ${f.environment}`}
    ${f.component === null ? sql`` : sql`and ${listHolds(dialect, sql`cr.components_json`, f.component)}`}`;
}

/** Incidents started in the range; an environment filter keeps incidents of that environment only. */
function incidentFacts(dialect: Dialect, f: MetricsFilter): Sql {
  return sql`
    select i.id as fid, i.environment as env, cast(null as text) as ctype, i.components_json as comps, i.started_at as at,
      case when exists (select 1 from incident_causes ic where ic.tenant_id = i.tenant_id and ic.incident_id = i.id
                        and ic.status = 'confirmed') then 1 else 0 end as related,
      case when i.resolved_at is null then 1 else 0 end as unresolved,
      i.resolved_at - i.started_at as v
    from incidents i
    where i.tenant_id = ${f.tenantId} and i.started_at >= ${f.since} and i.started_at < ${f.until}
      ${f.environment === null ? sql`` : sql`and i.environment = ${f.environment}`}
      ${f.component === null ? sql`` : sql`and ${listHolds(dialect, sql`i.components_json`, f.component)}`}`;
}

/** Approval rounds decided in the range: first step created → last decision (approved or rejected). */
function approvalRoundFacts(dialect: Dialect, f: MetricsFilter): Sql {
  return sql`
    select cr.id || ':' || cast(s.round as text) as fid, cr.environment as env, cr.type as ctype,
      cr.components_json as comps, s.decided as at, s.decided - s.requested as v
    from (select change_request_id, round, min(created_at) as requested,
            max(case when status in ('approved', 'rejected') then decided_at end) as decided,
            sum(case when status in ('waiting', 'active') then 1 else 0 end) as undecided
          from approval_steps where tenant_id = ${f.tenantId} and created_at < ${f.until}
            -- Only CRs with a step decided in the range (reports_steps_decided), not every round ever.
            and change_request_id in (select change_request_id from approval_steps where tenant_id = ${f.tenantId}
              and status in ('approved', 'rejected') and decided_at >= ${f.since} and decided_at < ${f.until})
          group by change_request_id, round) s
    -- cross join: SQLite keeps this order (the rounds, then each one's CR by id) instead of scanning all CRs.
    cross join change_requests cr
    where cr.tenant_id = ${f.tenantId} and cr.id = s.change_request_id and s.undecided = 0 and s.decided >= ${f.since} and s.decided < ${f.until} ${crFilter(dialect, f)}`;
}

/**
 * Failed deployments with the time to the next successful deployment of the same environment and
 * component (deployments after the range count as the recovery), one row per failed deployment and
 * component — only the filtered component's row when the report is for one; v is null when nothing
 * recovered it.
 */
function recoveryFacts(dialect: Dialect, all: Sql, until: number, component: string | null): Sql {
  const perComponent = sql`select d.fid, d.env, d.ctype, d.at, d.failed, coalesce(c.value, '') as comp from (${all}) d
    ${dialect === 'postgres' ? sql`left join lateral jsonb_array_elements_text(d.comps::jsonb) as c(value) on true` : sql`left join json_each(d.comps) as c on 1 = 1`}`;
  return sql`
    select x.fid, x.env, x.ctype, x.comp, x.at, x.next_ok - x.at as v from (
      select p.*, min(case when p.failed = 0 then p.at end)
        -- Later rows first, so the frame grows from a fixed head: one pass, not one scan per row. The
        -- frame ends 1 ms later than the row itself: a deployment finished at the same instant is not "next".
        over (partition by p.env, p.comp order by p.at desc range between unbounded preceding and 1 preceding) as next_ok
      from (${perComponent}) p) x
    where x.failed = 1 and x.at < ${until}${component === null ? sql`` : sql` and x.comp = ${component}`}`;
}

/**
 * PostgreSQL only, for the rest of the report's transaction: room to sort in memory, and no JIT compilation. The JSON list
 * expansions are estimated at 100 rows per call, so the report's queries look costly enough to be
 * compiled, and compiling them took longer (5.6 s on 100,000 changes) than running them (0.3 s).
 */
export async function reportSession(tx: DbOrTx, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`set local jit = off`.execute(tx);
  // The recovery window sorts every deployment of the range; with the default 4 MB it spills to disk.
  await sql`set local work_mem = '64MB'`.execute(tx);
}

async function rows(db: DbOrTx, query: Sql): Promise<Record<string, unknown>[]> {
  return (await sql<Record<string, unknown>>`${query}`.execute(db)).rows;
}

function merge(into: AggregatesByKey, key: unknown, part: Partial<SliceAggregates>): void {
  const k = String(key);
  into.set(k, { ...into.get(k), ...part });
}

/**
 * Every per-slice aggregate of a report, one GROUP BY query per fact family. `changes`: the change
 * counts per key when the caller has them already (they are additive: the overall counts are the sum
 * of the per-period ones the emergency trend reads anyway), so they are not counted twice.
 */
export async function sliceAggregates(
  db: DbOrTx,
  dialect: Dialect,
  f: MetricsFilter,
  spec: SliceSpec,
  changes?: AggregatesByKey,
): Promise<AggregatesByKey> {
  const out: AggregatesByKey = new Map();
  await deploymentAggregates(db, dialect, f, spec, out);
  await incidentAggregates(db, dialect, f, spec, out);
  if (changes) for (const [k, part] of changes) merge(out, k, part);
  else await changeAggregates(db, dialect, f, spec, out);
  const approvals = sliced(dialect, approvalRoundFacts(dialect, f), spec, 'list');
  for (const r of await rows(db, aggregateByKey(approvals)))
    merge(out, r.k, { approve: durationAggregate(r) });
  return out;
}

async function deploymentAggregates(
  db: DbOrTx,
  dialect: Dialect,
  f: MetricsFilter,
  spec: SliceSpec,
  out: AggregatesByKey,
): Promise<void> {
  // The deployment facts from the start of the range on (recovery looks past its end) are computed
  // once, in a materialized CTE, and read by both aggregates: the range's deployments and recoveries.
  const facts = sql`select * from deployment_facts`;
  const deployments = sliced(dialect, sql`${facts} where at < ${f.until}`, spec, 'list');
  const recovery = sliced(dialect, recoveryFacts(dialect, facts, f.until, f.component), spec, 'single');
  const found = await rows(
    db,
    sql`with deployment_facts as materialized (${deploymentFacts(dialect, f, Number.MAX_SAFE_INTEGER)})
      select 'deployments' as family, a.* from (${aggregateByKey(deployments, sql`, sum(failed) as failed`)}) a
      union all
      select 'recovery', b.* from (${aggregateByKey(recovery, sql`, 0 as failed`)}) b`,
  );
  for (const r of found) {
    if (r.family === 'deployments')
      merge(out, r.k, {
        deployments: num(r.rows_n),
        failedDeployments: num(r.failed),
        leadTime: durationAggregate(r),
      });
    else merge(out, r.k, { recovery: durationAggregate(r), unrecovered: num(r.rows_n) - num(r.n) });
  }
}

async function incidentAggregates(
  db: DbOrTx,
  dialect: Dialect,
  f: MetricsFilter,
  spec: SliceSpec,
  out: AggregatesByKey,
): Promise<void> {
  const incidents = sliced(dialect, incidentFacts(dialect, f), spec, 'list');
  const extra = sql`, sum(related) as related, sum(unresolved) as unresolved`;
  for (const r of await rows(db, aggregateByKey(incidents, extra))) {
    merge(out, r.k, {
      incidents: num(r.rows_n),
      changeRelatedIncidents: num(r.related),
      openIncidents: num(r.unresolved),
      restore: durationAggregate(r),
    });
  }
}

/** Change request counts per key (also the emergency trend, sliced by period). */
export async function changeAggregates(
  db: DbOrTx,
  dialect: Dialect,
  f: MetricsFilter,
  spec: SliceSpec,
  out: AggregatesByKey = new Map(),
): Promise<AggregatesByKey> {
  const changes = sliced(dialect, changeFacts(dialect, f), spec, 'list');
  for (const r of await rows(
    db,
    sql`select k, count(*) as n, sum(concluded) as concluded, sum(successful) as successful, sum(emergency) as emergency
        from (${changes}) s group by k`,
  )) {
    merge(out, r.k, {
      changes: num(r.n),
      concludedChanges: num(r.concluded),
      successfulChanges: num(r.successful),
      emergencyChanges: num(r.emergency),
    });
  }
  return out;
}

/** Queue time per approver group (step activated → decided, decided in the range) and what waits now. */
export async function approvalGroupQueues(
  db: DbOrTx,
  dialect: Dialect,
  f: MetricsFilter,
): Promise<ApprovalGroupQueue[]> {
  const steps = sql`select s.approver_group as k, s.decided_at - s.activated_at as v
    from approval_steps s ${crJoin(f, 's')}
    where s.tenant_id = ${f.tenantId} and s.status in ('approved', 'rejected') and s.activated_at is not null
      and s.decided_at >= ${f.since} and s.decided_at < ${f.until} ${crFilter(dialect, f)}`;
  const pending = await rows(
    db,
    sql`select s.approver_group as k, count(*) as n
      from approval_steps s ${crJoin(f, 's')}
      where s.tenant_id = ${f.tenantId} and s.status = 'active' ${crFilter(dialect, f)} group by s.approver_group`,
  );
  const groups = new Map<string, ApprovalGroupQueue>();
  const entry = (group: string) => {
    const found = groups.get(group) ?? {
      group,
      decided: 0,
      queue: { count: 0, meanMs: null, p50Ms: null, p90Ms: null },
      pending: 0,
    };
    groups.set(group, found);
    return found;
  };
  for (const r of await rows(db, aggregateByKey(steps))) {
    const a = durationAggregate(r);
    Object.assign(entry(String(r.k)), {
      decided: a.count,
      queue: { count: a.count, meanMs: a.totalMs / a.count, p50Ms: a.p50Ms, p90Ms: a.p90Ms },
    });
  }
  for (const r of pending) entry(String(r.k)).pending = num(r.n);
  return [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/** Decisions per approver in the range. */
export async function approverLoads(db: DbOrTx, dialect: Dialect, f: MetricsFilter): Promise<ApproverLoad[]> {
  const found = await rows(
    db,
    sql`select a.approver as k, count(*) as n,
        sum(case when a.decision = 'approved' then 1 else 0 end) as approved,
        sum(case when a.decision = 'rejected' then 1 else 0 end) as rejected
      from approvals a ${crJoin(f, 'a')}
      where a.tenant_id = ${f.tenantId} and a.decided_at >= ${f.since} and a.decided_at < ${f.until} ${crFilter(dialect, f)}
      group by a.approver order by count(*) desc, a.approver`,
  );
  return found.map((r) => ({
    approver: String(r.k),
    decisions: num(r.n),
    approved: num(r.approved),
    rejected: num(r.rejected),
  }));
}
