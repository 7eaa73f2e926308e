import { changeRef } from '../../domain/change-request.js';
import { isTerminal, sameActor } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import { rejectUnknown, requireFields, text } from '../../domain/validate.js';
import type { WindowOverride } from '../../domain/windows.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { inTransaction } from '../../store/database.js';
import { findWindow, insertOverride, listOverrides } from '../../store/windows.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

/**
 * Lets one change request go ahead during a freeze: recorded with who granted it and why, audited on
 * the CR. An override is an approval to deviate, so separation of duties applies as to approvals: the
 * CR's requester and whoever deployed it cannot grant it. Who may grant at all is the route's permission
 * (`window:override`).
 */
export async function grantWindowOverride(
  deps: ServiceDeps,
  actor: Actor,
  windowName: string,
  input: Record<string, unknown>,
): Promise<WindowOverride> {
  rejectUnknown(input, ['changeRequestId', 'reason']);
  requireFields(input, ['changeRequestId', 'reason']);
  const ref = text('changeRequestId', input.changeRequestId, { min: 1, max: 64 });
  const reason = text('reason', input.reason, { min: 1, max: 2000 });
  return inTransaction(deps.db, async (tx) => {
    const window = await findWindow(tx, actor.tenantId, windowName);
    if (!window) throw notFound('window', windowName);
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    if (window.kind !== 'freeze') {
      throw new AppError(
        'invalid_input',
        `window '${window.name}' is a maintenance window; maintenance windows do not block changes, so there is nothing to override`,
        { field: 'window' },
      );
    }
    if (isTerminal(cr.state)) {
      throw new AppError(
        'illegal_transition',
        `${cr.number} is ${cr.state}; a ${cr.state} change request needs no override`,
        { field: 'changeRequestId', state: cr.state },
      );
    }
    for (const [who, role] of [
      [cr.requestedBy, 'requested'],
      [cr.implementedBy, 'deployed'],
    ] as const) {
      if (who !== null && sameActor(who, actor.name)) {
        throw new AppError(
          'separation_of_duties',
          `${actor.name} ${role} ${cr.number} and cannot grant it an override; ask another change manager`,
          { field: 'changeRequestId', [role === 'requested' ? 'requestedBy' : 'implementedBy']: who },
        );
      }
    }
    const granted = (await listOverrides(tx, actor.tenantId, { changeRequestId: cr.id })).find(
      (o) => o.windowId === window.id,
    );
    const exists = granted
      ? `${cr.number} already has an override for freeze '${window.name}' (granted by ${granted.grantedBy} at ${new Date(granted.grantedAt).toISOString()})`
      : `${cr.number} already has an override for freeze '${window.name}'`;
    if (granted) throw new AppError('conflict', exists, { field: 'changeRequestId' });
    const override: WindowOverride = {
      id: deps.newId(),
      windowId: window.id,
      windowName: window.name,
      changeRequestId: cr.id,
      changeRequestNumber: cr.number,
      reason,
      grantedBy: actor.name,
      grantedAt: deps.now(),
    };
    await uniqueOrConflict(insertOverride(tx, actor.tenantId, override), exists, 'changeRequestId');
    await recordAudit(tx, deps, actor, {
      action: 'window.override_granted',
      entityType: 'change_request',
      entityId: cr.id,
      after: {
        number: cr.number,
        overrideId: override.id,
        window: window.name,
        windowId: window.id,
        reason,
      },
    });
    return override;
  });
}
