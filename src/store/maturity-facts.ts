import { type RawBuilder, sql } from 'kysely';
import type { DbOrTx } from './database.js';

/**
 * The SQL aggregates behind the maturity assessment (docs/maturity.md): one grouped scan per table,
 * conditional counts computed in the database so a tenant with a million changes is read in one pass,
 * never row by row.
 */

const periodMs = 30 * 86_400_000;
const ninetyDaysMs = 90 * 86_400_000;

const countIf = (condition: RawBuilder<unknown>) =>
  sql<string | number | null>`sum(case when ${condition} then 1 else 0 end)`;
const n = (v: string | number | bigint | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
const nOrNull = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

export interface ChangeRequestAggregates {
  total: number;
  production: number;
  implemented: number;
  implementedApproved: number;
  withRisk: number;
  productionWithRisk: number;
  withRiskAssessment: number;
  withPolicyDecision: number;
  withApprovalChain: number;
  autoApproved: number;
  fromTemplate: number;
  productionWithBackoutPlan: number;
  pipelineCreated: number;
  productionPipelineCreated: number;
  emergency: number;
  closed: number;
  closedSuccessful: number;
}

/** The columns grouped on: the leading columns of the covering index reports_crs_maturity, in its order. */
const groupedColumns = [
  'target_environment_purpose',
  'state',
  'approval',
  'type',
  'close_category',
  'risk',
  'risk_assessed',
  'approval_route',
  'backout_planned',
  'template',
] as const;

/**
 * One index-only pass (migration 0015: the JSON conditions are flag columns filled on write), grouped
 * on the index's own leading columns so the database streams it without sorting; the few hundred
 * distinct combinations are then counted here: about three times faster on SQLite than seventeen
 * `sum(case …)` per row (60 against 200 ms on 100,000 changes).
 */
export async function aggregateChangeRequests(
  db: DbOrTx,
  tenantId: string,
): Promise<ChangeRequestAggregates> {
  const groups = await db
    .selectFrom('change_requests')
    .where('tenant_id', '=', tenantId)
    .select([
      ...groupedColumns,
      sql<string | number>`count(*)`.as('rows'),
      sql<string | number>`count(pipeline_run_id)`.as('pipeline'),
    ])
    .groupBy([...groupedColumns])
    .execute();
  const out: ChangeRequestAggregates = {
    total: 0,
    production: 0,
    implemented: 0,
    implementedApproved: 0,
    withRisk: 0,
    productionWithRisk: 0,
    withRiskAssessment: 0,
    withPolicyDecision: 0,
    withApprovalChain: 0,
    autoApproved: 0,
    fromTemplate: 0,
    productionWithBackoutPlan: 0,
    pipelineCreated: 0,
    productionPipelineCreated: 0,
    emergency: 0,
    closed: 0,
    closedSuccessful: 0,
  };
  for (const g of groups) {
    const rows = n(g.rows);
    const pipeline = n(g.pipeline);
    const prod = g.target_environment_purpose === 'production';
    const implemented = g.state === 'implement' || g.state === 'review' || g.state === 'closed';
    const risk = g.risk !== null || n(g.risk_assessed) === 1;
    const add = (key: keyof ChangeRequestAggregates, when: boolean, count = rows) => {
      if (when) out[key] += count;
    };
    add('total', true);
    add('production', prod);
    add('implemented', implemented);
    add('implementedApproved', implemented && g.approval === 'approved');
    add('withRisk', risk);
    add('productionWithRisk', prod && risk);
    add('withRiskAssessment', n(g.risk_assessed) === 1);
    add('withPolicyDecision', g.approval_route !== null);
    // A matched rule lists the steps it added; auto-approval skips them (store/change-requests.ts).
    add('withApprovalChain', g.approval_route === 'chain');
    add('autoApproved', g.approval_route === 'auto');
    add('fromTemplate', g.template !== null);
    add('productionWithBackoutPlan', prod && n(g.backout_planned) === 1);
    add('pipelineCreated', true, pipeline);
    add('productionPipelineCreated', prod, pipeline);
    add('emergency', g.type === 'emergency');
    add('closed', g.state === 'closed' && g.close_category !== null);
    add('closedSuccessful', g.state === 'closed' && g.close_category === 'successful');
  }
  return out;
}

export async function aggregateDeployments(db: DbOrTx, tenantId: string, now: number) {
  const failed = sql`status like 'failed_deployment%'`;
  // Covered by reports_runs_tenant_finished_status (migration 0015): no run row is read.
  const row = await db
    .selectFrom('deployment_runs')
    .where('tenant_id', '=', tenantId)
    .where('finished_at', 'is not', null)
    .select([
      sql<string | number>`count(*)`.as('finished'),
      countIf(failed).as('failed'),
      countIf(
        sql`status in ('failed_deployment_successful_rollback', 'failed_deployment_failed_rollback')`,
      ).as('failedWithRollback'),
    ])
    .executeTakeFirstOrThrow();
  return {
    finished: n(row.finished),
    failed: n(row.failed),
    failedWithRollback: n(row.failedWithRollback),
    activePeriods: await activePeriods(db, 'deployment_runs', 'finished_at', tenantId, now),
  };
}

/** Distinct 30-day periods of the last 12 (counted back from now) with at least one row. */
async function activePeriods(
  db: DbOrTx,
  table: 'deployment_runs' | 'tenant_configs',
  column: 'finished_at' | 'applied_at',
  tenantId: string,
  now: number,
): Promise<number> {
  const since = now - 12 * periodMs;
  const rows = await db
    .selectFrom(table)
    .where('tenant_id', '=', tenantId)
    .where(sql.ref(column), '>', since)
    .where(sql.ref(column), '<=', now)
    .select(sql<string | number>`(${sql.lit(now)} - ${sql.ref(column)}) / ${sql.lit(periodMs)}`.as('period'))
    .groupBy(sql`(${sql.lit(now)} - ${sql.ref(column)}) / ${sql.lit(periodMs)}`)
    .execute();
  return new Set(rows.map((r) => Math.floor(n(r.period)))).size;
}

export async function aggregateApprovalSteps(db: DbOrTx, tenantId: string, now: number) {
  const decided = sql`status in ('approved', 'rejected') and decided_at is not null and activated_at is not null`;
  const recent = sql`decided_at > ${sql.lit(now - ninetyDaysMs)}`;
  const previous = sql`decided_at > ${sql.lit(now - 2 * ninetyDaysMs)} and decided_at <= ${sql.lit(now - ninetyDaysMs)}`;
  const row = await db
    .selectFrom('approval_steps')
    .where('tenant_id', '=', tenantId)
    .select([
      countIf(decided).as('stepsDecided'),
      countIf(sql`sla_ms is not null`).as('stepsWithSla'),
      sql<
        string | number | null
      >`avg(case when ${decided} and ${recent} then decided_at - activated_at end)`.as('recentMeanMs'),
      sql<
        string | number | null
      >`avg(case when ${decided} and ${previous} then decided_at - activated_at end)`.as('previousMeanMs'),
    ])
    .executeTakeFirstOrThrow();
  return {
    stepsDecided: n(row.stepsDecided),
    stepsWithSla: n(row.stepsWithSla),
    recentMeanMs: nOrNull(row.recentMeanMs),
    previousMeanMs: nOrNull(row.previousMeanMs),
  };
}

export async function aggregateRetrospectiveApprovals(db: DbOrTx, tenantId: string, now: number) {
  const row = await db
    .selectFrom('obligations')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'retrospective_approval')
    .select([
      sql<string | number>`count(*)`.as('total'),
      countIf(sql`completed_at is not null and (due_at is null or completed_at <= due_at)`).as(
        'completedOnTime',
      ),
      countIf(
        sql`(completed_at is not null and completed_at > due_at) or (completed_at is null and due_at < ${sql.lit(now)})`,
      ).as('late'),
    ])
    .executeTakeFirstOrThrow();
  return { total: n(row.total), completedOnTime: n(row.completedOnTime), late: n(row.late) };
}

