import { formatChangeNumber } from '../../domain/change-request.js';
import { formatIncidentNumber } from '../../domain/incident.js';
import { formatProblemNumber } from '../../domain/problem.js';
import { withReportFlags } from '../../store/change-requests.js';
import type {
  ApprovalStepsTable,
  ApprovalsTable,
  ChangeRequestsTable,
  DeploymentRunsTable,
  IncidentCausesTable,
  IncidentsTable,
  ObligationsTable,
  ProblemIncidentsTable,
  ProblemsTable,
} from '../../store/schema.js';
import { deltaItem } from './seed-delta.js';
import type { SeededRandom } from './seed-random.js';
import { seedComponents, seedEnvironments } from './seed-setup.js';

/**
 * Row builders for `demo seed`: one CR with what follows from it (approval, chain step, deployment
 * run, retrospective obligation), and one incident with its causes and problem. Plain rows, inserted
 * in bulk by seed-history.ts. The mix is chosen to look like a real organisation, not to score well.
 */

const hour = 3_600_000;
const day = 24 * hour;

export interface SeedContext {
  tenantId: string;
  rnd: SeededRandom;
  newId: () => string;
  configVersion: number;
  /** Last instant of the history (start of today, UTC) and its span. */
  until: number;
  spanMs: number;
}

export interface ChangeRows {
  cr: ChangeRequestsTable;
  approval: ApprovalsTable | null;
  step: ApprovalStepsTable | null;
  run: DeploymentRunsTable | null;
  obligation: ObligationsTable | null;
  /** Production deployments that incidents may be attributed to. */
  deployedToProduction: boolean;
}

const json = (v: unknown) => JSON.stringify(v);
const ownerOf = (component: string) => seedComponents.find(([name]) => name === component)?.[1] ?? 'platform';

function decision(ctx: SeedContext, at: number, auto: boolean, production: boolean): string {
  const rule = {
    rule: 'owners-in-production',
    matched: production,
    reasons: [production ? 'environment purpose production' : 'environment purpose is not production'],
    steps: production ? ['owners'] : [],
    autoApprovable: true,
  };
  return json({
    configVersion: ctx.configVersion,
    rules: [rule],
    autoApproval: auto
      ? { approved: true, reasons: ['deployment ready: yes', 'outage: none'] }
      : { approved: false, reasons: ['deployment ready: no (evidence checks did not pass)'] },
    decidedAt: at,
  });
}

