import type { ChangeRequest } from '../../domain/change-request.js';
import { checklistIncomplete } from '../../domain/checklist.js';
import type { DbOrTx } from '../../store/database.js';
import type { Actor } from '../context.js';
import { changeChecklistState } from './checklist-service.js';

/**
 * The checklist rule for a CR entering `implement`, by hand or at the deployment gate: every required
 * item of its category's checklist must be completed. Emergencies are not exempt: the items are safety
 * prerequisites (a verified backup), not scheduling, and completing one is a single command.
 */
export async function enforceChecklist(
  tx: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  cr: Pick<ChangeRequest, 'id' | 'number' | 'category'>,
): Promise<void> {
  const state = await changeChecklistState(tx, actor, cr);
  if (state && state.open.length > 0) throw checklistIncomplete(cr.number, state);
}
