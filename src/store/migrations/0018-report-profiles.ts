import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The second round of report indexes, measured on 1,000,000 changes (docs/benchmarks.md):
 * - change_requests.maturity_profile: one small integer that packs every property the maturity
 *   assessment counts (store/maturity-facts.ts decodes it). A generated column — virtual on SQLite,
 *   stored on PostgreSQL — so no write path can forget it; grouping a million rows on one integer is
 *   several times cheaper than on ten columns, so it replaces migration 0015's wide index.
 * - deployment_runs.lead_start_at: where the lead time of what a run deploys starts (from its delta JSON),
 *   recorded on write (store/deployment-runs.ts) and backfilled here, so lead time is a subtraction
 *   rather than a JSON parse per deployment;
 * - covering indexes for the metrics report's range reads, so it never reads the (wide) change and
 *   run rows: changes by creation, close and update time, a change by id with what a deployment fact
 *   needs, runs by finish time with what a deployment fact needs, runs per change with their status
 *   (the "implemented without a run" check), rollback links and confirmed causes per change.
 */

/** The bits of maturity_profile; store/maturity-facts.ts reads them back. */
export const profileBits = {
  production: 1,
  /** state: 2 implement, 4 review, 6 closed (two bits), 0 any other. */
  stateImplement: 2,
  stateReview: 4,
  stateClosed: 6,
  stateMask: 6,
  approved: 8,
  emergency: 16,
  /** close_category: 32 successful, 64 successful_with_issues, 96 unsuccessful, 128 cancelled. */
  closeSuccessful: 32,
  closeWithIssues: 64,
  closeUnsuccessful: 96,
  closeCancelled: 128,
  closeMask: 224,
  declaredRisk: 256,
  riskAssessed: 512,
  /** approval_route: 1024 auto, 2048 chain, 3072 none, 0 no decision (two bits). */
  routeAuto: 1024,
  routeChain: 2048,
  routeNone: 3072,
  routeMask: 3072,
  backoutPlanned: 4096,
  fromTemplate: 8192,
  pipelineCreated: 16384,
} as const;

const b = profileBits;
export const maturityProfileExpression = `((case when target_environment_purpose = 'production' then ${b.production} else 0 end)
  + (case state when 'implement' then ${b.stateImplement} when 'review' then ${b.stateReview} when 'closed' then ${b.stateClosed} else 0 end)
  + (case when approval = 'approved' then ${b.approved} else 0 end)
  + (case when type = 'emergency' then ${b.emergency} else 0 end)
  + (case close_category when 'successful' then ${b.closeSuccessful} when 'successful_with_issues' then ${b.closeWithIssues}
       when 'unsuccessful' then ${b.closeUnsuccessful} when 'cancelled' then ${b.closeCancelled} else 0 end)
  + (case when risk is not null then ${b.declaredRisk} else 0 end)
  + (case when risk_assessed = 1 then ${b.riskAssessed} else 0 end)
  + (case approval_route when 'auto' then ${b.routeAuto} when 'chain' then ${b.routeChain} when 'none' then ${b.routeNone} else 0 end)
  + (case when backout_planned = 1 then ${b.backoutPlanned} else 0 end)
  + (case when template is not null then ${b.fromTemplate} else 0 end)
  + (case when pipeline_run_id is not null then ${b.pipelineCreated} else 0 end))`;

