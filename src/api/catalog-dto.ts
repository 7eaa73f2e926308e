import type { Component } from '../domain/component.js';
import type { Group } from '../domain/group.js';
import type { ComponentDto, GroupDto } from './catalog-schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Keys in the schema's order, so local output matches the server's serialized JSON byte for byte. */
export function groupDto(g: Group): GroupDto {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    members: g.members,
    idpGroups: g.idpGroups,
    createdBy: g.createdBy,
    createdAt: iso(g.createdAt),
    updatedAt: iso(g.updatedAt),
  };
}

export function componentDto(c: Component): ComponentDto {
  return {
    id: c.id,
    name: c.name,
    ownerGroup: c.ownerGroup,
    criticality: c.criticality,
    environments: c.environments,
    description: c.description,
    createdBy: c.createdBy,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}
