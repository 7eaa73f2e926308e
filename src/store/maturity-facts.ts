import { type RawBuilder, sql } from 'kysely';
import { type ChangeCounts, emptyChangeCounts } from '../domain/maturity/maturity-facts.js';
import type { DbOrTx } from './database.js';
import { profileBits } from './migrations/0018-report-profiles.js';

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

/**
 * One pass over the covering index on (tenant_id, maturity_profile) — migration 0018's generated
 * column packs every property counted here into one integer — grouped on that integer; the few hundred
 * distinct profiles are decoded and counted here. Grouping a million rows on one integer is several
 * times cheaper than on the ten columns it stands for (docs/benchmarks.md).
 */
export async function aggregateChangeRequests(db: DbOrTx, tenantId: string): Promise<ChangeCounts> {
  const groups = await db
    .selectFrom('change_requests')
    .where('tenant_id', '=', tenantId)
    .select([sql<string | number>`maturity_profile`.as('profile'), sql<string | number>`count(*)`.as('rows')])
    .groupBy(sql`maturity_profile`)
    .execute();
  const out = emptyChangeCounts();
  const b = profileBits;
  for (const g of groups) {
    const rows = n(g.rows);
    const p = n(g.profile);
    const has = (bit: number) => (p & bit) === bit;
    const state = p & b.stateMask;
    const route = p & b.routeMask;
    const close = p & b.closeMask;
    const prod = has(b.production);
    const implemented = state !== 0;
    const risk = has(b.declaredRisk) || has(b.riskAssessed);
    const pipeline = has(b.pipelineCreated);
    const add = (key: keyof ChangeCounts, when: boolean) => {
      if (when) out[key] += rows;
    };
    add('total', true);
    add('production', prod);
    add('implemented', implemented);
    add('implementedApproved', implemented && has(b.approved));
    add('withRisk', risk);
    add('productionWithRisk', prod && risk);
    add('withRiskAssessment', has(b.riskAssessed));
    add('withPolicyDecision', route !== 0);
    // A matched rule lists the steps it added; auto-approval skips them (store/change-requests.ts).
    add('withApprovalChain', route === b.routeChain);
    add('autoApproved', route === b.routeAuto);
    add('fromTemplate', has(b.fromTemplate));
    add('productionWithBackoutPlan', prod && has(b.backoutPlanned));
    add('pipelineCreated', pipeline);
    add('productionPipelineCreated', prod && pipeline);
    add('emergency', has(b.emergency));
    add('closed', state === b.stateClosed && close !== 0);
    add('closedSuccessful', state === b.stateClosed && close === b.closeSuccessful);
  }
  return out;
}

export async function aggregateDeployments(db: DbOrTx, tenantId: string, now: number) {
  // One index-only pass over reports_runs_tenant_finished_status (migration 0015), a handful of groups.
  const byStatus = await db
    .selectFrom('deployment_runs')
    .where('tenant_id', '=', tenantId)
    .where('finished_at', 'is not', null)
    .select(['status', sql<string | number>`count(*)`.as('rows')])
    .groupBy('status')
    .execute();
  const count = (when: (status: string) => boolean) =>
    byStatus.reduce((sum, g) => sum + (when(String(g.status)) ? n(g.rows) : 0), 0);
  return {
    finished: count(() => true),
    failed: count((s) => s.startsWith('failed_deployment')),
    failedWithRollback: count(
      (s) => s === 'failed_deployment_successful_rollback' || s === 'failed_deployment_failed_rollback',
    ),
    activePeriods: await activePeriods(db, 'deployment_runs', 'finished_at', tenantId, now),
  };
}

/**
 * Distinct 30-day periods of the last 12 (counted back from now) with at least one row: one indexed
 * probe per period (the column leads an index after tenant_id), not a scan of a year of rows.
 */
async function activePeriods(
  db: DbOrTx,
  table: 'deployment_runs' | 'tenant_configs',
  column: 'finished_at' | 'applied_at',
  tenantId: string,
  now: number,
): Promise<number> {
  let active = 0;
  for (let period = 0; period < 12; period++) {
    const found = await db
      .selectFrom(table)
      .where('tenant_id', '=', tenantId)
      .where(sql.ref(column), '>', now - (period + 1) * periodMs)
      .where(sql.ref(column), '<=', now - period * periodMs)
      .select(sql.lit(1).as('one'))
      .limit(1)
      .executeTakeFirst();
    if (found) active++;
  }
  return active;
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
