import { AppError, notFound } from '../../domain/errors.js';
import {
  type Group,
  type GroupFields,
  type GroupPatch,
  memberName,
  validateGroupCreate,
  validateGroupUpdate,
} from '../../domain/group.js';
import { listComponents } from '../../store/components.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  deleteGroup,
  deleteGroupMember,
  findGroup,
  insertGroup,
  insertGroupMember,
  listGroups,
  updateGroup,
} from '../../store/groups.js';
import { recordAudit } from '../audit/record-audit.js';
import { createAuditedRecord, deleteAuditedRecord, updateAuditedRecord } from '../audited-record.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

const kind = { entityType: 'group', key: 'name' } as const;

export async function createGroup(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<Group> {
  const fields = validateGroupCreate(input);
  return inTransaction(deps.db, (tx) => createGroupIn(tx, deps, actor, fields));
}

/** Creates a validated group in the caller's transaction (the API's create and config apply). */
export function createGroupIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  fields: GroupFields,
): Promise<Group> {
  return createAuditedRecord<Group>(tx, deps, actor, kind, {
    fields,
    exists: `group '${fields.name}' already exists`,
    find: () => findGroup(tx, actor.tenantId, fields.name),
    insert: (group) => insertGroup(tx, group),
  });
}

export function listTenantGroups(deps: ServiceDeps, actor: Actor): Promise<Group[]> {
  return listGroups(deps.db, actor.tenantId);
}

export function getGroup(deps: ServiceDeps, actor: Actor, name: string): Promise<Group> {
  return requireGroup(deps.db, deps, actor, name);
}

/** A group of the caller's tenant by name; anything else, another tenant's included, is not found. */
export async function requireGroup(
  db: DbOrTx,
  deps: Pick<ServiceDeps, 'dialect'>,
  actor: Pick<Actor, 'tenantId'>,
  name: string,
  options: { lock?: boolean } = {},
): Promise<Group> {
  const found = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)
    ? await findGroup(db, actor.tenantId, name, options.lock ? { lockFor: deps.dialect } : {})
    : undefined;
  if (!found) throw notFound('group', name.slice(0, 80));
  return found;
}

/** PATCH semantics for the description and the IdP groups; members change one at a time. */
export async function updateGroupFields(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  input: Record<string, unknown>,
): Promise<Group> {
  const patch = validateGroupUpdate(input);
  return inTransaction(deps.db, async (tx) => {
    const group = await requireGroup(tx, deps, actor, name, { lock: true });
    return updateGroupIn(tx, deps, actor, group, patch);
  });
}

/** Applies a validated patch to a group read (and locked) in the caller's transaction. */
export function updateGroupIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  group: Group,
  patch: GroupPatch,
): Promise<Group> {
  return updateAuditedRecord<Group>(tx, deps, actor, kind, {
    before: group,
    changes: patch,
    update: (updated) => updateGroup(tx, group, { ...patch, updatedAt: updated.updatedAt }),
  });
}

/** Refused while the group owns components: they would be left without an owner. */
export async function deleteGroupByName(deps: ServiceDeps, actor: Actor, name: string): Promise<Group> {
  return inTransaction(deps.db, async (tx) => {
    const group = await requireGroup(tx, deps, actor, name, { lock: true });
    const owned = await listComponents(tx, actor.tenantId, { ownerGroupId: group.id });
    if (owned.length > 0) {
      const names = owned.map((c) => c.name);
      throw new AppError(
        'conflict',
        `group '${group.name}' owns ${names.length === 1 ? 'component' : 'components'} ${names.join(', ')}; give ${names.length === 1 ? 'it' : 'them'} another owner first (changegate component update <name> --owner <group>) or delete ${names.length === 1 ? 'it' : 'them'}`,
        { field: 'name', components: names },
      );
    }
    return deleteAuditedRecord(tx, deps, actor, kind, {
      record: group,
      remove: () => deleteGroup(tx, group),
    });
  });
}

export async function addGroupMember(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  member: unknown,
): Promise<Group> {
  const who = memberName('member', member);
  return inTransaction(deps.db, async (tx) => {
    const group = await requireGroup(tx, deps, actor, name, { lock: true });
    return addGroupMemberIn(tx, deps, actor, group, who);
  });
}

/** Adds a (validated) member to a group read in the caller's transaction; audited. */
export async function addGroupMemberIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  group: Group,
  who: string,
): Promise<Group> {
  const already = `'${who}' is already a member of group '${group.name}'`;
  if (group.members.includes(who)) throw new AppError('conflict', already, { field: 'member' });
  const at = deps.now();
  await uniqueOrConflict(insertGroupMember(tx, group, who, { by: actor.name, at }), already, 'member');
  await updateGroup(tx, group, { updatedAt: at });
  await recordAudit(tx, deps, actor, {
    action: 'group.member_added',
    entityType: 'group',
    entityId: group.id,
    after: { name: group.name, member: who },
  });
  return { ...group, members: [...group.members, who].sort(), updatedAt: at };
}

export async function removeGroupMember(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  member: unknown,
): Promise<Group> {
  const who = memberName('member', member);
  return inTransaction(deps.db, async (tx) => {
    const group = await requireGroup(tx, deps, actor, name, { lock: true });
    return removeGroupMemberIn(tx, deps, actor, group, who);
  });
}

/** Removes a member from a group read in the caller's transaction; audited. */
export async function removeGroupMemberIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  group: Group,
  who: string,
): Promise<Group> {
  if (!group.members.includes(who))
    throw new AppError('not_found', `'${who}' is not a member of group '${group.name}'`, {
      field: 'member',
      validValues: group.members,
    });
  const at = deps.now();
  await deleteGroupMember(tx, group, who);
  await updateGroup(tx, group, { updatedAt: at });
  await recordAudit(tx, deps, actor, {
    action: 'group.member_removed',
    entityType: 'group',
    entityId: group.id,
    before: { name: group.name, member: who },
  });
  return { ...group, members: group.members.filter((m) => m !== who), updatedAt: at };
}
