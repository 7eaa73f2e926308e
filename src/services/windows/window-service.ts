import { changedFields } from '../../domain/change-request-input.js';
import { AppError, notFound } from '../../domain/errors.js';
import { instant, oneOf, slug } from '../../domain/validate.js';
import { validateWindow } from '../../domain/window-input.js';
import {
  type ChangeWindow,
  nextOccurrences,
  type Occurrence,
  occurrencesBetween,
  type WindowDefinition,
  type WindowOverride,
  windowApplies,
  windowKinds,
} from '../../domain/windows.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  findWindow,
  insertWindow,
  listOverrides,
  listWindows,
  markWindowDeleted,
  updateWindow,
} from '../../store/windows.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames } from '../environments/environment-service.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

/** A window with the occurrence in force at the asked instant, if any, and the next one to start. */
export interface WindowStatus {
  window: ChangeWindow;
  active: Occurrence | null;
  next: Occurrence | null;
}

export interface WindowDetail extends WindowStatus {
  /** Occurrences that have not ended yet (one in progress first). */
  occurrences: Occurrence[];
  overrides: WindowOverride[];
}

function statusAt(window: ChangeWindow, at: number): WindowStatus {
  const [active = null] = occurrencesBetween(window, at, at);
  const next = nextOccurrences(window.schedule, at, 2).find((o) => o.start > at) ?? null;
  return { window, active, next };
}

/** What the audit trail keeps of a window: its definition, not the tenant id. */
function audited(w: ChangeWindow) {
  return {
    name: w.name,
    kind: w.kind,
    schedule: w.schedule,
    environments: w.environments,
    components: w.components,
    reason: w.reason,
  };
}

export async function createWindow(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<ChangeWindow> {
  const createdAt = deps.now();
  const definition = validateWindow(input, createdAt);
  return inTransaction(deps.db, (tx) => createWindowIn(tx, deps, actor, definition, createdAt));
}

/** Creates a validated window in the caller's transaction (the API's create and config apply). */
export async function createWindowIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  definition: WindowDefinition,
  createdAt: number,
): Promise<ChangeWindow> {
  await assertEnvironments(tx, actor, definition.environments);
  const exists = `window '${definition.name}' already exists; delete it first or choose another name`;
  if (await findWindow(tx, actor.tenantId, definition.name))
    throw new AppError('conflict', exists, { field: 'name' });
  const window: ChangeWindow = { id: deps.newId(), ...definition, createdBy: actor.name, createdAt };
  await uniqueOrConflict(insertWindow(tx, actor.tenantId, window), exists, 'name');
  await recordAudit(tx, deps, actor, {
    action: 'window.created',
    entityType: 'window',
    entityId: window.id,
    after: audited(window),
  });
  return window;
}

/**
 * Replaces the definition of a window (changegate.yaml's `windows:`; there is no update command). It
 * keeps its id, so overrides granted against it still hold; audited as `window.updated`.
 */
export async function updateWindowIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  window: ChangeWindow,
  definition: WindowDefinition,
): Promise<ChangeWindow> {
  await assertEnvironments(tx, actor, definition.environments);
  const updated: ChangeWindow = { ...window, ...definition, name: window.name };
  const { before, after } = changedFields(audited(window), audited(updated));
  await updateWindow(tx, actor.tenantId, window.id, updated);
  await recordAudit(tx, deps, actor, {
    action: 'window.updated',
    entityType: 'window',
    entityId: window.id,
    before: { name: window.name, ...before },
    after: { name: window.name, ...after },
  });
  return updated;
}

async function assertEnvironments(tx: DbOrTx, actor: Actor, environments: readonly string[]) {
  const known = await environmentNames(tx, actor);
  const unknown = environments.find((e) => !known.includes(e));
  if (unknown !== undefined) {
    throw new AppError(
      'invalid_input',
      `environments: '${unknown}' does not exist; ${known.length ? `use one of: ${known.join(', ')}` : 'create it first'}`,
      { field: 'environments', validValues: known },
    );
  }
}

export interface WindowListQuery {
  /** Only windows in force at `at`. */
  active?: unknown;
  at?: unknown;
  /** Only windows that apply to this environment (tenant-wide ones included). */
  environment?: unknown;
  kind?: unknown;
}

export async function listTenantWindows(
  deps: ServiceDeps,
  actor: Actor,
  query: WindowListQuery = {},
): Promise<{ at: number; windows: WindowStatus[] }> {
  const at = query.at === undefined || query.at === '' ? deps.now() : instant('at', query.at);
  const environment =
    query.environment === undefined || query.environment === ''
      ? null
      : slug('environment', query.environment);
  const kind =
    query.kind === undefined || query.kind === '' ? undefined : oneOf('kind', query.kind, windowKinds);
  const onlyActive = query.active === true || query.active === 'true';
  const windows = (await listWindows(deps.db, actor.tenantId, { kind }))
    .filter((w) => environment === null || windowApplies(w, { environment, components: null }))
    .map((w) => statusAt(w, at))
    .filter((s) => !onlyActive || s.active !== null);
  return { at, windows };
}

export async function getWindow(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  count = 5,
): Promise<WindowDetail> {
  const window = await findWindow(deps.db, actor.tenantId, name);
  if (!window) throw notFound('window', name);
  const now = deps.now();
  return {
    ...statusAt(window, now),
    occurrences: nextOccurrences(window.schedule, now, Math.min(Math.max(1, count), 100)),
    overrides: await listOverrides(deps.db, actor.tenantId, { windowId: window.id }),
  };
}

/**
 * Deletes a window; it stays on record (overrides and notes name it), and its name is free again.
 * A freeze in force is the rule people are working under, so removing it needs `force`, and the
 * audit event says which occurrence was cut short.
 */
export async function deleteWindow(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  options: { force?: unknown } = {},
): Promise<ChangeWindow> {
  const force = options.force === true || options.force === 'true';
  return inTransaction(deps.db, async (tx) => {
    const window = await findWindow(tx, actor.tenantId, name);
    if (!window) throw notFound('window', name);
    const now = deps.now();
    const [inForce] = window.kind === 'freeze' ? occurrencesBetween(window, now, now) : [];
    if (inForce && !force) {
      throw new AppError(
        'conflict',
        `freeze '${window.name}' is in force until ${new Date(inForce.end).toISOString()} and is not deleted while it is; let a change through with an override (changegate window override ${window.name} --change-request CHG… --reason …), or delete it anyway with --force`,
        { field: 'name', inForceUntil: new Date(inForce.end).toISOString() },
      );
    }
    if (!(await markWindowDeleted(tx, actor.tenantId, window.id, actor.name, now)))
      throw notFound('window', name);
    await recordAudit(tx, deps, actor, {
      action: 'window.deleted',
      entityType: 'window',
      entityId: window.id,
      before: audited(window),
      after: {
        name: window.name,
        forced: inForce !== undefined,
        inForce: inForce ? { start: inForce.start, end: inForce.end } : null,
      },
    });
    return window;
  });
}
