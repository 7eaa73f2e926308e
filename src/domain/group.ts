import { AppError, invalidField } from './errors.js';
import { nullable, rejectUnknown, requireFields, slug, text } from './validate.js';

/**
 * A group of people: the owner of components and, later, an approver group in approval routing.
 * Members are local names (what `--as` or a token's name says, usually an email address); the
 * identity provider's group names listed in `idpGroups` count as members too.
 */
export interface Group {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  /** Lowercased, sorted: names are compared case-insensitively, as separation of duties does. */
  members: string[];
  /** IdP group names (the groups claim of an OIDC token); compared exactly, as IdPs issue them. */
  idpGroups: string[];
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export type GroupFields = Pick<Group, 'name' | 'description' | 'members' | 'idpGroups'>;
export type GroupPatch = Partial<Pick<Group, 'description' | 'idpGroups'>>;

export const groupCreateFields = ['name', 'description', 'members', 'idpGroups'] as const;
export const groupUpdateFields = ['description', 'idpGroups'] as const;

const maxListLength = 1_000;

/** A list of distinct values, each checked by `item`; sorted so equal sets compare and audit alike. */
export function distinctList(
  field: string,
  value: unknown,
  item: (field: string, value: unknown) => string,
): string[] {
  if (!Array.isArray(value)) throw invalidField(field, 'must be a list');
  if (value.length > maxListLength)
    throw invalidField(field, `has ${value.length} items; the limit is ${maxListLength}`);
  return [...new Set(value.map((v, i) => item(`${field}[${i}]`, v)))].sort();
}

/** A member's name as it is stored and compared: trimmed and lowercased. */
export function memberName(field: string, value: unknown): string {
  return text(field, value, { min: 1, max: 320 }).toLowerCase();
}

const idpGroupName = (field: string, value: unknown) => text(field, value, { min: 1, max: 256 });
const description = (value: unknown) =>
  value === undefined || value === '' ? null : nullable(value, (v) => text('description', v, { max: 500 }));

/** Validates a new group; members and IdP groups are optional lists. */
export function validateGroupCreate(input: Record<string, unknown>): GroupFields {
  rejectUnknown(input, groupCreateFields);
  requireFields(input, ['name']);
  return {
    name: slug('name', input.name),
    description: description(input.description),
    members: input.members == null ? [] : distinctList('members', input.members, memberName),
    idpGroups: input.idpGroups == null ? [] : distinctList('idpGroups', input.idpGroups, idpGroupName),
  };
}

/** Validates a PATCH of a group: a value sets, an absent key leaves, null clears. Members change one by one. */
export function validateGroupUpdate(input: Record<string, unknown>): GroupPatch {
  rejectUnknown(input, groupUpdateFields);
  if (Object.keys(input).length === 0)
    throw new AppError(
      'invalid_input',
      `nothing to update; give at least one of: ${groupUpdateFields.join(', ')} (members change with add-member and remove-member)`,
    );
  const patch: GroupPatch = {};
  if ('description' in input) patch.description = description(input.description);
  if ('idpGroups' in input)
    patch.idpGroups =
      input.idpGroups === null ? [] : distinctList('idpGroups', input.idpGroups, idpGroupName);
  return patch;
}
