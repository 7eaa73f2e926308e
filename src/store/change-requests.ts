import { type Selectable, sql } from 'kysely';
import type {
  ApprovalState,
  ChangeOrigin,
  ChangeRef,
  ChangeRequest,
  ChangeState,
  ChangeType,
  CloseCategory,
  CustomerImpact,
  DeploymentImpact,
  EnvironmentPurpose,
  Priority,
  RiskLevel,
} from '../domain/change-request.js';
import type { PolicyDecision } from '../domain/policy-decision.js';
import type { RiskAssessment } from '../domain/risk-assessment.js';
import type { DbOrTx, Dialect } from './database.js';
import type { ChangeRequestsTable } from './schema.js';

export function toChangeRequest(row: Selectable<ChangeRequestsTable>): ChangeRequest {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    number: row.number,
    type: row.type as ChangeType,
    state: row.state as ChangeState,
    approval: row.approval as ApprovalState,
    closeCategory: row.close_category as CloseCategory | null,
    closeNotes: row.close_notes,
    title: row.title,
    environment: row.environment,
    region: row.region,
    components: JSON.parse(row.components_json) as string[],
    priority: row.priority as Priority,
    assignee: row.assignee,
    description: row.description,
    purpose: row.purpose,
    impact: row.impact,
    customerImpact: row.customer_impact as CustomerImpact,
    deploymentImpact: row.deployment_impact as DeploymentImpact,
    backoutPlan: row.backout_plan,
    risk: row.risk as RiskLevel | null,
    plannedStart: row.planned_start === null ? null : Number(row.planned_start),
    plannedEnd: row.planned_end === null ? null : Number(row.planned_end),
    outageMinutes: Number(row.outage_minutes),
    targetEnvironmentPurpose: row.target_environment_purpose as EnvironmentPurpose | null,
    targetEnvironmentDetail: row.target_environment_detail,
    deploymentReady: row.deployment_ready === null ? null : row.deployment_ready === 1,
    targetFingerprint: row.target_fingerprint,
    pipelineRunId: row.pipeline_run_id,
    requestedBy: row.requested_by,
    implementedBy: row.implemented_by,
    category: row.category,
    template: row.template,
    labels: row.labels_json === null ? [] : (JSON.parse(row.labels_json) as string[]),
    customFields:
      row.custom_fields_json === null ? {} : (JSON.parse(row.custom_fields_json) as Record<string, unknown>),
    origin: (row.origin ?? 'internal') as ChangeOrigin,
    riskAssessment:
      row.risk_assessment_json === null ? null : (JSON.parse(row.risk_assessment_json) as RiskAssessment),
    approvalDecision:
      row.approval_decision_json === null ? null : (JSON.parse(row.approval_decision_json) as PolicyDecision),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
  };
}

const columnOf = {
  tenantId: 'tenant_id',
  closeCategory: 'close_category',
  closeNotes: 'close_notes',
  customerImpact: 'customer_impact',
  deploymentImpact: 'deployment_impact',
  backoutPlan: 'backout_plan',
  plannedStart: 'planned_start',
  plannedEnd: 'planned_end',
  outageMinutes: 'outage_minutes',
  targetEnvironmentPurpose: 'target_environment_purpose',
  targetEnvironmentDetail: 'target_environment_detail',
  deploymentReady: 'deployment_ready',
  targetFingerprint: 'target_fingerprint',
  pipelineRunId: 'pipeline_run_id',
  requestedBy: 'requested_by',
  implementedBy: 'implemented_by',
  components: 'components_json',
  labels: 'labels_json',
  customFields: 'custom_fields_json',
  riskAssessment: 'risk_assessment_json',
  approvalDecision: 'approval_decision_json',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  closedAt: 'closed_at',
} as const satisfies Partial<Record<keyof ChangeRequest, keyof ChangeRequestsTable>>;

const jsonFields = new Set(['components', 'labels', 'customFields', 'riskAssessment', 'approvalDecision']);

