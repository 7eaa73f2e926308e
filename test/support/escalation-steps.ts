import { ulid } from 'ulid';
import type { DbOrTx } from '../../src/store/database.js';

/**
 * An approval step row as the approval chain (docs/escalation.md) leaves it, written straight into
 * approval_steps so escalation tests do not depend on how a policy builds chains.
 */
export interface StepRow {
  tenantId: string;
  changeRequestId: string;
  approverGroup?: string;
  escalateTo?: string[];
  slaMs?: number | null;
  dueAt: number | null;
  status?: string;
  seq?: number;
  round?: number;
  name?: string;
}

export async function insertStep(db: DbOrTx, step: StepRow): Promise<string> {
  const id = ulid();
  await db
    .insertInto('approval_steps')
    .values({
      id,
      tenant_id: step.tenantId,
      change_request_id: step.changeRequestId,
      round: step.round ?? 1,
      seq: step.seq ?? 1,
      rule: 'test-rule',
      name: step.name ?? 'owners',
      approver_group: step.approverGroup ?? 'owners',
      required: 1,
      dual_control: 0,
      sla_ms: step.slaMs === undefined ? 60_000 : step.slaMs,
      escalate_to_json: JSON.stringify(step.escalateTo ?? []),
      escalation_level: 0,
      status: step.status ?? 'active',
      activated_at: step.dueAt === null ? null : step.dueAt - (step.slaMs ?? 60_000),
      due_at: step.dueAt,
      decided_at: null,
      created_at: step.dueAt === null ? 0 : step.dueAt - (step.slaMs ?? 60_000),
    })
    .execute();
  return id;
}

export async function readStep(db: DbOrTx, id: string) {
  const row = await db
    .selectFrom('approval_steps')
    .select(['escalation_level', 'due_at', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return {
    escalationLevel: Number(row.escalation_level),
    dueAt: row.due_at === null ? null : Number(row.due_at),
    status: row.status,
  };
}
