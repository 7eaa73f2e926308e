import { sql } from 'kysely';
import type { ChangeOrigin, CloseCategory } from '../domain/change-request.js';
import type {
  DeploymentCount,
  EvidenceFact,
  FreezeFact,
  JudgementBasis,
  OutcomeCount,
  RetrospectiveFact,
  SeparationFact,
  UnapprovedDeploymentFact,
  VolumeCount,
} from '../domain/compliance/compliance-facts.js';
import type { GateDecision } from '../domain/gate-decision.js';
import type { DbOrTx } from './database.js';

/**
 * The compliance report's queries over [since, until): counts aggregated in SQL, violation candidates
 * narrowed in SQL so only the offending rows come back. Every query is tenant-scoped.
 */

export interface Period {
  tenantId: string;
  since: number;
  until: number;
}

const originOf = (v: string | null): ChangeOrigin => (v === 'vendor' ? 'vendor' : 'internal');
const origin = sql<string>`coalesce(c.origin, 'internal')`;

/** Change requests created in the period, by type, environment and origin. */
export async function changeVolume(db: DbOrTx, p: Period): Promise<VolumeCount[]> {
  const rows = await db
    .selectFrom('change_requests as c')
    .select(['c.type', 'c.environment', origin.as('origin'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('c.tenant_id', '=', p.tenantId)
    .where('c.created_at', '>=', p.since)
    .where('c.created_at', '<', p.until)
    .groupBy(['c.type', 'c.environment', origin])
    .execute();
  return rows.map((r) => ({
    type: r.type,
    environment: r.environment,
    origin: originOf(r.origin),
    count: Number(r.n),
  }));
}

/** How the change requests created in the period ended, by origin. */
export async function changeOutcomes(db: DbOrTx, p: Period): Promise<OutcomeCount[]> {
  const rows = await db
    .selectFrom('change_requests as c')
    .select(['c.close_category', origin.as('origin'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('c.tenant_id', '=', p.tenantId)
    .where('c.created_at', '>=', p.since)
    .where('c.created_at', '<', p.until)
    .groupBy(['c.close_category', origin])
    .execute();
  return rows.map((r) => ({
    origin: originOf(r.origin),
    closeCategory: r.close_category as CloseCategory | null,
    count: Number(r.n),
  }));
}

const passedGate = ['implementing', 'finished'];

/** Runs started in the period that passed the gate, joined to their CR (when it still exists). */
function runsInPeriod(db: DbOrTx, p: Period) {
  return db
    .selectFrom('deployment_runs as r')
    .leftJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'r.change_request_id').onRef('c.tenant_id', '=', 'r.tenant_id'),
    )
    .where('r.tenant_id', '=', p.tenantId)
    .where('r.started_at', '>=', p.since)
    .where('r.started_at', '<', p.until)
    .where('r.phase', 'in', passedGate);
}

/**
 * The base of the run violations: `runsInPeriod` with what each of them names (the run, its CR, the
 * gate's record). A run with a gate record is judged by it; an older run by its CR's current state.
 */
function runViolationCandidates(db: DbOrTx, p: Period) {
  return runsInPeriod(db, p).select([
    'r.id',
    'r.pipeline_run_id',
    'r.environment',
    'r.started_at',
    'r.gate_json',
    'c.number',
    'c.title',
    'c.origin',
  ]);
}

function runOf(r: { id: string; pipeline_run_id: string; environment: string; started_at: number }) {
  return {
    runId: r.id,
    pipelineRunId: r.pipeline_run_id,
    environment: r.environment,
    startedAt: Number(r.started_at),
  };
}

const basisOf = (gateJson: string | null | undefined): JudgementBasis =>
  gateJson ? 'gate_record' : 'current_state';

/** Runs in the period that passed the gate, by origin, pipeline status and whether an emergency. */
export async function deploymentCounts(db: DbOrTx, p: Period): Promise<DeploymentCount[]> {
  const emergency = sql<number>`case when c.type = 'emergency' then 1 else 0 end`;
  const rows = await runsInPeriod(db, p)
    .select([
      origin.as('origin'),
      'r.status',
      emergency.as('emergency'),
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .groupBy([origin, 'r.status', emergency])
    .execute();
  return rows.map((r) => ({
    origin: originOf(r.origin),
    status: r.status,
    emergency: Number(r.emergency) === 1,
    count: Number(r.n),
  }));
}

/**
 * Runs that passed the gate without an approved CR: no CR, or a CR neither approved nor an emergency
 * change when the gate let it through (the gate lets an emergency through and declares the CR one;
 * those owe a retrospective approval). Runs without a gate record: the CR as it is now.
 */
export async function unapprovedDeployments(db: DbOrTx, p: Period): Promise<UnapprovedDeploymentFact[]> {
  const rows = await runViolationCandidates(db, p)
    .select(['r.created_by', 'r.gate_approval', 'c.approval', 'c.state'])
    .where((eb) =>
      eb.or([
        eb('c.id', 'is', null),
        eb.and([
          eb('r.gate_json', 'is not', null),
          eb('r.gate_approval', '<>', 'approved'),
          eb('r.gate_emergency', '=', 0),
        ]),
        eb.and([
          eb('r.gate_json', 'is', null),
          eb('c.approval', '<>', 'approved'),
          eb('c.type', '<>', 'emergency'),
        ]),
      ]),
    )
    .orderBy('r.started_at')
    .execute();
  return rows.map((r) => ({
    ...runOf(r),
    createdBy: r.created_by,
    basis: basisOf(r.gate_json),
    changeRequest:
      r.number === null
        ? null
        : {
            number: r.number,
            title: r.title ?? '',
            origin: originOf(r.origin),
            approval: (r.gate_json ? r.gate_approval : r.approval) ?? '',
            state: r.state ?? '',
          },
  }));
}

/** Approvals in the period given by the CR's own requester or implementer (any history, however written). */
export async function separationOfDuties(db: DbOrTx, p: Period): Promise<SeparationFact[]> {
  const rows = await db
    .selectFrom('approvals as a')
    .innerJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'a.change_request_id').onRef('c.tenant_id', '=', 'a.tenant_id'),
    )
    .select([
      'a.id',
      'a.approver',
      'a.decided_at',
      'c.number',
      'c.title',
      'c.origin',
      'c.environment',
      'c.requested_by',
      'c.implemented_by',
    ])
    .where('a.tenant_id', '=', p.tenantId)
    .where('a.decision', '=', 'approved')
    .where('a.decided_at', '>=', p.since)
    .where('a.decided_at', '<', p.until)
    .where(
      sql<boolean>`(lower(a.approver) = lower(c.requested_by) or lower(a.approver) = lower(c.implemented_by))`,
    )
    .orderBy('a.decided_at')
    .execute();
  return rows.map((r) => ({
    approvalId: r.id,
    changeRequest: { number: r.number, title: r.title, origin: originOf(r.origin) },
    environment: r.environment,
    approver: r.approver,
    decidedAt: Number(r.decided_at),
    requestedBy: r.requested_by,
    implementedBy: r.implemented_by,
  }));
}

/**
 * Retrospective approvals owed by emergency changes deployed in the period (obligation created in it)
 * that are overdue at `asOf` or were given after their due date.
 */
export async function lateRetrospectiveApprovals(
  db: DbOrTx,
  p: Period,
  asOf: number,
): Promise<RetrospectiveFact[]> {
  const rows = await db
    .selectFrom('obligations as o')
    .innerJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'o.change_request_id').onRef('c.tenant_id', '=', 'o.tenant_id'),
    )
    .select([
      'o.created_at',
      'o.due_at',
      'o.completed_at',
      'c.number',
      'c.title',
      'c.origin',
      'c.environment',
    ])
    .where('o.tenant_id', '=', p.tenantId)
    .where('o.kind', '=', 'retrospective_approval')
    .where('o.created_at', '>=', p.since)
    .where('o.created_at', '<', p.until)
    .where('o.due_at', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('o.completed_at', 'is', null), eb('o.due_at', '<', asOf)]),
        eb('o.completed_at', '>', eb.ref('o.due_at')),
      ]),
    )
    .orderBy('o.due_at')
    .execute();
  return rows.map((r) => ({
    changeRequest: { number: r.number, title: r.title, origin: originOf(r.origin) },
    environment: r.environment,
    createdAt: Number(r.created_at),
    dueAt: Number(r.due_at),
    completedAt: r.completed_at === null ? null : Number(r.completed_at),
  }));
}

