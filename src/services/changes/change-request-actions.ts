import {
  type ChangeRequest,
  type ChangeState,
  changeStates,
  closeCategories,
  sameFieldValue,
} from '../../domain/change-request.js';
import { validateChangeUpdate } from '../../domain/change-request-input.js';
import {
  approvalAfterEdit,
  assertCancelable,
  assertClosable,
  assertEditable,
  decideApproval,
  decideRequestApproval,
  decideTransition,
} from '../../domain/change-request-state.js';
import { AppError } from '../../domain/errors.js';
import { oneOf, text } from '../../domain/validate.js';
import { insertApproval } from '../../store/change-activity.js';
import { findEnvironment } from '../../store/environments.js';
import { completeObligations } from '../../store/obligations.js';
import {
  cancelApprovalSteps,
  decideOnApprovalChain,
  routeApprovalRequest,
} from '../approvals/approval-chain-service.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import { enforceChecklist } from '../checklists/checklist-gate.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';
import { enforceChangeGuards } from '../guards/change-guards.js';
import { reviewIfUnsuccessful } from '../reviews/require-review.js';
import { reassessAfterEdit } from '../risk/assess-change-risk.js';
import { templateScopeAfterEdit } from '../templates/template-scope-after-edit.js';
import { checkedCustomFields } from './custom-fields.js';
import { mutateChangeRequest } from './mutate-change-request.js';

/** PATCH semantics: a value sets, an absent key leaves, null clears (required fields cannot be cleared). */
export async function updateChangeRequestFields(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: Record<string, unknown>,
) {
  return mutateChangeRequest(deps, actor, ref, async (cr, tx) => {
    assertEditable(cr);
    const patch: Partial<ChangeRequest> = validateChangeUpdate(input, cr);
    if (patch.components) await assertRegisteredComponents(tx, actor, patch.components);
    if (patch.environment !== undefined) {
      // The environment's purpose and detail are copied onto the CR, so they follow it.
      const env =
        patch.environment === null ? undefined : await findEnvironment(tx, actor.tenantId, patch.environment);
      if (patch.environment !== null && !env)
        throw unknownEnvironment(patch.environment, await environmentNames(tx, actor));
      patch.targetEnvironmentPurpose = env?.purpose ?? null;
      patch.targetEnvironmentDetail = env?.detail ?? null;
    }
    // Custom fields are checked against the tenant's schema; the risk is reassessed when its inputs change.
    const { config } = await loadTenantConfig(tx, actor.tenantId);
    if (patch.customFields) patch.customFields = checkedCustomFields(config, patch.customFields);
    Object.assign(patch, await reassessAfterEdit(tx, deps, config.risk, cr, patch));
    // A CR from a template keeps its pre-approval while it stays inside the template's scope.
    const scope = await templateScopeAfterEdit(tx, actor, cr, patch);
    const withdrawn = scope ? scope.outcome : approvalAfterEdit(cr, patch);
    // A CR that stays scheduled through an edit of what the guards look at (a template's CR) is checked again.
    const guarded = [
      'plannedStart',
      'plannedEnd',
      'components',
      'environment',
      'risk',
      'riskAssessment',
    ] as const;
    if (
      !withdrawn &&
      cr.state === 'scheduled' &&
      guarded.some((f) => f in patch && !sameFieldValue(patch[f], cr[f]))
    )
      await enforceChangeGuards(tx, deps, actor, { ...cr, ...patch }, 'scheduled');
    return {
      action: 'change_request.updated',
      patch: withdrawn ? { ...patch, ...withdrawn } : patch,
      // A withdrawn approval ends the chain: its open steps are canceled.
      ...(withdrawn ? { also: cancelApprovalSteps(deps, actor, cr) } : {}),
      ...(scope?.reasons.length ? { note: { templateScope: scope.reasons } } : {}),
    };
  });
}

export async function requestApproval(deps: ServiceDeps, actor: Actor, ref: string) {
  return mutateChangeRequest(deps, actor, ref, async (cr, tx) => {
    const outcome = decideRequestApproval(cr);
    // The approval policy builds the chain of approvers for this request (docs/approval-policy.md).
    const routed = await routeApprovalRequest(tx, deps, actor, cr);
    return {
      action: 'change_request.approval_requested',
      patch: { ...outcome, ...routed.patch },
      note: routed.note,
      also: routed.also,
    };
  });
}