export async function aggregateIncidents(db: DbOrTx, tenantId: string) {
  const incidents = await db
    .selectFrom('incidents')
    .where('tenant_id', '=', tenantId)
    .select([
      sql<string | number>`count(*)`.as('total'),
      countIf(sql`resolved_at is not null`).as('resolved'),
    ])
    .executeTakeFirstOrThrow();
  const causes = await db
    .selectFrom('incident_causes')
    .where('tenant_id', '=', tenantId)
    .select([
      sql<string | number>`count(distinct case when status = 'confirmed' then incident_id end)`.as(
        'confirmed',
      ),
      sql<
        string | number
      >`count(distinct case when status in ('confirmed', 'rejected') then incident_id end)`.as('reviewed'),
    ])
    .executeTakeFirstOrThrow();
  const problems = await db
    .selectFrom('problems')
    .where('tenant_id', '=', tenantId)
    .where('root_cause', 'is not', null)
    .where('root_cause', '<>', '')
    .select(sql<string | number>`count(*)`.as('count'))
    .executeTakeFirstOrThrow();
  return {
    total: n(incidents.total),
    resolved: n(incidents.resolved),
    withConfirmedCause: n(causes.confirmed),
    withCauseReviewed: n(causes.reviewed),
    problemsWithRootCause: n(problems.count),
  };
}

