import type { Insertable } from 'kysely';
import { leadTimeStart } from '../../src/domain/delta.js';
import type { Db } from '../../src/store/database.js';
import type {
  ApprovalStepsTable,
  ChangeRequestsTable,
  DeploymentRunsTable,
  IncidentsTable,
} from '../../src/store/schema.js';

/**
 * A randomized but reproducible change history for the metrics tests, written straight into the
 * tables (fixed seed): several environments, components and teams, failed runs, rollbacks, CRs
 * implemented by hand, approval rounds, incidents with and without causing changes.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small seeded PRNG, so a failing history can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T,
    chance: (p: number) => next() < p,
  };
}

export interface HistoryOptions {
  tenantId: string;
  seed: number;
  start: number;
  days: number;
  changes: number;
  incidents: number;
  /** Round every instant down to the hour, so deployments of one environment finish together (ties). */
  coarse?: boolean;
}

export async function seedMetricsHistory(db: Db, o: HistoryOptions): Promise<void> {
  const r = rng(o.seed);
  const t = o.tenantId;
  const tag = `${o.seed}-${t.slice(-6)}`;
  // Unique instants: every timestamp is a distinct minute, so "the next deployment" is never a tie
  // (unless `coarse` asks for ties).
  let minute = 0;
  const fine = (base: number) => base + (minute++ % 50_000) * 60_000 + r.int(59) * 1000;
  const uniqueAt = (base: number) => (o.coarse ? Math.floor(fine(base) / 3_600_000) * 3_600_000 : fine(base));
  const span = o.days * DAY;

  await db
    .insertInto('environments')
    .values(
      [
        ['prod', 'production'],
        ['staging', 'pre_prod'],
        ['dev', 'pre_prod'],
      ].map(([name, purpose]) => ({
        id: `env-${name}-${tag}`,
        tenant_id: t,
        name: name as string,
        purpose: purpose as string,
        detail: null,
        regions_json: null,
        created_at: o.start,
      })),
    )
    .execute();
  for (const team of ['payments', 'platform']) {
    await db
      .insertInto('groups')
      .values({
        id: `grp-${team}-${tag}`,
        tenant_id: t,
        name: team,
        description: null,
        idp_groups_json: '[]',
        created_by: 'seed',
        created_at: o.start,
        updated_at: o.start,
      })
      .execute();
  }
  for (const [name, team] of [
    ['api', 'payments'],
    ['web', 'payments'],
    ['db', 'platform'],
  ]) {
    await db
      .insertInto('components')
      .values({
        id: `cmp-${name}-${tag}`,
        tenant_id: t,
        name: name as string,
        owner_group_id: `grp-${team}-${tag}`,
        criticality: 'tier2',
        environments_json: '[]',
        description: null,
        created_by: 'seed',
        created_at: o.start,
        updated_at: o.start,
      })
      .execute();
  }

  const componentPool = ['api', 'web', 'db', 'legacy'];
  const runStatuses = [
    'failed_deployment_successful_rollback',
    'failed_deployment_failed_rollback',
    'failed_deployment_no_rollback',
  ];
  const crIds: string[] = [];
  const runOfCr = new Map<string, string>();
  let stepNo = 0;
  for (let i = 0; i < o.changes; i++) {
    const id = `cr-${tag}-${String(i).padStart(4, '0')}`;
    crIds.push(id);
    const createdAt = uniqueAt(o.start + r.int(span));
    const environment = r.chance(0.05) ? null : r.pick(['prod', 'prod', 'staging', 'dev']);
    const comps = componentPool.filter(() => r.chance(0.35));
    const type = r.pick(['standard', 'normal', 'normal', 'emergency']);
    const mode =
      environment === null ? 'open' : r.pick(['run', 'run', 'run', 'run', 'manual', 'open', 'canceled']);
    const cr: Insertable<ChangeRequestsTable> = {
      id,
      tenant_id: t,
      number: `CHG${String(i + 1).padStart(7, '0')}`,
      type,
      state: 'authorize',
      approval: 'requested',
      close_category: null,
      close_notes: null,
      title: `change ${i}`,
      environment,
      region: null,
      priority: 'moderate',
      assignee: 'dev@example.com',
      description: null,
      purpose: null,
      impact: null,
      customer_impact: 'low',
      deployment_impact: 'small',
      backout_plan: null,
      risk: null,
      planned_start: null,
      planned_end: null,
      outage_minutes: 0,
      target_environment_purpose: null,
      target_environment_detail: null,
      deployment_ready: null,
      target_fingerprint: null,
      pipeline_run_id: null,
      requested_by: 'req@example.com',
      implemented_by: null,
      components_json: JSON.stringify(comps),
      category: null,
      template: null,
      labels_json: null,
      origin: null,
      custom_fields_json: null,
      risk_assessment_json: null,
      approval_decision_json: null,
      created_at: createdAt,
      updated_at: createdAt,
      closed_at: null,
    };
    const runs: Insertable<DeploymentRunsTable>[] = [];
    const run = (
      n: number,
      fields: Partial<Insertable<DeploymentRunsTable>>,
    ): Insertable<DeploymentRunsTable> => ({
      id: `run-${id}-${n}`,
      tenant_id: t,
      pipeline_run_id: `p-${id}-${n}`,
      environment: environment ?? 'prod',
      region: 'default',
      flow: 'standard',
      phase: 'finished',
      status: null,
      change_request_id: id,
      created_change_request: 1,
      promotion_id: null,
      target_revision_id: `rev-${id}`,
      base_revision_id: null,
      delta_json: '[]',
      readiness_json: '{}',
      stages_json: '[]',
      options_json: '{}',
      created_by: 'pipeline',
      started_at: createdAt,
      updated_at: createdAt,
      finished_at: null,
      ...fields,
    });
    if (mode === 'run') {
      if (r.chance(0.15)) runs.push(run(0, { phase: 'awaiting_approval', status: 'awaiting_approval' }));
      const ok = r.chance(0.75);
      const finishedAt = uniqueAt(createdAt + r.int(3 * DAY));
      const delta = r.chance(0.1)
        ? [{ name: 'gone', change: 'removed', to: null }]
        : comps.map((c) => {
            const built = createdAt - r.int(5 * DAY);
            // Some CI runs say when the commit was made (up to a day before the build), some do not.
            const committedAt = c === 'api' ? built - Math.floor((built % DAY) / 2) : null;
            return { name: c, change: 'changed', to: { createdAt: built, committedAt } };
          });
      runs.push(
        run(1, {
          flow: r.chance(0.1) ? 'rollback' : r.pick(['standard', 'emergency', 'fast_path']),
          status: ok ? 'successful_deployment' : r.pick(runStatuses),
          delta_json: JSON.stringify(delta),
          // As the store records it on write (store/deployment-runs.ts); the oracle reads delta_json.
          lead_start_at: leadTimeStart(delta),
          finished_at: finishedAt,
          updated_at: finishedAt,
        }),
      );
      runOfCr.set(id, `run-${id}-1`);
      Object.assign(cr, {
        state: ok ? 'closed' : 'review',
        approval: 'approved',
        close_category: ok
          ? r.chance(0.08)
            ? 'unsuccessful'
            : r.pick(['successful', 'successful_with_issues'])
          : 'unsuccessful',
        closed_at: ok ? finishedAt : null,
        updated_at: finishedAt,
      });
    } else if (mode === 'manual') {
      const at = uniqueAt(createdAt + r.int(2 * DAY));
      const state = r.pick(['implement', 'review', 'closed']);
      Object.assign(cr, {
        state,
        approval: 'approved',
        close_category:
          state === 'implement' ? null : r.pick(['successful', 'unsuccessful', 'successful_with_issues']),
        closed_at: state === 'closed' ? at : null,
        updated_at: at,
      });
      // A run still implementing does not count: the hand-made CR does.
      if (r.chance(0.3)) runs.push(run(2, { phase: 'implementing' }));
    } else if (mode === 'canceled') {
      Object.assign(cr, { state: 'canceled', close_category: r.pick([null, 'cancelled']) });
    }
    await db.insertInto('change_requests').values(cr).execute();
    if (runs.length > 0) await db.insertInto('deployment_runs').values(runs).execute();
    if (mode !== 'canceled' && r.chance(0.06)) {
      await db
        .insertInto('change_links')
        .values({
          id: `lnk-${id}`,
          tenant_id: t,
          change_request_id: id,
          kind: 'rolled_back_by',
          target: 'CHG9999999',
          created_by: 'seed',
          created_at: createdAt + DAY,
        })
        .execute();
    }
    // Approval rounds: each step activated, then decided, canceled, or still waiting.
    for (let round = 1; round <= (r.chance(0.5) ? r.int(2) + 1 : 0); round++) {
      const steps: Insertable<ApprovalStepsTable>[] = [];
      for (let seq = 1; seq <= r.int(2) + 1; seq++) {
        const created = uniqueAt(createdAt + round * HOUR);
        const activated = r.chance(0.9) ? created + r.int(4 * HOUR) : null;
        const status =
          activated === null ? 'waiting' : r.pick(['approved', 'approved', 'rejected', 'canceled', 'active']);
        const decided = ['approved', 'rejected'].includes(status)
          ? (activated as number) + r.int(2 * DAY) + 1
          : null;
        const stepId = `stp-${tag}-${stepNo++}`;
        steps.push({
          id: stepId,
          tenant_id: t,
          change_request_id: id,
          round,
          seq,
          rule: 'seed',
          name: 'review',
          approver_group: r.pick(['cab', 'payments', 'security']),
          required: 1,
          dual_control: 0,
          sla_ms: null,
          escalate_to_json: '[]',
          escalation_level: 0,
          status,
          activated_at: activated,
          due_at: null,
          decided_at: decided,
          created_at: created,
        });
        if (decided !== null) {
          await db
            .insertInto('approvals')
            .values({
              id: `apr-${stepId}`,
              tenant_id: t,
              change_request_id: id,
              approver: r.pick(['alice@example.com', 'bob@example.com', 'carol@example.com']),
              decision: status,
              comment: null,
              decided_at: decided,
              step_id: stepId,
            })
            .execute();
        }
      }
      await db.insertInto('approval_steps').values(steps).execute();
    }
  }

  for (let i = 0; i < o.incidents; i++) {
    const id = `inc-${tag}-${String(i).padStart(4, '0')}`;
    const startedAt = uniqueAt(o.start + r.int(span));
    const incident: Insertable<IncidentsTable> = {
      id,
      tenant_id: t,
      number: `INC${String(i + 1).padStart(7, '0')}`,
      title: `incident ${i}`,
      severity: r.pick(['sev1', 'sev2', 'sev3', null]),
      components_json: JSON.stringify(componentPool.filter(() => r.chance(0.3))),
      environment: r.chance(0.2) ? null : r.pick(['prod', 'staging']),
      major: 0,
      status: 'open',
      commander: null,
      started_at: startedAt,
      resolved_at: null,
      resolved_by: null,
      created_by: 'seed',
      created_at: startedAt,
      updated_at: startedAt,
      detected_at: null,
      source: 'cli',
      external_id: null,
    };
    if (r.chance(0.7))
      Object.assign(incident, { status: 'resolved', resolved_at: startedAt + r.int(12 * HOUR) + 1 });
    await db.insertInto('incidents').values(incident).execute();
    if (r.chance(0.5)) {
      const crId = r.pick(crIds);
      const status = r.pick(['confirmed', 'confirmed', 'candidate', 'rejected']);
      await db
        .insertInto('incident_causes')
        .values({
          id: `cause-${id}`,
          tenant_id: t,
          incident_id: id,
          change_request_id: crId,
          deployment_run_id: r.chance(0.5)
            ? (runOfCr.get(crId) ?? null)
            : r.chance(0.2)
              ? 'run-elsewhere'
              : null,
          status,
          confidence: 0.5,
          explanation: 'seeded',
          decided_by: status === 'candidate' ? null : 'sre@example.com',
          decided_at: status === 'candidate' ? null : startedAt + HOUR,
          decision_note: null,
          created_at: startedAt,
        })
        .execute();
    }
  }
}