/** The i-th of n changes, spread evenly over the span. */
export function changeRows(ctx: SeedContext, i: number, n: number, number: number): ChangeRows {
  const { rnd } = ctx;
  const created = ctx.until - ctx.spanMs + Math.floor(((i + rnd.next()) * ctx.spanMs) / n);
  const age = ctx.until - created;
  const type = rnd.weighted([
    ['normal', 65],
    ['standard', 25],
    ['emergency', 10],
  ] as const);
  const env = rnd.weighted(seedEnvironments.map((e, k) => [e, [30, 30, 40][k] ?? 0] as const));
  const production = env.purpose === 'production';
  const region = env.regions.length > 0 ? rnd.pick(env.regions) : 'default';
  const [component] = rnd.pick(seedComponents);
  const pipeline = rnd.chance(type === 'emergency' ? 0.6 : 0.78);
  const risk = rnd.weighted([
    ['low', 50],
    ['moderate', 30],
    ['high', 15],
    ['critical', 5],
  ] as const);
  const assessed = rnd.chance(0.85);
  // Older changes have concluded; the last week's are spread over the open states.
  const open = age < 7 * day && rnd.chance(0.6);
  const state = open
    ? rnd.pick(['new', 'assess', 'authorize', 'scheduled', 'implement'] as const)
    : rnd.weighted([
        ['closed', 90],
        ['review', 5],
        ['canceled', 5],
      ] as const);
  const implemented = state === 'implement' || state === 'review' || state === 'closed';
  const closeCategory =
    state === 'closed'
      ? rnd.weighted([
          ['successful', 85],
          ['successful_with_issues', 7],
          ['unsuccessful', 8],
        ] as const)
      : state === 'review'
        ? 'unsuccessful'
        : state === 'canceled'
          ? 'cancelled'
          : null;
  const auto = pipeline && type !== 'emergency' && risk !== 'high' && risk !== 'critical' && rnd.chance(0.7);
  const retroLate = type === 'emergency' && rnd.chance(0.2);
  const approval =
    type === 'emergency' && implemented
      ? retroLate && rnd.chance(0.3)
        ? 'retro_pending'
        : 'approved'
      : implemented || state === 'scheduled'
        ? rnd.chance(0.96)
          ? 'approved'
          : 'not_requested'
        : state === 'authorize'
          ? 'requested'
          : 'not_requested';
  const decidedAt = created + rnd.int(5, 600) * 60_000;
  const closedAt = state === 'closed' || state === 'canceled' ? created + rnd.int(1, 72) * hour : null;
  const id = ctx.newId();
  const cr: ChangeRequestsTable = withReportFlags({
    id,
    tenant_id: ctx.tenantId,
    number: formatChangeNumber(number),
    type,
    state,
    approval,
    close_category: closeCategory,
    close_notes: null,
    title: `${type === 'standard' ? 'Config bump of' : 'Deploy'} ${component} to ${env.name}`,
    environment: env.name,
    region: env.regions.length > 0 ? region : null,
    priority: rnd.pick(['critical', 'high', 'moderate', 'low', 'planning'] as const),
    assignee: `${ownerOf(component)}-dev@example.com`,
    description: null,
    purpose: null,
    impact: null,
    customer_impact: rnd.pick(['critical', 'high', 'moderate', 'low', 'no_impact'] as const),
    deployment_impact: rnd.chance(0.8) ? 'small' : 'large',
    backout_plan: rnd.chance(production ? 0.85 : 0.5) ? 'Redeploy the previous revision' : null,
    risk: type === 'standard' ? 'low' : rnd.chance(0.7) ? risk : null,
    planned_start: created + 2 * hour,
    planned_end: created + 3 * hour,
    outage_minutes: rnd.chance(0.1) ? rnd.int(5, 60) : 0,
    target_environment_purpose: env.purpose,
    target_environment_detail: null,
    deployment_ready: pipeline ? (auto ? 1 : 0) : null,
    target_fingerprint: null,
    pipeline_run_id: pipeline ? `ci-${number}` : null,
    requested_by: pipeline ? 'ci-bot' : `${ownerOf(component)}-dev@example.com`,
    implemented_by: implemented ? (pipeline ? 'ci-bot' : `${ownerOf(component)}-lead@example.com`) : null,
    components_json: json([component]),
    category: null,
    template: type === 'standard' ? 'config-bump' : null,
    labels_json: type === 'emergency' ? json(['emergency']) : null,
    origin: rnd.chance(0.03) ? 'vendor' : null,
    custom_fields_json: null,
    risk_assessment_json: assessed
      ? json({
          level: risk,
          score: 10 + 20 * ['low', 'moderate', 'high', 'critical'].indexOf(risk),
          impact: 2,
          likelihood: 2,
          factors: [],
          assessedAt: created,
        })
      : null,
    approval_decision_json:
      approval === 'not_requested' && !pipeline ? null : decision(ctx, decidedAt, auto, production),
    created_at: created,
    updated_at: closedAt ?? decidedAt,
    closed_at: closedAt,
  });

  const chain = production && !auto && approval === 'approved';
  const step: ApprovalStepsTable | null = chain
    ? {
        id: ctx.newId(),
        tenant_id: ctx.tenantId,
        change_request_id: id,
        round: 1,
        seq: 1,
        rule: 'owners-in-production',
        name: 'owners',
        approver_group: ownerOf(component),
        required: 1,
        dual_control: 0,
        sla_ms: 4 * hour,
        escalate_to_json: json(['cab']),
        escalation_level: 0,
        status: 'approved',
        activated_at: created,
        decided_at: decidedAt,
        due_at: created + 4 * hour,
        created_at: created,
      }
    : null;
  const approvalRow: ApprovalsTable | null =
    approval === 'approved'
      ? {
          id: ctx.newId(),
          tenant_id: ctx.tenantId,
          change_request_id: id,
          approver: auto ? 'changegate-auto-approval' : `${ownerOf(component)}-lead@example.com`,
          decision: 'approved',
          comment: auto ? 'deployment ready: yes; outage: none' : null,
          decided_at: decidedAt,
          step_id: step?.id ?? null,
        }
      : null;

  const failed = closeCategory === 'unsuccessful';
  const rollback = failed && env.rollbackEnabled;
  const status = !failed
    ? 'successful_deployment'
    : rollback
      ? rnd.chance(0.9)
        ? 'failed_deployment_successful_rollback'
        : 'failed_deployment_failed_rollback'
      : 'failed_deployment_no_rollback';
  const started = created + 3 * hour;
  // What it deploys was built some hours before the change was raised (where lead time starts).
  const builtAt = created - ((number % 72) + 1) * hour;
  const finished = state === 'implement' ? null : started + rnd.int(2, 40) * 60_000;
  const run: DeploymentRunsTable | null =
    pipeline && implemented
      ? {
          id: ctx.newId(),
          tenant_id: ctx.tenantId,
          pipeline_run_id: `ci-${number}`,
          environment: env.name,
          region,
          flow: type === 'emergency' ? 'emergency' : 'standard',
          phase: finished === null ? 'implementing' : 'finished',
          status: finished === null ? null : status,
          change_request_id: id,
          created_change_request: 1,
          promotion_id: null,
          target_revision_id: `seed-${env.name}`,
          base_revision_id: null,
          delta_json: json([deltaItem(ctx, component, number, builtAt)]),
          lead_start_at: builtAt,
          readiness_json: json({ ready: auto }),
          stages_json: json(
            rollback
              ? [
                  { name: 'deploy', status: 'failure', durationMs: 60_000 },
                  { name: 'rollback', status: 'success', durationMs: 30_000 },
                ]
              : [{ name: 'deploy', status: failed ? 'failure' : 'success', durationMs: 60_000 }],
          ),
          options_json: json({
            emergency: type === 'emergency',
            forceRedeploy: false,
            outageMinutes: 0,
            suppliedChangeRequest: null,
            source: 'staging',
            autoApproval: null,
          }),
          created_by: 'ci-bot',
          started_at: started,
          updated_at: finished ?? started,
          finished_at: finished,
        }
      : null;

  const obligation: ObligationsTable | null =
    type === 'emergency' && implemented
      ? {
          id: ctx.newId(),
          tenant_id: ctx.tenantId,
          change_request_id: id,
          kind: 'retrospective_approval',
          state: approval === 'retro_pending' ? 'open' : 'done',
          detail: 'Approve this emergency change retrospectively',
          due_at: created + 2 * day,
          created_at: created,
          completed_at:
            approval === 'retro_pending'
              ? null
              : created + (retroLate ? rnd.int(3, 6) * day : rnd.int(1, 40) * hour),
          completed_by: approval === 'retro_pending' ? null : 'cab-lead@example.com',
        }
      : null;

  return {
    cr,
    approval: approvalRow,
    step,
    run,
    obligation,
    deployedToProduction: production && run !== null,
  };
}

