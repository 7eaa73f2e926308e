import type { CauseStatus, ChangeEvent } from '../domain/attribution.js';
import type { RiskLevel } from '../domain/change-request.js';
import { riskLevels } from '../domain/change-request.js';
import type { Obligation } from '../domain/deployment.js';
import type { DbOrTx } from './database.js';

/**
 * What change attribution reads and writes (docs/attribution.md): the changes made shortly before an
 * incident, its ranked causes (`incident_causes`), and the post-incident reviews owed.
 */

const rolledBack = ['failed_deployment_successful_rollback', 'failed_deployment_failed_rollback'];

function higherRisk(declared: string | null, assessmentJson: string | null): RiskLevel | null {
  const assessed = assessmentJson ? ((JSON.parse(assessmentJson) as { level?: string }).level ?? null) : null;
  const rank = (r: string | null) => (r === null ? -1 : riskLevels.indexOf(r as RiskLevel));
  const top = rank(assessed) > rank(declared) ? assessed : declared;
  return top as RiskLevel | null;
}

/**
 * Deployments (running or finished) and full rollbacks started in [from, to], and CRs implemented by
 * hand (no deployment run) whose time falls there; in `environment` unless it is null.
 */
export async function changeEventsBetween(
  db: DbOrTx,
  tenantId: string,
  query: { environment: string | null; from: number; to: number },
): Promise<ChangeEvent[]> {
  const runs = await db
    .selectFrom('deployment_runs as r')
    .innerJoin('change_requests as c', 'c.id', 'r.change_request_id')
    .select([
      'r.id as run_id',
      'r.flow',
      'r.status',
      'r.environment',
      'r.delta_json',
      'r.started_at',
      'c.id as cr_id',
      'c.number',
      'c.type',
      'c.risk',
      'c.risk_assessment_json',
      'c.close_category',
      'c.components_json',
    ])
    .where('r.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId)
    .$if(query.environment !== null, (q) => q.where('r.environment', '=', query.environment ?? ''))
    .where('r.started_at', '>=', query.from)
    .where('r.started_at', '<=', query.to)
    .where('r.phase', 'in', ['implementing', 'finished'])
    .execute();
  const events: ChangeEvent[] = runs.map((r) => {
    const delta = JSON.parse(r.delta_json) as { name: string }[];
    const status = r.status ?? '';
    return {
      changeRequestId: r.cr_id,
      changeRequestNumber: r.number,
      deploymentRunId: r.run_id,
      kind: r.flow === 'rollback' ? 'rollback' : 'deployment',
      at: Number(r.started_at),
      environment: r.environment,
      components:
        delta.length > 0 ? [...new Set(delta.map((d) => d.name))].sort() : JSON.parse(r.components_json),
      failed: status.startsWith('failed_') || r.close_category === 'unsuccessful',
      rolledBack: rolledBack.includes(status),
      emergency: r.type === 'emergency' || r.flow === 'emergency',
      risk: higherRisk(r.risk, r.risk_assessment_json),
    };
  });

  const manual = await db
    .selectFrom('change_requests as c')
    .select([
      'c.id',
      'c.number',
      'c.type',
      'c.environment',
      'c.risk',
      'c.risk_assessment_json',
      'c.close_category',
      'c.components_json',
      'c.planned_start',
      'c.closed_at',
      'c.updated_at',
    ])
    .where('c.tenant_id', '=', tenantId)
    .where('c.state', 'in', ['implement', 'review', 'closed'])
    .$if(query.environment !== null, (q) => q.where('c.environment', '=', query.environment ?? ''))
    .where((eb) => eb(eb.fn.coalesce('c.planned_start', 'c.closed_at', 'c.updated_at'), '>=', query.from))
    .where((eb) => eb(eb.fn.coalesce('c.planned_start', 'c.closed_at', 'c.updated_at'), '<=', query.to))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('deployment_runs as r')
            .select('r.id')
            .where('r.tenant_id', '=', tenantId)
            .whereRef('r.change_request_id', '=', 'c.id'),
        ),
      ),
    )
    .execute();
  for (const c of manual) {
    events.push({
      changeRequestId: c.id,
      changeRequestNumber: c.number,
      deploymentRunId: null,
      kind: 'manual_change',
      at: Number(c.planned_start ?? c.closed_at ?? c.updated_at),
      environment: c.environment,
      components: JSON.parse(c.components_json),
      failed: c.close_category === 'unsuccessful',
      rolledBack: false,
      emergency: c.type === 'emergency',
      risk: higherRisk(c.risk, c.risk_assessment_json),
    });
  }
  return events;
}

/**
 * Whether a run of the CR reached a pipeline status (deployed, failed, rolled back): what the metrics
 * count as a deployment (store/metrics.ts), as opposed to one that never left the approval gate.
 */