const coveringIndexes: [name: string, table: string, columns: string[]][] = [
  [
    'reports_crs_created',
    'change_requests',
    ['tenant_id', 'created_at', 'type', 'close_category', 'environment', 'id', 'components_json'],
  ],
  [
    'reports_crs_closed',
    'change_requests',
    ['tenant_id', 'closed_at', 'state', 'close_category', 'environment', 'type', 'id', 'components_json'],
  ],
  [
    'reports_crs_updated',
    'change_requests',
    [
      'tenant_id',
      'updated_at',
      'closed_at',
      'state',
      'close_category',
      'environment',
      'type',
      'id',
      'components_json',
    ],
  ],
  [
    'reports_crs_id_facts',
    'change_requests',
    ['tenant_id', 'id', 'type', 'close_category', 'environment', 'components_json'],
  ],
  ['reports_runs_cr_status', 'deployment_runs', ['tenant_id', 'change_request_id', 'status']],
  // A range of finished runs with what a deployment fact reads of each (its lead time from lead_start_at).
  [
    'reports_runs_finished_facts',
    'deployment_runs',
    ['tenant_id', 'finished_at', 'status', 'environment', 'flow', 'change_request_id', 'id', 'lead_start_at'],
  ],
  // "Did this change fail?" for every deployment in a range: rolled back, or a confirmed incident cause.
  ['reports_links_cr_kind', 'change_links', ['tenant_id', 'change_request_id', 'kind']],
  ['reports_causes_cr', 'incident_causes', ['tenant_id', 'change_request_id', 'status', 'deployment_run_id']],
  [
    'reports_steps_decided',
    'approval_steps',
    ['tenant_id', 'decided_at', 'status', 'activated_at', 'sla_ms', 'approver_group'],
  ],
  [
    'reports_steps_rounds',
    'approval_steps',
    ['tenant_id', 'change_request_id', 'round', 'status', 'created_at', 'decided_at'],
  ],
  ['reports_approvals_decided', 'approvals', ['tenant_id', 'decided_at', 'approver', 'decision']],
];

/**
 * A CR's component list has no length limit, and PostgreSQL refuses a B-tree entry over 2,704 bytes
 * (so a CR naming a hundred long components could not be saved): there the list stays out of the
 * indexes and is read from the row. SQLite keeps long index entries in overflow pages.
 */
function indexable(dialect: Dialect, columns: string[]): string[] {
  return dialect === 'postgres' ? columns.filter((c) => c !== 'components_json') : columns;
}

/** Indexes the covering ones above make redundant (each is a prefix of a new one). */
const replaced = [
  'reports_crs_maturity',
  'metrics_crs_tenant_closed',
  'metrics_crs_tenant_updated',
  'change_requests_tenant_created_at',
  'deployment_runs_change_request_id',
  'metrics_steps_tenant_decided',
  'change_links_tenant_cr',
  'metrics_runs_tenant_finished',
  'metrics_steps_tenant_cr_round',
  'compliance_approvals_tenant_decided',
];

/** The earliest `to.createdAt` of a run's delta (domain/delta.ts leadTimeStart), for the backfill. */
/** Runs written before commit times existed (migration 0019): their lead time starts at the build. */
export function leadStartSql(dialect: Dialect) {
  return dialect === 'postgres'
    ? sql`(select min((d.value -> 'to' ->> 'createdAt')::bigint) from jsonb_array_elements(delta_json::jsonb) as d(value))`
    : sql`(select min(json_extract(d.value, '$.to.createdAt')) from json_each(delta_json) as d)`;
}

export function reportProfiles(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const generated = dialect === 'postgres' ? 'stored' : 'virtual';
      await sql`alter table change_requests add column maturity_profile integer
        generated always as ${sql.raw(maturityProfileExpression)} ${sql.raw(generated)}`.execute(db);
      await db.schema
        .createIndex('reports_crs_profile')
        .on('change_requests')
        .columns(['tenant_id', 'maturity_profile'])
        .execute();
      await db.schema.alterTable('deployment_runs').addColumn('lead_start_at', 'bigint').execute();
      await sql`update deployment_runs set lead_start_at = ${leadStartSql(dialect)}`.execute(db);
      for (const [name, table, columns] of coveringIndexes)
        await db.schema.createIndex(name).on(table).columns(indexable(dialect, columns)).execute();
      for (const name of replaced) await db.schema.dropIndex(name).execute();
    },
  };
}