export interface IncidentRows {
  incident: IncidentsTable;
  cause: IncidentCausesTable | null;
  problem: ProblemsTable | null;
  link: ProblemIncidentsTable | null;
}

/** The i-th of m incidents; `suspect` is a production change deployed shortly before, if any. */
export function incidentRows(
  ctx: SeedContext,
  i: number,
  m: number,
  number: number,
  problemNumber: () => number,
  suspect: (at: number) => { id: string; component: string } | null,
): IncidentRows {
  const { rnd } = ctx;
  const started = ctx.until - ctx.spanMs + Math.floor(((i + rnd.next()) * ctx.spanMs) / m);
  const major = rnd.chance(0.08);
  const candidate = rnd.chance(0.35) ? suspect(started) : null;
  const [component] = candidate ? [candidate.component] : rnd.pick(seedComponents);
  const resolved = ctx.until - started > day || rnd.chance(0.5) ? started + rnd.int(20, 600) * 60_000 : null;
  const id = ctx.newId();
  const incident: IncidentsTable = {
    id,
    tenant_id: ctx.tenantId,
    number: formatIncidentNumber(number),
    title: `${component} ${rnd.pick(['error rate up', 'latency spike', 'failing health checks', 'data lag'])}`,
    severity: major ? rnd.pick(['sev1', 'sev2'] as const) : rnd.pick(['sev2', 'sev3', 'sev4'] as const),
    components_json: json([component]),
    environment: rnd.chance(0.85) ? 'prod' : 'staging',
    major: major ? 1 : 0,
    status: resolved === null ? 'open' : 'resolved',
    commander: major ? 'sre-lead@example.com' : null,
    started_at: started,
    resolved_at: resolved,
    resolved_by: resolved === null ? null : 'sre-lead@example.com',
    created_by: 'sre-lead@example.com',
    created_at: started + 5 * 60_000,
    updated_at: resolved ?? started + 5 * 60_000,
    detected_at: started + rnd.int(1, 30) * 60_000,
    source: rnd.pick(['cli', 'api', 'webhook'] as const),
    external_id: null,
    last_delivery_at: null,
  };
  const status = candidate
    ? rnd.weighted([
        ['confirmed', 45],
        ['rejected', 30],
        ['candidate', 25],
      ] as const)
    : null;
  const cause: IncidentCausesTable | null =
    candidate && status
      ? {
          id: ctx.newId(),
          tenant_id: ctx.tenantId,
          incident_id: id,
          change_request_id: candidate.id,
          deployment_run_id: null,
          status,
          confidence: Math.round(rnd.next() * 100) / 100,
          explanation: `deployed to ${component} in prod shortly before the incident started`,
          decided_by: status === 'candidate' ? null : 'sre-lead@example.com',
          decided_at: status === 'candidate' ? null : started + 2 * hour,
          decision_note: null,
          created_at: started + 5 * 60_000,
        }
      : null;
  const withProblem = (major || status === 'confirmed') && rnd.chance(0.5);
  const problem: ProblemsTable | null = withProblem
    ? {
        id: ctx.newId(),
        tenant_id: ctx.tenantId,
        number: formatProblemNumber(problemNumber()),
        title: `Recurring failures of ${component}`,
        status: resolved === null ? 'open' : 'resolved',
        root_cause: rnd.chance(0.7) ? `Unvalidated configuration change to ${component}` : null,
        fix_change_request_id: null,
        created_by: 'sre-lead@example.com',
        created_at: started + hour,
        updated_at: started + hour,
        resolved_at: resolved,
      }
    : null;
  return {
    incident,
    cause,
    problem,
    link: problem
      ? {
          tenant_id: ctx.tenantId,
          problem_id: problem.id,
          incident_id: id,
          linked_by: 'sre-lead@example.com',
          linked_at: started + hour,
        }
      : null,
  };
}
