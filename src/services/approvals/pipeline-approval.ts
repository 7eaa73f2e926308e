import type { ChangeRequest, RiskLevel } from '../../domain/change-request.js';
import { type AutoApprovalDecision, decideAutoApproval } from '../../domain/deployment.js';
import { effectiveRisk } from '../../domain/risk-assessment.js';
import { insertApproval } from '../../store/change-activity.js';
import type { DbOrTx } from '../../store/database.js';
import { applyChangeMutation } from '../changes/mutate-change-request.js';
import type { Actor, ServiceDeps } from '../context.js';
import { autoApprover } from '../deployments/deployment-input.js';
import { routeApprovalRequest } from './approval-chain-service.js';
import { planApproval } from './route-approval.js';

/**
 * Decides a new pipeline CR (created `requested`): approved automatically when the deployment is ready,
 * causes no outage, its effective risk is within the limit and every matched policy rule is
 * auto-approvable; otherwise its approval chain is built. Either way the decision, rule by rule, is
 * kept on the CR (`approvalDecision`).
 */
export async function decidePipelineApproval(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  facts: { ready: boolean; outageMinutes: number; maxRisk: RiskLevel },
): Promise<{ cr: ChangeRequest; autoApproval: AutoApprovalDecision }> {
  const plan = await planApproval(tx, actor.tenantId, cr);
  const autoApproval = decideAutoApproval({
    ...facts,
    risk: effectiveRisk(cr),
    rules: plan.routing.rules,
  });
  if (autoApproval.approved) {
    const approved = await applyChangeMutation(tx, deps, actor, cr, {
      action: 'change_request.approved',
      patch: {
        state: 'scheduled',
        approval: 'approved',
        approvalDecision: {
          configVersion: plan.configVersion,
          rules: plan.routing.rules,
          autoApproval,
          decidedAt: deps.now(),
        },
      },
      note: { approver: autoApprover, reasons: autoApproval.reasons },
      also: (tx) =>
        insertApproval(tx, actor.tenantId, {
          id: deps.newId(),
          changeRequestId: cr.id,
          approver: autoApprover,
          decision: 'approved',
          comment: autoApproval.reasons.join('; '),
          decidedAt: deps.now(),
        }),
    });
    return { cr: approved, autoApproval };
  }
  const routed = await routeApprovalRequest(tx, deps, actor, cr, autoApproval, plan);
  const routedCr = await applyChangeMutation(tx, deps, actor, cr, {
    action: 'change_request.approval_routed',
    patch: routed.patch,
    note: { reasons: autoApproval.reasons, ...routed.note },
    also: routed.also,
  });
  return { cr: routedCr, autoApproval };
}
