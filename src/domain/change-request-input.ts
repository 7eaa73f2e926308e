import {
  type ChangeFields,
  type ChangeType,
  changeFieldNames,
  changeOrigins,
  changeTypes,
  customerImpacts,
  deploymentImpacts,
  priorities,
  riskLevels,
  sameFieldValue,
} from './change-request.js';
import { componentNames } from './component.js';
import { isPlainObject } from './config-shape.js';
import { AppError, invalidField } from './errors.js';
import { distinctList } from './group.js';
import {
  email,
  instant,
  nonNegativeInt,
  nullable,
  oneOf,
  rejectUnknown,
  requireFields,
  slug,
  text,
} from './validate.js';

/** Input of "create a CR", in API field names. Times may be ISO text or epoch ms. */
export type ChangeCreateInput = Record<string, unknown>;

export interface ValidChangeCreate {
  type: ChangeType;
  fields: ChangeFields;
}

const editable = changeFieldNames;

const requiredOnCreate = ['priority', 'assignee', 'customerImpact', 'deploymentImpact'] as const;
const requiredAlways: readonly string[] = ['title', 'outageMinutes', ...requiredOnCreate];

export const changeCreateFields: readonly string[] = ['type', ...editable];
export const changeUpdateFields: readonly string[] = editable;

type FieldParser = (value: unknown) => unknown;
const parsers: Record<(typeof editable)[number], FieldParser> = {
  title: (v) => text('title', v, { min: 1, max: 200 }),
  environment: (v) => text('environment', v, { min: 1, max: 63 }),
  region: (v) => text('region', v, { min: 1, max: 63 }),
  components: (v) => componentNames('components', v),
  priority: (v) => oneOf('priority', v, priorities),
  assignee: (v) => email('assignee', v),
  description: (v) => text('description', v),
  purpose: (v) => text('purpose', v),
  impact: (v) => text('impact', v),
  customerImpact: (v) => oneOf('customerImpact', v, customerImpacts),
  deploymentImpact: (v) => oneOf('deploymentImpact', v, deploymentImpacts),
  backoutPlan: (v) => text('backoutPlan', v),
  risk: (v) => oneOf('risk', v, riskLevels),
  plannedStart: (v) => instant('plannedStart', v),
  plannedEnd: (v) => instant('plannedEnd', v),
  outageMinutes: (v) => nonNegativeInt('outageMinutes', v, 525_600),
  category: (v) => slug('category', v),
  labels: (v) => distinctList('labels', v, slug),
  customFields: (v) => customFieldValues(v),
  origin: (v) => oneOf('origin', v, changeOrigins),
};

const maxCustomFieldsBytes = 16_384;

/** A JSON object; the tenant's JSON Schema for it is checked by the service, which knows the tenant. */
function customFieldValues(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value))
    throw invalidField(
      'customFields',
      'must be an object of field names to values, e.g. {"dataClass": "pii"}',
    );
  const size = JSON.stringify(value).length;
  if (size > maxCustomFieldsBytes)
    throw invalidField('customFields', `is ${size} bytes as JSON; the limit is ${maxCustomFieldsBytes}`);
  return value;
}

/** Validates a new CR; unknown fields, bad enum values and missing required fields are refused. */
export function validateChangeCreate(input: ChangeCreateInput): ValidChangeCreate {
  rejectUnknown(input, changeCreateFields);
  requireFields(input, requiredOnCreate);
  const type = input.type === undefined ? 'normal' : oneOf('type', input.type, changeTypes);
  const fields = {} as Record<string, unknown>;
  for (const key of editable) {
    const value = input[key];
    fields[key] = value === undefined || value === null ? null : parsers[key](value);
  }
  fields.outageMinutes ??= 0;
  fields.components ??= [];
  fields.labels ??= [];
  fields.customFields ??= {};
  fields.origin ??= 'internal';
  fields.title ??= defaultTitle(type, fields.environment as string | null);
  const valid = fields as unknown as ChangeFields;
  assertWindow(valid);
  return { type, fields: valid };
}

/**
 * Validates a PATCH: a value sets the field, an absent key leaves it, null clears it.
 * Required fields cannot be cleared. Returns only the keys that were present.
 */
export function validateChangeUpdate(
  input: Record<string, unknown>,
  current: ChangeFields,
): Partial<ChangeFields> {
  rejectUnknown(input, changeUpdateFields);
  if (Object.keys(input).length === 0) {
    throw new AppError(
      'invalid_input',
      `nothing to update; give at least one of: ${changeUpdateFields.join(', ')}`,
    );
  }
  const patch: Record<string, unknown> = {};
  for (const key of editable) {
    if (!(key in input)) continue;
    const value = input[key];
    if (value === null && requiredAlways.includes(key)) {
      throw invalidField(key, 'is required and cannot be cleared');
    }
    // Clearing a list or the custom fields leaves it empty: a CR always has one.
    patch[key] = value === null && key in emptyValues ? emptyValues[key] : nullable(value, parsers[key]);
  }
  assertWindow({ ...current, ...(patch as Partial<ChangeFields>) });
  return patch as Partial<ChangeFields>;
}

const emptyValues: Record<string, unknown> = {
  components: [],
  labels: [],
  customFields: {},
  origin: 'internal',
};

function assertWindow(f: Pick<ChangeFields, 'plannedStart' | 'plannedEnd'>): void {
  if (f.plannedStart !== null && f.plannedEnd !== null && f.plannedEnd <= f.plannedStart) {
    throw invalidField('plannedEnd', 'must be after plannedStart');
  }
}

function defaultTitle(type: ChangeType, environment: string | null): string {
  return environment ? `${type} change to ${environment}` : `${type} change`;
}

/** Which fields differ between two versions; the audit trail stores only these. */
export function changedFields<T extends object>(
  before: T,
  after: T,
): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (!sameFieldValue(before[key], after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}