export async function hasConcludedDeployment(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('deployment_runs')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .where('status', 'is not', null)
    .where('status', '<>', 'awaiting_approval')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface IncidentCause {
  id: string;
  incidentId: string;
  changeRequestId: string;
  changeRequestNumber: string;
  deploymentRunId: string | null;
  status: CauseStatus;
  confidence: number;
  explanation: string;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  createdAt: number;
}

/** The causes recorded for an incident, highest confidence first, rejected ones last. */
export async function listCauses(db: DbOrTx, tenantId: string, incidentId: string): Promise<IncidentCause[]> {
  const rows = await db
    .selectFrom('incident_causes as k')
    .innerJoin('change_requests as c', 'c.id', 'k.change_request_id')
    .selectAll('k')
    .select('c.number')
    .where('k.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId)
    .where('k.incident_id', '=', incidentId)
    .execute();
  const order = (s: string) => (s === 'rejected' ? 1 : 0);
  return rows
    .map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      changeRequestId: r.change_request_id,
      changeRequestNumber: r.number,
      deploymentRunId: r.deployment_run_id,
      status: r.status as CauseStatus,
      confidence: Number(r.confidence),
      explanation: r.explanation,
      decidedBy: r.decided_by,
      decidedAt: r.decided_at === null ? null : Number(r.decided_at),
      decisionNote: r.decision_note,
      createdAt: Number(r.created_at),
    }))
    .sort(
      (a, b) =>
        order(a.status) - order(b.status) ||
        b.confidence - a.confidence ||
        a.changeRequestNumber.localeCompare(b.changeRequestNumber),
    );
}

export async function insertCause(
  db: DbOrTx,
  tenantId: string,
  cause: Omit<IncidentCause, 'changeRequestNumber'>,
): Promise<void> {
  await db
    .insertInto('incident_causes')
    .values({
      id: cause.id,
      tenant_id: tenantId,
      incident_id: cause.incidentId,
      change_request_id: cause.changeRequestId,
      deployment_run_id: cause.deploymentRunId,
      status: cause.status,
      confidence: cause.confidence,
      explanation: cause.explanation,
      decided_by: cause.decidedBy,
      decided_at: cause.decidedAt,
      decision_note: cause.decisionNote,
      created_at: cause.createdAt,
    })
    .execute();
}

/** A re-ranked candidate's new confidence and explanation. */
export async function updateCandidate(
  db: DbOrTx,
  tenantId: string,
  id: string,
  fields: { deploymentRunId: string | null; confidence: number; explanation: string },
): Promise<void> {
  await db
    .updateTable('incident_causes')
    .set({
      deployment_run_id: fields.deploymentRunId,
      confidence: fields.confidence,
      explanation: fields.explanation,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', '=', 'candidate')
    .execute();
}

/** Candidates a re-ranking no longer finds; decided causes are kept. */
export async function deleteCandidates(db: DbOrTx, tenantId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('incident_causes')
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .where('status', '=', 'candidate')
    .execute();
}

export async function decideCause(
  db: DbOrTx,
  tenantId: string,
  id: string,
  decision: { status: 'confirmed' | 'rejected'; by: string; at: number; note: string | null },
): Promise<void> {
  await db
    .updateTable('incident_causes')
    .set({
      status: decision.status,
      decided_by: decision.by,
      decided_at: decision.at,
      decision_note: decision.note,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export interface ReviewObligation extends Obligation {
  changeRequestNumber: string;
  changeRequestTitle: string;
}

/** Post-incident reviews, the earliest due first; only open ones, or open and due before `overdueAt`. */
export async function listReviewObligations(
  db: DbOrTx,
  tenantId: string,
  filter: { open?: boolean; overdueAt?: number },
): Promise<ReviewObligation[]> {
  let query = db
    .selectFrom('obligations as o')
    .innerJoin('change_requests as c', 'c.id', 'o.change_request_id')
    .selectAll('o')
    .select(['c.number', 'c.title'])
    .where('o.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId)
    .where('o.kind', '=', 'post_incident_review');
  if (filter.open || filter.overdueAt !== undefined) query = query.where('o.state', '=', 'open');
  if (filter.overdueAt !== undefined) query = query.where('o.due_at', '<', filter.overdueAt);
  const rows = await query.orderBy('o.due_at').orderBy('o.created_at').orderBy('o.id').execute();
  return rows.map((r) => ({
    id: r.id,
    changeRequestId: r.change_request_id,
    changeRequestNumber: r.number,
    changeRequestTitle: r.title,
    kind: 'post_incident_review',
    state: r.state as Obligation['state'],
    detail: r.detail,
    dueAt: r.due_at === null ? null : Number(r.due_at),
    createdAt: Number(r.created_at),
    completedAt: r.completed_at === null ? null : Number(r.completed_at),
    completedBy: r.completed_by,
  }));
}
