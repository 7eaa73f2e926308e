import {
  type ChangeFields,
  customerImpacts,
  deploymentImpacts,
  priorities,
  riskLevels,
} from './change-request.js';
import { invalidField } from './errors.js';
import { email, nullable, oneOf, rejectUnknown, requireFields, slug, text } from './validate.js';

/**
 * A promotion: the equivalent of a merged promotion pull request (DESIGN.md §4). It carries the CR
 * fields that cannot be collected automatically; the deployment that follows prepares its CR from them.
 */
export type PromotionFields = Pick<
  ChangeFields,
  | 'priority'
  | 'assignee'
  | 'description'
  | 'purpose'
  | 'impact'
  | 'customerImpact'
  | 'deploymentImpact'
  | 'backoutPlan'
  | 'risk'
>;

export const promotionFieldNames = [
  'priority',
  'assignee',
  'description',
  'purpose',
  'impact',
  'customerImpact',
  'deploymentImpact',
  'backoutPlan',
  'risk',
] as const satisfies readonly (keyof PromotionFields)[];

export interface Promotion {
  id: string;
  source: string;
  target: string;
  sourceRevisionId: string;
  targetRevisionId: string;
  include: string[];
  exclude: string[];
  fields: PromotionFields;
  /** e.g. `emergency`. */
  labels: string[];
  /** The entry names this promotion changed in the target. */
  names: string[];
  createdBy: string;
  createdAt: number;
}

/** The promotion label that makes the deployment an emergency change. */
export const emergencyLabel = 'emergency';

const optionalText = (field: string, value: unknown, max = 10_000) =>
  value === undefined || value === '' ? null : nullable(value, (v) => text(field, v, { max }));

/** Validates the promotion's CR fields; enum errors list the valid values. */
export function validatePromotionFields(input: Record<string, unknown>): PromotionFields {
  rejectUnknown(input, promotionFieldNames);
  requireFields(input, ['priority', 'assignee', 'customerImpact', 'deploymentImpact']);
  return {
    priority: oneOf('priority', input.priority, priorities),
    assignee: email('assignee', input.assignee),
    description: optionalText('description', input.description),
    purpose: optionalText('purpose', input.purpose),
    impact: optionalText('impact', input.impact),
    customerImpact: oneOf('customerImpact', input.customerImpact, customerImpacts),
    deploymentImpact: oneOf('deploymentImpact', input.deploymentImpact, deploymentImpacts),
    backoutPlan: optionalText('backoutPlan', input.backoutPlan),
    risk:
      input.risk === undefined || input.risk === null || input.risk === ''
        ? null
        : oneOf('risk', input.risk, riskLevels),
  };
}

export function validateLabels(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField('labels', 'must be a list of label names');
  return [...new Set(value.map((v, i) => slug(`labels[${i}]`, v)))];
}

export function validateGlobs(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField(field, 'must be a list of glob patterns');
  return value.map((v, i) => text(`${field}[${i}]`, v, { min: 1, max: 200 }));
}
