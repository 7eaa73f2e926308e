import { AppError, invalidField } from './errors.js';
import { distinctList } from './group.js';
import { inventoryName } from './inventory-input.js';
import { nullable, oneOf, rejectUnknown, requireFields, slug, text } from './validate.js';

/** How much an outage of a component hurts: tier1 is the most critical. */
export const criticalityTiers = ['tier1', 'tier2', 'tier3', 'tier4'] as const;
export type Criticality = (typeof criticalityTiers)[number];

/**
 * A service or component that changes are made to. Its name is the inventory entry's name, so the
 * pipeline can name the components a deployment changes; its owner group is whom approval asks first.
 */
export interface Component {
  id: string;
  tenantId: string;
  name: string;
  /** The owning group's name. */
  ownerGroup: string;
  criticality: Criticality;
  /** The environments it is deployed to; empty means all of them. */
  environments: string[];
  description: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export type ComponentFields = Pick<
  Component,
  'name' | 'ownerGroup' | 'criticality' | 'environments' | 'description'
>;
export type ComponentPatch = Partial<Omit<ComponentFields, 'name'>>;

export const componentCreateFields = [
  'name',
  'ownerGroup',
  'criticality',
  'environments',
  'description',
] as const;
export const componentUpdateFields = ['ownerGroup', 'criticality', 'environments', 'description'] as const;

const description = (value: unknown) =>
  value === undefined || value === '' ? null : nullable(value, (v) => text('description', v, { max: 500 }));
const environments = (value: unknown) =>
  value === undefined || value === null ? [] : distinctList('environments', value, slug);

/** Validates a new component; the owner group's and environments' existence is the service's to check. */
export function validateComponentCreate(input: Record<string, unknown>): ComponentFields {
  rejectUnknown(input, componentCreateFields);
  requireFields(input, ['name', 'ownerGroup', 'criticality']);
  return {
    name: inventoryName('name', input.name),
    ownerGroup: slug('ownerGroup', input.ownerGroup),
    criticality: oneOf('criticality', input.criticality, criticalityTiers),
    environments: environments(input.environments),
    description: description(input.description),
  };
}

/** Validates a PATCH: a value sets, an absent key leaves, null clears (environments: back to all). */
export function validateComponentUpdate(input: Record<string, unknown>): ComponentPatch {
  rejectUnknown(input, componentUpdateFields);
  if (Object.keys(input).length === 0)
    throw new AppError(
      'invalid_input',
      `nothing to update; give at least one of: ${componentUpdateFields.join(', ')}`,
    );
  for (const required of ['ownerGroup', 'criticality'] as const)
    if (input[required] === null) throw invalidField(required, 'is required and cannot be cleared');
  const patch: ComponentPatch = {};
  if (input.ownerGroup !== undefined) patch.ownerGroup = slug('ownerGroup', input.ownerGroup);
  if (input.criticality !== undefined)
    patch.criticality = oneOf('criticality', input.criticality, criticalityTiers);
  if ('environments' in input) patch.environments = environments(input.environments);
  if ('description' in input) patch.description = description(input.description);
  return patch;
}

/** The components a change request names: distinct component names, sorted. */
export function componentNames(field: string, value: unknown): string[] {
  return distinctList(field, value, inventoryName);
}

/**
 * Once a tenant registers components, a CR may name only those; a tenant without a registry may
 * name any, so teams can start before they catalogue their services.
 */
export function checkComponentNames(names: readonly string[], registered: readonly string[]): void {
  if (registered.length === 0) return;
  const known = new Set(registered);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length === 0) return;
  const shown = registered.slice(0, 20);
  const more = registered.length - shown.length;
  throw new AppError(
    'invalid_input',
    `components: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not registered; use one of: ${shown.join(', ')}${more > 0 ? ` (and ${more} more: changegate component list)` : ''}, or register it with changegate component create`,
    { field: 'components', unknown, validValues: registered },
  );
}
