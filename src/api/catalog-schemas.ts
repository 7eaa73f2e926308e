import { type Static, Type } from 'typebox';
import { criticalityTiers } from '../domain/component.js';
import { Enum, Nullable, Time } from './schemas.js';

/** JSON shapes of the ownership registry: groups and components (docs/components.md). */

export const GroupSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    members: Type.Array(Type.String(), { description: 'Local names (lowercased), e.g. email addresses' }),
    idpGroups: Type.Array(Type.String(), {
      description: "Identity-provider group names whose members count as the group's",
    }),
    createdBy: Type.String(),
    createdAt: Time,
    updatedAt: Time,
  },
  { $id: 'Group' },
);

export const ComponentSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String({ description: 'The inventory entry name the pipeline deploys it as' }),
    ownerGroup: Type.String(),
    criticality: Enum(criticalityTiers),
    environments: Type.Array(Type.String(), { description: 'Where it is deployed; empty means all' }),
    description: Nullable(Type.String()),
    createdBy: Type.String(),
    createdAt: Time,
    updatedAt: Time,
  },
  { $id: 'Component' },
);

const Names = Type.Array(Type.String());

export const GroupCreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Nullable(Type.String())),
    members: Type.Optional(Names),
    idpGroups: Type.Optional(Names),
  },
  { additionalProperties: false },
);

export const GroupUpdateSchema = Type.Object(
  {
    description: Type.Optional(Nullable(Type.String())),
    idpGroups: Type.Optional(Nullable(Names)),
  },
  {
    additionalProperties: false,
    description: 'A value sets the field, an absent key leaves it, null clears it.',
  },
);

export const ComponentCreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    ownerGroup: Type.String({ minLength: 1 }),
    criticality: Enum(criticalityTiers),
    environments: Type.Optional(Names),
    description: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
);

export const ComponentUpdateSchema = Type.Object(
  {
    ownerGroup: Type.Optional(Type.String({ minLength: 1 })),
    criticality: Type.Optional(Enum(criticalityTiers)),
    environments: Type.Optional(Nullable(Names)),
    description: Type.Optional(Nullable(Type.String())),
  },
  {
    additionalProperties: false,
    description: 'A value sets the field, an absent key leaves it, null clears it.',
  },
);

export type GroupDto = Static<typeof GroupSchema>;
export type ComponentDto = Static<typeof ComponentSchema>;
