import type { ComponentDto, GroupDto } from '../api/catalog-schemas.js';
import { table } from './output.js';

/** Human renderings of groups and components; --json prints the shapes themselves. */

const field = (label: string, value: string | null) =>
  value === null || value === '' ? [] : [`  ${label.padEnd(12)} ${value}`];

export function renderGroup(g: GroupDto): string[] {
  return [
    `group ${g.name}`,
    ...field('description', g.description),
    ...field('members', g.members.length ? g.members.join(', ') : '(none)'),
    ...field('idp groups', g.idpGroups.join(', ')),
    ...field('updated', g.updatedAt),
    ...field('id', g.id),
  ];
}

export function renderGroups(items: GroupDto[]): string[] {
  if (items.length === 0)
    return ['no groups; create one with: changegate group create <name> --member <email>'];
  return table(
    ['NAME', 'MEMBERS', 'IDP GROUPS', 'DESCRIPTION'],
    items.map((g) => [g.name, String(g.members.length), g.idpGroups.join(','), g.description ?? '']),
  );
}

const scope = (environments: string[]) => (environments.length ? environments.join(', ') : 'all');

export function renderComponent(c: ComponentDto): string[] {
  return [
    `component ${c.name}`,
    ...field('owner', c.ownerGroup),
    ...field('criticality', c.criticality),
    ...field('environments', scope(c.environments)),
    ...field('description', c.description),
    ...field('updated', c.updatedAt),
    ...field('id', c.id),
  ];
}

export function renderComponents(items: ComponentDto[]): string[] {
  if (items.length === 0)
    return [
      'no components registered; change requests may name any component until the first is: changegate component create <name> --owner <group> --criticality tier1|tier2|tier3|tier4',
    ];
  return table(
    ['NAME', 'OWNER', 'CRITICALITY', 'ENVIRONMENTS', 'DESCRIPTION'],
    items.map((c) => [c.name, c.ownerGroup, c.criticality, scope(c.environments), c.description ?? '']),
  );
}
