import type { Selectable } from 'kysely';
import type { ApprovalStep, StepPatch, StepStatus } from '../domain/approval-chain.js';
import type { DbOrTx } from './database.js';
import type { ApprovalStepsTable } from './schema.js';

/** The approval chains of change requests: one row per step, per round (docs/approval-policy.md). */

function toStep(row: Selectable<ApprovalStepsTable>): ApprovalStep {
  return {
    id: row.id,
    changeRequestId: row.change_request_id,
    round: Number(row.round),
    seq: Number(row.seq),
    rule: row.rule,
    name: row.name,
    group: row.approver_group,
    required: Number(row.required),
    dualControl: Number(row.dual_control) === 1,
    slaMs: row.sla_ms === null ? null : Number(row.sla_ms),
    escalateTo: JSON.parse(row.escalate_to_json) as string[],
    escalationLevel: Number(row.escalation_level),
    status: row.status as StepStatus,
    activatedAt: row.activated_at === null ? null : Number(row.activated_at),
    dueAt: row.due_at === null ? null : Number(row.due_at),
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    createdAt: Number(row.created_at),
  };
}

export async function insertApprovalSteps(
  db: DbOrTx,
  tenantId: string,
  steps: ApprovalStep[],
): Promise<void> {
  if (steps.length === 0) return;
  await db
    .insertInto('approval_steps')
    .values(
      steps.map((s) => ({
        id: s.id,
        tenant_id: tenantId,
        change_request_id: s.changeRequestId,
        round: s.round,
        seq: s.seq,
        rule: s.rule,
        name: s.name,
        approver_group: s.group,
        required: s.required,
        dual_control: s.dualControl ? 1 : 0,
        sla_ms: s.slaMs,
        escalate_to_json: JSON.stringify(s.escalateTo),
        escalation_level: s.escalationLevel,
        status: s.status,
        activated_at: s.activatedAt,
        due_at: s.dueAt,
        decided_at: s.decidedAt,
        created_at: s.createdAt,
      })),
    )
    .execute();
}

/** Every step of a CR, by round then position. */
export async function listApprovalSteps(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<ApprovalStep[]> {
  const rows = await db
    .selectFrom('approval_steps')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('round')
    .orderBy('seq')
    .execute();
  return rows.map(toStep);
}

/** The steps of the CR's latest round (empty when it never had a chain). */
export async function latestRoundSteps(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<ApprovalStep[]> {
  const steps = await listApprovalSteps(db, tenantId, changeRequestId);
  const last = steps.at(-1)?.round;
  return steps.filter((s) => s.round === last);
}

export async function updateApprovalStep(
  db: DbOrTx,
  tenantId: string,
  id: string,
  patch: StepPatch,
): Promise<void> {
  await db
    .updateTable('approval_steps')
    .set({
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.activatedAt !== undefined ? { activated_at: patch.activatedAt } : {}),
      ...(patch.dueAt !== undefined ? { due_at: patch.dueAt } : {}),
      ...(patch.decidedAt !== undefined ? { decided_at: patch.decidedAt } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Cancels the CR's waiting and active steps (its timers stop with them); returns how many. */
export async function cancelOpenApprovalSteps(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
  at: number,
): Promise<number> {
  const result = await db
    .updateTable('approval_steps')
    .set({ status: 'canceled', decided_at: at, due_at: null })
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .where('status', 'in', ['waiting', 'active'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
