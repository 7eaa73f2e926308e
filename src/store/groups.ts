import type { Selectable } from 'kysely';
import type { Group } from '../domain/group.js';
import { byCodePoint } from './components.js';
import type { DbOrTx, Dialect } from './database.js';
import type { GroupsTable } from './schema.js';

function toGroup(row: Selectable<GroupsTable>, members: string[]): Group {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    members,
    idpGroups: JSON.parse(row.idp_groups_json) as string[],
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Inserts the group and its initial members. */
export async function insertGroup(db: DbOrTx, group: Group): Promise<void> {
  await db
    .insertInto('groups')
    .values({
      id: group.id,
      tenant_id: group.tenantId,
      name: group.name,
      description: group.description,
      idp_groups_json: JSON.stringify(group.idpGroups),
      created_by: group.createdBy,
      created_at: group.createdAt,
      updated_at: group.updatedAt,
    })
    .execute();
  for (const member of group.members)
    await insertGroupMember(db, group, member, { by: group.createdBy, at: group.createdAt });
}

export async function updateGroup(
  db: DbOrTx,
  group: Pick<Group, 'tenantId' | 'id'>,
  patch: Partial<Pick<Group, 'description' | 'idpGroups' | 'updatedAt'>>,
): Promise<void> {
  await db
    .updateTable('groups')
    .set({
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.idpGroups !== undefined ? { idp_groups_json: JSON.stringify(patch.idpGroups) } : {}),
      ...(patch.updatedAt !== undefined ? { updated_at: patch.updatedAt } : {}),
    })
    .where('tenant_id', '=', group.tenantId)
    .where('id', '=', group.id)
    .execute();
}

/** Deletes the group with its memberships. */
export async function deleteGroup(db: DbOrTx, group: Pick<Group, 'tenantId' | 'id'>): Promise<void> {
  await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', group.tenantId)
    .where('group_id', '=', group.id)
    .execute();
  await db.deleteFrom('groups').where('tenant_id', '=', group.tenantId).where('id', '=', group.id).execute();
}

export async function insertGroupMember(
  db: DbOrTx,
  group: Pick<Group, 'tenantId' | 'id'>,
  member: string,
  added: { by: string; at: number },
): Promise<void> {
  await db
    .insertInto('group_members')
    .values({
      tenant_id: group.tenantId,
      group_id: group.id,
      member,
      added_by: added.by,
      added_at: added.at,
    })
    .execute();
}

export async function deleteGroupMember(
  db: DbOrTx,
  group: Pick<Group, 'tenantId' | 'id'>,
  member: string,
): Promise<void> {
  await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', group.tenantId)
    .where('group_id', '=', group.id)
    .where('member', '=', member)
    .execute();
}

/**
 * A group by name with its members; tenant-scoped, so another tenant's group is simply not found.
 * `lockFor` takes a row lock on PostgreSQL for a read-modify-write (SQLite's BEGIN IMMEDIATE already
 * serialises writers), so a component cannot be given to a group that is being deleted.
 */
export async function findGroup(
  db: DbOrTx,
  tenantId: string,
  name: string,
  options: { lockFor?: Dialect } = {},
): Promise<Group | undefined> {
  const row = await db
    .selectFrom('groups')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .$if(options.lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) return undefined;
  const members = await db
    .selectFrom('group_members')
    .select('member')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', row.id)
    .execute();
  return toGroup(row, members.map((m) => m.member).sort(byCodePoint));
}

/** Every group of the tenant, by name, with members: two queries whatever the number of groups. */
export async function listGroups(db: DbOrTx, tenantId: string): Promise<Group[]> {
  const rows = await db.selectFrom('groups').selectAll().where('tenant_id', '=', tenantId).execute();
  const members = await db
    .selectFrom('group_members')
    .select(['group_id', 'member'])
    .where('tenant_id', '=', tenantId)
    .execute();
  const byGroup = new Map<string, string[]>();
  for (const m of members) byGroup.set(m.group_id, [...(byGroup.get(m.group_id) ?? []), m.member]);
  return rows
    .map((row) => toGroup(row, (byGroup.get(row.id) ?? []).sort(byCodePoint)))
    .sort((a, b) => byCodePoint(a.name, b.name));
}
