import type { ChangeRequest } from '../../domain/change-request.js';
import { type WindowHit, type WindowOverride, windowsOverlapping } from '../../domain/windows.js';
import type { DbOrTx } from '../../store/database.js';
import { listOverrides, listWindows } from '../../store/windows.js';
import type { Actor } from '../context.js';
import { planSpan } from './freeze-check.js';

export interface ChangeRequestWindows {
  /** Freeze and maintenance windows the CR's plan overlaps, for its environment (informational). */
  windows: (WindowHit & { overridden: boolean })[];
  overrides: WindowOverride[];
}

/** What `cr get` shows about windows: which ones the plan falls into, and the overrides granted to the CR. */
export async function changeRequestWindows(
  db: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  cr: ChangeRequest,
): Promise<ChangeRequestWindows> {
  const plan = planSpan(cr);
  const [windows, overrides] = await Promise.all([
    plan ? listWindows(db, actor.tenantId) : [],
    listOverrides(db, actor.tenantId, { changeRequestId: cr.id }),
  ]);
  const hits = plan
    ? windowsOverlapping(windows, plan.start, plan.end, {
        environment: cr.environment,
        components: cr.components.length > 0 ? cr.components : null,
      })
    : [];
  return {
    windows: hits.map((h) => ({ ...h, overridden: overrides.some((o) => o.windowId === h.window.id) })),
    overrides,
  };
}