/** `change_request.freeze_bypassed` events in the period, with the override each relied on. */
export async function freezeBypasses(db: DbOrTx, p: Period): Promise<FreezeFact[]> {
  const rows = await db
    .selectFrom('audit_events as e')
    .innerJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'e.entity_id').onRef('c.tenant_id', '=', 'e.tenant_id'),
    )
    .select([
      'e.seq',
      'e.id',
      'e.at',
      'e.actor',
      'e.after_json',
      'c.number',
      'c.title',
      'c.origin',
      'c.environment',
    ])
    .where('e.tenant_id', '=', p.tenantId)
    .where('e.action', '=', 'change_request.freeze_bypassed')
    .where('e.at', '>=', p.since)
    .where('e.at', '<', p.until)
    .orderBy('e.seq')
    .execute();
  const details = rows.map((r) => JSON.parse(r.after_json ?? '{}') as Record<string, unknown>);
  const overrideIds = [
    ...new Set(details.map((d) => d.overrideId).filter((id): id is string => typeof id === 'string')),
  ];
  const overrides = new Map(
    overrideIds.length === 0
      ? []
      : (
          await db
            .selectFrom('window_overrides')
            .select(['id', 'granted_by', 'reason'])
            .where('tenant_id', '=', p.tenantId)
            .where('id', 'in', overrideIds)
            .execute()
        ).map((o) => [o.id, { grantedBy: o.granted_by, reason: o.reason }]),
  );
  return rows.map((r, i) => {
    const d = details[i] ?? {};
    return {
      changeRequest: { number: r.number, title: r.title, origin: originOf(r.origin) },
      environment: r.environment,
      auditSeq: Number(r.seq),
      auditId: r.id,
      at: Number(r.at),
      actor: r.actor,
      window: String(d.window ?? ''),
      basis: String(d.basis ?? ''),
      pipelineRunId: typeof d.pipelineRunId === 'string' ? d.pipelineRunId : null,
      override: (typeof d.overrideId === 'string' && overrides.get(d.overrideId)) || null,
    };
  });
}

