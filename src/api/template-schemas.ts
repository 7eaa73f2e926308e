import { type Static, Type } from 'typebox';
import { customerImpacts, deploymentImpacts, priorities, riskLevels } from '../domain/change-request.js';
import { ChecklistStateSchema, Enum, Nullable, Time } from './schemas.js';

export { ChecklistStateSchema };

/** JSON shapes of standard change templates and category checklists (docs/templates-and-checklists.md). */

const Names = Type.Array(Type.String());

export const TemplatePresetsSchema = Type.Object(
  {
    priority: Type.Optional(Enum(priorities)),
    customerImpact: Type.Optional(Enum(customerImpacts)),
    deploymentImpact: Type.Optional(Enum(deploymentImpacts)),
    description: Type.Optional(Type.String()),
    backoutPlan: Type.Optional(Type.String()),
    risk: Type.Optional(Enum(riskLevels)),
  },
  {
    additionalProperties: false,
    description: 'CR fields the template presets; explicit fields override them',
  },
);

export const TemplateSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    title: Type.String({ description: 'CR title; {environment}, {components} and {template} are filled in' }),
    fields: TemplatePresetsSchema,
    components: Type.Array(Type.String(), { description: 'Components in scope; empty means any' }),
    environments: Type.Array(Type.String(), { description: 'Environments in scope; empty means any' }),
    maxRisk: Enum(riskLevels),
    createdBy: Type.String(),
    createdAt: Time,
    updatedAt: Time,
  },
  { $id: 'Template' },
);

export const TemplateCreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    title: Type.String({ minLength: 1 }),
    fields: Type.Optional(TemplatePresetsSchema),
    components: Type.Optional(Names),
    environments: Type.Optional(Names),
    maxRisk: Enum(riskLevels),
  },
  { additionalProperties: false },
);

const NullablePresets = Type.Object(
  {
    priority: Type.Optional(Nullable(Enum(priorities))),
    customerImpact: Type.Optional(Nullable(Enum(customerImpacts))),
    deploymentImpact: Type.Optional(Nullable(Enum(deploymentImpacts))),
    description: Type.Optional(Nullable(Type.String())),
    backoutPlan: Type.Optional(Nullable(Type.String())),
    risk: Type.Optional(Nullable(Enum(riskLevels))),
  },
  { additionalProperties: false, description: 'Merged key by key: a value sets a preset, null clears it' },
);

export const TemplateUpdateSchema = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1 })),
    fields: Type.Optional(NullablePresets),
    components: Type.Optional(Nullable(Names)),
    environments: Type.Optional(Nullable(Names)),
    maxRisk: Type.Optional(Enum(riskLevels)),
  },
  {
    additionalProperties: false,
    description: 'A value sets the field, an absent key leaves it, null clears it (scope: back to any).',
  },
);

export const ChecklistSchema = Type.Object(
  {
    id: Type.String(),
    category: Type.String(),
    items: Type.Array(Type.String(), { description: 'Required items, e.g. backup-verified' }),
    description: Nullable(Type.String()),
    createdBy: Type.String(),
    createdAt: Time,
    updatedAt: Time,
  },
  { $id: 'Checklist' },
);

export const ChecklistCreateSchema = Type.Object(
  {
    category: Type.String({ minLength: 1 }),
    items: Names,
    description: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
);

export const ChecklistUpdateSchema = Type.Object(
  {
    items: Type.Optional(Names),
    description: Type.Optional(Nullable(Type.String())),
  },
  {
    additionalProperties: false,
    description: 'items replaces the required items; description null clears it.',
  },
);

export const ChangeChecklistSchema = Type.Object({
  number: Type.String(),
  category: Nullable(Type.String()),
  checklist: Nullable(ChecklistStateSchema),
});

export const ChecklistCheckSchema = Type.Object(
  { item: Type.String({ minLength: 1 }), note: Type.Optional(Nullable(Type.String())) },
  { additionalProperties: false },
);

export type TemplateDto = Static<typeof TemplateSchema>;
export type ChecklistDto = Static<typeof ChecklistSchema>;
export type ChecklistStateDto = Static<typeof ChecklistStateSchema>;
export type ChangeChecklistDto = Static<typeof ChangeChecklistSchema>;
