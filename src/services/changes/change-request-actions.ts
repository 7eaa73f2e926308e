import {
  type ChangeRequest,
  type ChangeState,
  changeStates,
  closeCategories,
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
import { assertRegisteredComponents } from '../catalog/component-service.js';
import { enforceChecklist } from '../checklists/checklist-gate.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';
import { templateScopeAfterEdit } from '../templates/create-from-template.js';
import { enforceChangeFreeze } from '../windows/freeze-check.js';
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
    // A CR from a template keeps its pre-approval while it stays inside the template's scope.
    const scope = await templateScopeAfterEdit(tx, actor, cr, patch);
    const withdrawn = scope ? scope.outcome : approvalAfterEdit(cr, patch);
    return {
      action: 'change_request.updated',
      patch: withdrawn ? { ...patch, ...withdrawn } : patch,
      ...(scope?.reasons.length ? { note: { templateScope: scope.reasons } } : {}),
    };
  });
}

export async function requestApproval(deps: ServiceDeps, actor: Actor, ref: string) {
  return mutateChangeRequest(deps, actor, ref, (cr) => ({
    action: 'change_request.approval_requested',
    patch: decideRequestApproval(cr),
  }));
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
    const outcome = decideApproval(cr, decision, actor.name);
    // Approval schedules the CR: its plan must keep out of freezes (docs/windows.md).
    if (outcome.state === 'scheduled' && cr.state !== 'scheduled')
      await enforceChangeFreeze(tx, deps, actor, cr, 'scheduled');
    return {
      action: decision === 'approved' ? 'change_request.approved' : 'change_request.rejected',
      patch: outcome,
      note: { comment: why },
      also: async (tx) => {
        await insertApproval(tx, actor.tenantId, {
          id: deps.newId(),
          changeRequestId: cr.id,
          approver: actor.name,
          decision,
          comment: why,
          decidedAt: deps.now(),
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
      await enforceChangeFreeze(tx, deps, actor, cr, target);
    // Whoever starts the implementation deploys the change, and so may not approve it afterwards.
    const patch = target === 'implement' ? { ...outcome, implementedBy: actor.name } : outcome;
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
    };
  });
}
