import type { ApprovalStep } from '../../domain/approval-chain.js';
import type { ApprovalPolicy } from '../../domain/approval-policy.js';
import { rulesAllowAutoApproval } from '../../domain/approval-routing.js';
import { type Approval, type ChangeRequest, changeRef } from '../../domain/change-request.js';
import { notFound } from '../../domain/errors.js';
import { listApprovalSteps } from '../../store/approval-steps.js';
import { listApprovals } from '../../store/change-activity.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { type ApprovalPlan, planApproval } from './route-approval.js';

/** Read side of approval routing: a CR's chains, the policy in force, and a dry run of it. */

export interface ChangeApprovals {
  changeRequest: ChangeRequest;
  /** Every round, oldest first, each step with the approvals counted for it. */
  rounds: { round: number; steps: { step: ApprovalStep; approvals: Approval[] }[] }[];
  /** Approvals not counted against a step (no chain, auto-approval). */
  otherApprovals: Approval[];
}

async function requireChange(deps: ServiceDeps, actor: Actor, ref: string): Promise<ChangeRequest> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  return cr;
}

export async function getChangeApprovals(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ChangeApprovals> {
  const cr = await requireChange(deps, actor, ref);
  const steps = await listApprovalSteps(deps.db, actor.tenantId, cr.id);
  const approvals = await listApprovals(deps.db, actor.tenantId, cr.id);
  const rounds: ChangeApprovals['rounds'] = [];
  for (const step of steps) {
    let round = rounds.at(-1);
    if (round?.round !== step.round) {
      round = { round: step.round, steps: [] };
      rounds.push(round);
    }
    round.steps.push({ step, approvals: approvals.filter((a) => a.stepId === step.id) });
  }
  const stepIds = new Set(steps.map((s) => s.id));
  return {
    changeRequest: cr,
    rounds,
    otherApprovals: approvals.filter((a) => a.stepId == null || !stepIds.has(a.stepId)),
  };
}

export interface PolicyInForce {
  configVersion: number;
  appliedBy: string | null;
  appliedAt: number | null;
  policy: ApprovalPolicy | null;
}

export async function showApprovalPolicy(deps: ServiceDeps, actor: Actor): Promise<PolicyInForce> {
  const loaded = await loadTenantConfig(deps.db, actor.tenantId);
  return {
    configVersion: loaded.version,
    appliedBy: loaded.appliedBy,
    appliedAt: loaded.appliedAt,
    policy: loaded.config.approvalPolicy,
  };
}

export interface PolicyExplanation {
  changeRequest: ChangeRequest;
  plan: ApprovalPlan;
  /** Whether the matched rules would let a ready pipeline deployment stand in for their steps. */
  autoApprovable: boolean;
  evaluatedAt: number;
}

/** A dry run of the policy in force against a CR as it is now: nothing is written. */
export async function explainApprovalPolicy(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<PolicyExplanation> {
  const cr = await requireChange(deps, actor, ref);
  const plan = await planApproval(deps.db, actor.tenantId, cr);
  return {
    changeRequest: cr,
    plan,
    autoApprovable: rulesAllowAutoApproval(plan.routing.rules),
    evaluatedAt: deps.now(),
  };
}