export async function decideChangeApproval(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  decision: 'approved' | 'rejected',
  comment: unknown,
) {
  const why =
    comment === undefined || comment === null || comment === ''
      ? null
      : text('comment', comment, { max: 4000 });
  if (decision === 'rejected' && why === null) {
    throw new AppError('invalid_input', 'comment: a rejection needs a comment saying why (use --comment)', {
      field: 'comment',
    });
  }
  return mutateChangeRequest(deps, actor, ref, async (cr, tx) => {
    // A retrospective approval of an emergency change is still owed after the change was closed.
    if (cr.approval !== 'retro_pending') assertEditable(cr);
    // With an approval chain, the decision counts for its active step (docs/approval-policy.md).
    const chain = await decideOnApprovalChain(
      tx,
      deps,
      actor,
      cr,
      decision,
      decideApproval(cr, decision, actor.name),
    );
    const outcome = chain.outcome;
    // Approval schedules the CR: its plan must keep out of freezes and major incidents (docs/windows.md, docs/incidents.md).
    if (outcome.state === 'scheduled' && cr.state !== 'scheduled')
      await enforceChangeGuards(tx, deps, actor, cr, 'scheduled');
    return {
      action:
        chain.action ?? (decision === 'approved' ? 'change_request.approved' : 'change_request.rejected'),
      patch: outcome,
      note: { comment: why, ...chain.note },
      also: async (tx) => {
        await chain.write(tx);
        await insertApproval(tx, actor.tenantId, {
          id: deps.newId(),
          changeRequestId: cr.id,
          approver: actor.name,
          decision,
          comment: why,
          decidedAt: deps.now(),
          stepId: chain.stepId,
        });
        // Approving an emergency change afterwards settles its retrospective-approval obligation.
        if (cr.approval === 'retro_pending' && decision === 'approved') {
          await completeObligations(
            tx,
            actor.tenantId,
            cr.id,
            'retrospective_approval',
            actor.name,
            deps.now(),
          );
        }
      },
    };
  });
}

export async function transitionChangeRequest(deps: ServiceDeps, actor: Actor, ref: string, to: unknown) {
  const target: ChangeState = oneOf('to', to, changeStates);
  return mutateChangeRequest(deps, actor, ref, async (cr, tx) => {
    const outcome = decideTransition(cr, target);
    if (target === 'implement') await enforceChecklist(tx, actor, cr);
    if (target === 'scheduled' || target === 'implement')
      await enforceChangeGuards(tx, deps, actor, cr, target);
    // Whoever starts the implementation deploys the change, and so may not approve it afterwards.
    const patch = target === 'implement' ? { ...outcome, implementedBy: actor.name } : outcome;
    // Entering authorize from new or assess requests approval: the policy builds its chain.
    if (outcome.approval === 'requested' && cr.approval !== 'requested') {
      const routed = await routeApprovalRequest(tx, deps, actor, cr);
      return {
        action: 'change_request.transitioned',
        patch: { ...patch, ...routed.patch },
        note: routed.note,
        also: routed.also,
      };
    }
    return { action: 'change_request.transitioned', patch };
  });
}

export async function closeChangeRequest(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  category: unknown,
  notes: unknown,
) {
  const closable = closeCategories.filter((c) => c !== 'cancelled');
  const closeCategory = oneOf('category', category, closable);
  const closeNotes = notes === undefined || notes === null || notes === '' ? null : text('notes', notes);
  return mutateChangeRequest(deps, actor, ref, (cr) => {
    assertClosable(cr);
    return {
      action: 'change_request.closed',
      patch: { state: 'closed', closeCategory, closeNotes, closedAt: deps.now() },
      also: reviewIfUnsuccessful(deps, actor, closeCategory),
    };
  });
}

export async function cancelChangeRequest(deps: ServiceDeps, actor: Actor, ref: string, reason: unknown) {
  const closeNotes = reason === undefined || reason === null || reason === '' ? null : text('reason', reason);
  return mutateChangeRequest(deps, actor, ref, (cr) => {
    assertCancelable(cr);
    return {
      action: 'change_request.canceled',
      patch: { state: 'canceled', closeCategory: 'cancelled', closeNotes, closedAt: deps.now() },
      also: cancelApprovalSteps(deps, actor, cr),
    };
  });
}
