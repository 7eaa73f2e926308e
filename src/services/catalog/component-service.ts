import {
  type Component,
  type ComponentFields,
  type ComponentPatch,
  checkComponentNames,
  validateComponentCreate,
  validateComponentUpdate,
} from '../../domain/component.js';
import { AppError, notFound } from '../../domain/errors.js';
import {
  deleteComponent,
  findComponent,
  insertComponent,
  listComponents,
  registeredComponentNames,
  updateComponent,
} from '../../store/components.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { listGroups } from '../../store/groups.js';
import { createAuditedRecord, deleteAuditedRecord, updateAuditedRecord } from '../audited-record.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames } from '../environments/environment-service.js';
import { requireGroup } from './group-service.js';

const kind = { entityType: 'component', key: 'name' } as const;

/** A component's scope may name only environments the tenant has. */
async function assertEnvironments(tx: DbOrTx, actor: Actor, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const known = await environmentNames(tx, actor);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new AppError(
      'invalid_input',
      `environments: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length > 1 ? 'do' : 'does'} not exist; ${known.length ? `use any of: ${known.join(', ')}` : 'create environments first (changegate env create, or config apply)'}; no environments means all`,
      { field: 'environments', validValues: known },
    );
}

export async function createComponent(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<Component> {
  const fields = validateComponentCreate(input);
  return inTransaction(deps.db, (tx) => createComponentIn(tx, deps, actor, fields));
}

/** Creates a validated component in the caller's transaction (the API's create and config apply). */
export async function createComponentIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  fields: ComponentFields,
): Promise<Component> {
  const owner = await ownerGroup(tx, deps, actor, fields.ownerGroup);
  await assertEnvironments(tx, actor, fields.environments);
  return createAuditedRecord<Component>(tx, deps, actor, kind, {
    fields,
    exists: `component '${fields.name}' already exists`,
    find: () => findComponent(tx, actor.tenantId, fields.name),
    insert: ({ ownerGroup: _o, ...rest }) => insertComponent(tx, { ...rest, ownerGroupId: owner.id }),
  });
}

export function listTenantComponents(deps: ServiceDeps, actor: Actor): Promise<Component[]> {
  return listComponents(deps.db, actor.tenantId);
}

export function getComponent(deps: ServiceDeps, actor: Actor, name: string): Promise<Component> {
  return requireComponent(deps.db, actor, name);
}

/** PATCH semantics: a value sets, an absent key leaves, null clears (environments: all of them). */
export async function updateComponentFields(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  input: Record<string, unknown>,
): Promise<Component> {
  const patch = validateComponentUpdate(input);
  return inTransaction(deps.db, async (tx) => {
    const component = await requireComponent(tx, actor, name, deps.dialect);
    return updateComponentIn(tx, deps, actor, component, patch);
  });
}

/** Applies a validated patch to a component read (and locked) in the caller's transaction. */
export async function updateComponentIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  component: Component,
  patch: ComponentPatch,
): Promise<Component> {
  const owner =
    patch.ownerGroup === undefined ? undefined : await ownerGroup(tx, deps, actor, patch.ownerGroup);
  if (patch.environments) await assertEnvironments(tx, actor, patch.environments);
  const { ownerGroup: _o, ...rest } = patch;
  return updateAuditedRecord<Component>(tx, deps, actor, kind, {
    before: component,
    changes: patch,
    update: (updated) =>
      updateComponent(tx, component, {
        ...rest,
        ...(owner ? { ownerGroupId: owner.id } : {}),
        updatedAt: updated.updatedAt,
      }),
  });
}

/** Change requests keep the names they recorded; only the registry entry goes. */
export async function deleteComponentByName(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
): Promise<Component> {
  return inTransaction(deps.db, async (tx) => {
    const component = await requireComponent(tx, actor, name, deps.dialect);
    return deleteAuditedRecord(tx, deps, actor, kind, {
      record: component,
      remove: () => deleteComponent(tx, component),
    });
  });
}

/** Refuses names a CR may not use: unregistered ones, once the tenant has registered any component. */
export async function assertRegisteredComponents(
  tx: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  names: readonly string[],
): Promise<void> {
  if (names.length === 0) return;
  checkComponentNames(names, await registeredComponentNames(tx, actor.tenantId));
}

async function requireComponent(
  db: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  name: string,
  lockFor?: ServiceDeps['dialect'],
) {
  const found = /^[A-Za-z0-9][A-Za-z0-9._/@-]{0,199}$/.test(name)
    ? await findComponent(db, actor.tenantId, name, { lockFor })
    : undefined;
  if (!found) throw notFound('component', name.slice(0, 80));
  return found;
}

/** The owner must exist; locked so it cannot be deleted while it is being given a component. */
async function ownerGroup(tx: DbOrTx, deps: ServiceDeps, actor: Actor, name: string) {
  try {
    return await requireGroup(tx, deps, actor, name, { lock: true });
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
    const known = (await listGroups(tx, actor.tenantId)).map((g) => g.name);
    throw new AppError(
      'invalid_input',
      `ownerGroup: group '${name}' does not exist; ${known.length ? `use one of: ${known.join(', ')}, or ` : ''}create it with changegate group create ${name}`,
      { field: 'ownerGroup', validValues: known },
    );
  }
}
