import type { Kysely } from 'kysely';

/**
 * Indexes the metrics report's range filters use (docs/metrics.md, "Performance"): deployments by
 * finish time, CRs implemented by hand by close/update time, approval steps by decision and queue.
 */
const indexes: [name: string, table: string, columns: string[]][] = [
  ['metrics_runs_tenant_finished', 'deployment_runs', ['tenant_id', 'finished_at']],
  ['metrics_crs_tenant_closed', 'change_requests', ['tenant_id', 'closed_at']],
  ['metrics_crs_tenant_updated', 'change_requests', ['tenant_id', 'updated_at']],
  ['metrics_steps_tenant_cr_round', 'approval_steps', ['tenant_id', 'change_request_id', 'round']],
  ['metrics_steps_tenant_decided', 'approval_steps', ['tenant_id', 'decided_at']],
  ['metrics_steps_tenant_status_group', 'approval_steps', ['tenant_id', 'status', 'approver_group']],
];

export function metricsIndexes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [name, table, columns] of indexes) {
        await db.schema.createIndex(name).on(table).columns(columns).execute();
      }
    },
  };
}