/** Domain field names to columns, for inserts and partial updates alike. */
export function toRow(cr: Partial<ChangeRequest>): Partial<ChangeRequestsTable> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cr)) {
    const column = (columnOf as Record<string, string>)[key] ?? key;
    if (jsonFields.has(key)) row[column] = value === null ? null : JSON.stringify(value);
    else row[column] = key === 'deploymentReady' && value !== null ? (value ? 1 : 0) : value;
  }
  return withReportFlags(row as Partial<ChangeRequestsTable>);
}

/** How the approval policy routed a CR, as the maturity assessment counts it: auto, chain, none. */
export function approvalRoute(decision: PolicyDecision | null): string | null {
  if (decision === null) return null;
  if (decision.autoApproval?.approved === true) return 'auto';
  return decision.rules.some((r) => r.steps.length > 0) ? 'chain' : 'none';
}

type ReportFlags = Pick<ChangeRequestsTable, 'approval_route' | 'backout_planned' | 'risk_assessed'>;

/**
 * The flag columns of migration 0015, derived from the columns a write sets (a partial update sets
 * only the flags of what it changes), so reports count them from one covering index, never from JSON.
 */
export function withReportFlags<T extends Partial<ChangeRequestsTable>>(row: T): T & ReportFlags {
  const flags: ReportFlags = {};
  if (row.approval_decision_json !== undefined)
    flags.approval_route = approvalRoute(
      row.approval_decision_json === null ? null : (JSON.parse(row.approval_decision_json) as PolicyDecision),
    );
  if (row.backout_plan !== undefined) flags.backout_planned = row.backout_plan ? 1 : 0;
  if (row.risk_assessment_json !== undefined) flags.risk_assessed = row.risk_assessment_json === null ? 0 : 1;
  return { ...row, ...flags };
}

export async function insertChangeRequest(db: DbOrTx, cr: ChangeRequest): Promise<void> {
  await db
    .insertInto('change_requests')
    .values(toRow(cr) as ChangeRequestsTable)
    .execute();
}

export async function updateChangeRequest(
  db: DbOrTx,
  tenantId: string,
  id: string,
  patch: Partial<ChangeRequest>,
): Promise<void> {
  await db
    .updateTable('change_requests')
    .set(toRow(patch))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * By number (CHG0000042) or id; tenant-scoped, so another tenant's CR is simply not found.
 * `lockFor` takes a row lock for a read-modify-write: PostgreSQL needs FOR UPDATE so two concurrent
 * decisions cannot both pass their checks; SQLite's BEGIN IMMEDIATE already holds the write lock.
 */
export async function findChangeRequest(
  db: DbOrTx,
  tenantId: string,
  ref: ChangeRef,
  options: { lockFor?: Dialect } = {},
): Promise<ChangeRequest | undefined> {
  const row = await db
    .selectFrom('change_requests')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(ref.by === 'number' ? 'number' : 'id', '=', ref.value)
    .$if(options.lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toChangeRequest(row);
}

export interface ChangeRequestFilter {
  state?: ChangeState[];
  environment?: string[];
  type?: ChangeType[];
  approval?: ApprovalState[];
  text?: string;
  /** Keyset cursor: the id of the last CR of the previous page (newest first). */
  beforeId?: string;
  limit: number;
}

export async function listChangeRequests(
  db: DbOrTx,
  tenantId: string,
  f: ChangeRequestFilter,
): Promise<ChangeRequest[]> {
  let q = db.selectFrom('change_requests').selectAll().where('tenant_id', '=', tenantId);
  if (f.state?.length) q = q.where('state', 'in', f.state);
  if (f.environment?.length) q = q.where('environment', 'in', f.environment);
  if (f.type?.length) q = q.where('type', 'in', f.type);
  if (f.approval?.length) q = q.where('approval', 'in', f.approval);
  if (f.text) {
    const pattern = `%${f.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // Explicit ESCAPE: SQLite has no default escape character for LIKE, PostgreSQL's is the backslash.
    q = q.where((eb) =>
      eb.or(
        (['title', 'description', 'number', 'assignee', 'purpose'] as const).map(
          (col) => sql<boolean>`lower(${sql.ref(col)}) like ${pattern} escape '\\'`,
        ),
      ),
    );
  }
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map(toChangeRequest);
}