/**
 * Runs in the period that passed the gate with evidence not in order. A run with a gate record: the
 * gate's evidence check said not ready. An older run: the CR was marked not ready, or the readiness
 * stored on the run says so (a LIKE narrows the rows in the database; the parsed readiness decides,
 * as an entry's `"ready":false` alone does not make the run not ready).
 */
export async function evidenceGaps(db: DbOrTx, p: Period): Promise<EvidenceFact[]> {
  const rows = await runViolationCandidates(db, p)
    .select(['r.readiness_json', 'c.type', 'c.deployment_ready'])
    .where('c.id', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('r.gate_json', 'is not', null), eb('r.gate_ready', '=', 0)]),
        eb.and([
          eb('r.gate_json', 'is', null),
          eb.or([eb('c.deployment_ready', '=', 0), eb('r.readiness_json', 'like', '%"ready":false%')]),
        ]),
      ]),
    )
    .orderBy('r.started_at')
    .execute();
  return rows.flatMap((r) => {
    const gap = r.gate_json
      ? gateEvidenceGap(JSON.parse(r.gate_json) as GateDecision)
      : storedEvidenceGap(r.readiness_json, r.deployment_ready === 0);
    if (!gap) return [];
    return [
      {
        ...runOf(r),
        basis: basisOf(r.gate_json),
        emergency: gap.emergency ?? r.type === 'emergency',
        changeRequest: {
          number: r.number ?? '',
          title: r.title ?? '',
          origin: originOf(r.origin),
          type: r.type ?? '',
        },
        summary: gap.summary,
        entries: gap.entries,
      },
    ];
  });
}

/** What the gate's evidence check found missing or failing; its summary says what, per entry. */
function gateEvidenceGap(gate: GateDecision) {
  return {
    emergency: gate.emergency,
    summary: gate.readinessSummary,
    entries: gate.notReady.map((e) => e.name),
  };
}

/** An older run's evidence gap, from the readiness stored when it began and the CR's flag. */
function storedEvidenceGap(readinessJson: string, crNotReady: boolean) {
  const readiness = JSON.parse(readinessJson) as {
    ready?: boolean;
    summary?: string;
    entries?: { name: string; ready: boolean }[];
  };
  if (!crNotReady && readiness.ready !== false) return null;
  return {
    emergency: null,
    summary: readiness.summary ?? 'change request marked not deployment-ready',
    entries: (readiness.entries ?? []).filter((e) => !e.ready).map((e) => e.name),
  };
}
