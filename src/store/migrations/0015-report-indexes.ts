import { type Kysely, sql } from 'kysely';

/**
 * Indexes and flag columns that keep the metrics report and the maturity assessment interactive on a
 * million changes (docs/metrics.md and docs/maturity.md, "Performance"):
 * - change_requests.approval_route / backout_planned / risk_assessed: what the maturity assessment used
 *   to find with LIKE over JSON text, as plain columns filled on write (store/change-requests.ts) and
 *   backfilled here, so one covering index answers the whole change aggregate without reading rows;
 * - deployment runs by finish time with their status: the maturity assessment's run counts, index
 *   only (status first would tempt SQLite away from the per-CR run index in the metrics queries);
 * - incident_causes by incident: the "change-related incident" check of every incident in a range.
 */
const autoLike = sql.lit('%"autoApproval":{"approved":true%');
const chainLike = sql.lit('%"steps":["%');

export const maturityColumns = [
  'tenant_id',
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
  'pipeline_run_id',
];

export function reportIndexes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('change_requests').addColumn('approval_route', 'text').execute();
      for (const column of ['backout_planned', 'risk_assessed']) {
        await db.schema
          .alterTable('change_requests')
          .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      }
      await sql`update change_requests set
          approval_route = case when approval_decision_json is null then null
            when approval_decision_json like ${autoLike} then 'auto'
            when approval_decision_json like ${chainLike} then 'chain' else 'none' end,
          backout_planned = case when backout_plan is not null and backout_plan <> '' then 1 else 0 end,
          risk_assessed = case when risk_assessment_json is not null then 1 else 0 end
        where approval_decision_json is not null or backout_plan is not null or risk_assessment_json is not null`.execute(
        db,
      );
      await db.schema
        .createIndex('reports_crs_maturity')
        .on('change_requests')
        .columns(maturityColumns)
        .execute();
      await db.schema
        .createIndex('reports_runs_tenant_finished_status')
        .on('deployment_runs')
        .columns(['tenant_id', 'finished_at', 'status'])
        .execute();
      await db.schema
        .createIndex('reports_causes_tenant_incident')
        .on('incident_causes')
        .columns(['tenant_id', 'incident_id', 'status'])
        .execute();
    },
  };
}