export async function aggregateEnvironments(db: DbOrTx, tenantId: string) {
  const row = await db
    .selectFrom('environments')
    .where('tenant_id', '=', tenantId)
    .select([
      sql<string | number>`count(*)`.as('total'),
      countIf(sql`purpose = 'production'`).as('production'),
      countIf(sql`purpose = 'production' and rollback_enabled = 1`).as('productionRollbackEnabled'),
    ])
    .executeTakeFirstOrThrow();
  return {
    total: n(row.total),
    production: n(row.production),
    productionRollbackEnabled: n(row.productionRollbackEnabled),
  };
}

export async function countCatalog(db: DbOrTx, tenantId: string) {
  const count = async (table: 'components' | 'groups' | 'change_templates') =>
    n(
      (
        await db
          .selectFrom(table)
          .where('tenant_id', '=', tenantId)
          .select(sql<string | number>`count(*)`.as('count'))
          .executeTakeFirstOrThrow()
      ).count,
    );
  const freeze = await db
    .selectFrom('change_windows')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'freeze')
    .where('deleted_at', 'is', null)
    .select(sql<string | number>`count(*)`.as('count'))
    .executeTakeFirstOrThrow();
  return {
    components: await count('components'),
    groups: await count('groups'),
    templates: await count('change_templates'),
    freezeWindows: n(freeze.count),
  };
}

export async function aggregateConfigVersions(db: DbOrTx, tenantId: string, now: number) {
  const row = await db
    .selectFrom('tenant_configs')
    .where('tenant_id', '=', tenantId)
    .select(sql<string | number>`count(*)`.as('count'))
    .executeTakeFirstOrThrow();
  return {
    versions: n(row.count),
    revisionPeriods: await activePeriods(db, 'tenant_configs', 'applied_at', tenantId, now),
  };
}

export async function aggregateAudit(db: DbOrTx, tenantId: string) {
  const row = await db
    .selectFrom('audit_events')
    .where('tenant_id', '=', tenantId)
    .select([
      sql<string | number>`count(*)`.as('events'),
      countIf(sql`action = 'change_request.created'`).as('changeCreatedEvents'),
    ])
    .executeTakeFirstOrThrow();
  return { events: n(row.events), changeCreatedEvents: n(row.changeCreatedEvents) };
}
