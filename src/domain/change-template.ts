import {
  type ChangeFields,
  customerImpacts,
  deploymentImpacts,
  priorities,
  type RiskLevel,
  riskLevels,
} from './change-request.js';
import { componentNames } from './component.js';
import { AppError, invalidField } from './errors.js';
import { distinctList } from './group.js';
import { oneOf, rejectUnknown, requireFields, slug, text } from './validate.js';

/** The CR fields a standard change template fills in; explicit fields of the CR override them. */
export type TemplatePresets = {
  [K in
    | 'priority'
    | 'customerImpact'
    | 'deploymentImpact'
    | 'description'
    | 'backoutPlan'
    | 'risk']?: NonNullable<ChangeFields[K]>;
};

export const templatePresetNames = [
  'priority',
  'customerImpact',
  'deploymentImpact',
  'description',
  'backoutPlan',
  'risk',
] as const satisfies readonly (keyof TemplatePresets)[];

/**
 * A standard change template: a pre-approved kind of change. A CR created from it inside its scope
 * (environments, components, maximum risk; an empty list means any) is approved without a human.
 */
export interface ChangeTemplate {
  id: string;
  tenantId: string;
  name: string;
  /** The CR title; `{environment}`, `{components}` and `{template}` are filled in. */
  title: string;
  presets: TemplatePresets;
  components: string[];
  environments: string[];
  maxRisk: RiskLevel;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export type TemplateFields = Pick<
  ChangeTemplate,
  'name' | 'title' | 'presets' | 'components' | 'environments' | 'maxRisk'
>;

export const templateCreateFields = [
  'name',
  'title',
  'fields',
  'components',
  'environments',
  'maxRisk',
] as const;

const presetParsers: Record<(typeof templatePresetNames)[number], (v: unknown) => unknown> = {
  priority: (v) => oneOf('fields.priority', v, priorities),
  customerImpact: (v) => oneOf('fields.customerImpact', v, customerImpacts),
  deploymentImpact: (v) => oneOf('fields.deploymentImpact', v, deploymentImpacts),
  description: (v) => text('fields.description', v),
  backoutPlan: (v) => text('fields.backoutPlan', v),
  risk: (v) => oneOf('fields.risk', v, riskLevels),
};

/** Validates a new template; the environments' existence is the service's to check. */
export function validateTemplateCreate(input: Record<string, unknown>): TemplateFields {
  rejectUnknown(input, templateCreateFields);
  requireFields(input, ['name', 'title', 'maxRisk']);
  const presets = withoutCleared(presetsPatch(input.fields ?? {}));
  const maxRisk = oneOf('maxRisk', input.maxRisk, riskLevels);
  checkPresetRisk(presets, maxRisk);
  return {
    name: slug('name', input.name),
    title: templateTitle(input.title),
    presets,
    components: scopeComponents(input.components),
    environments: scopeEnvironments(input.environments),
    maxRisk,
  };
}

/** A PATCH of a template: `presets` holds only the presets given, null clearing one. */
export type TemplatePatch = Partial<Omit<TemplateFields, 'name' | 'presets'>> & {
  presets?: { [K in keyof TemplatePresets]?: TemplatePresets[K] | null };
};

export const templateUpdateFields = ['title', 'fields', 'components', 'environments', 'maxRisk'] as const;

/**
 * Validates a PATCH of a template: a value sets, an absent key leaves, null clears (components and
 * environments: back to any). `fields` is merged key by key: a preset given sets it, null clears it.
 */
export function validateTemplateUpdate(input: Record<string, unknown>): TemplatePatch {
  rejectUnknown(input, templateUpdateFields);
  if (Object.keys(input).length === 0)
    throw new AppError(
      'invalid_input',
      `nothing to update; give at least one of: ${templateUpdateFields.join(', ')}`,
    );
  for (const required of ['title', 'maxRisk'] as const)
    if (input[required] === null) throw invalidField(required, 'is required and cannot be cleared');
  const patch: TemplatePatch = {};
  if (input.title !== undefined) patch.title = templateTitle(input.title);
  if (input.fields !== undefined) patch.presets = presetsPatch(input.fields ?? {});
  if ('components' in input) patch.components = scopeComponents(input.components);
  if ('environments' in input) patch.environments = scopeEnvironments(input.environments);
  if (input.maxRisk !== undefined) patch.maxRisk = oneOf('maxRisk', input.maxRisk, riskLevels);
  return patch;
}

/** The template a PATCH makes; refused when its preset risk would exceed its maximum. */
export function patchTemplate<T extends TemplateFields>(template: T, patch: TemplatePatch): T {
  const { presets: changes, ...rest } = patch;
  const presets = withoutCleared({ ...template.presets, ...changes });
  const updated = { ...template, ...rest, presets };
  checkPresetRisk(presets, updated.maxRisk);
  return updated;
}

const templateTitle = (value: unknown) => text('title', value, { min: 1, max: 200 });
const scopeComponents = (value: unknown) => (value == null ? [] : componentNames('components', value));
const scopeEnvironments = (value: unknown) =>
  value == null ? [] : distinctList('environments', value, slug);

function presetsPatch(value: unknown): NonNullable<TemplatePatch['presets']> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidField('fields', 'must be an object of CR fields');
  const raw = value as Record<string, unknown>;
  rejectUnknown(raw, templatePresetNames);
  const presets: Record<string, unknown> = {};
  for (const key of templatePresetNames)
    if (raw[key] !== undefined) presets[key] = raw[key] === null ? null : presetParsers[key](raw[key]);
  return presets as NonNullable<TemplatePatch['presets']>;
}

function withoutCleared(presets: NonNullable<TemplatePatch['presets']>): TemplatePresets {
  return Object.fromEntries(Object.entries(presets).filter(([, v]) => v !== null)) as TemplatePresets;
}

function checkPresetRisk(presets: TemplatePresets, maxRisk: RiskLevel): void {
  if (presets.risk && riskRank(presets.risk) > riskRank(maxRisk))
    throw invalidField('fields.risk', `'${presets.risk}' is above the template's maxRisk '${maxRisk}'`);
}

const riskRank = (r: RiskLevel) => riskLevels.indexOf(r);

/** The CR create input a template gives: its presets and title, overridden by what the caller gave. */
export function applyTemplate(
  template: ChangeTemplate,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null));
  const environment = typeof given.environment === 'string' ? given.environment : '';
  const components = Array.isArray(given.components) ? given.components.join(', ') : '';
  const title = template.title
    .replaceAll('{environment}', environment)
    .replaceAll('{components}', components)
    .replaceAll('{template}', template.name)
    .slice(0, 200);
  return { ...template.presets, title, ...given, type: 'standard' };
}

/**
 * Why a CR's environment, components and risk fall outside a template's scope: one reason each,
 * naming what the template allows. Empty: inside the scope.
 */
export function templateScopeViolations(
  template: Pick<ChangeTemplate, 'environments' | 'components' | 'maxRisk'>,
  cr: Pick<ChangeFields, 'environment' | 'components' | 'risk'>,
): string[] {
  const reasons: string[] = [];
  if (template.environments.length > 0) {
    const allowed = `the template allows ${template.environments.join(', ')}`;
    if (cr.environment === null) reasons.push(`no environment is given; ${allowed}`);
    else if (!template.environments.includes(cr.environment))
      reasons.push(`environment '${cr.environment}' is outside its scope; ${allowed}`);
  }
  if (template.components.length > 0) {
    const allowed = `the template allows ${template.components.join(', ')}`;
    const outside = cr.components.filter((c) => !template.components.includes(c));
    if (cr.components.length === 0) reasons.push(`no components are named (that means all); ${allowed}`);
    else if (outside.length > 0)
      reasons.push(
        `component${outside.length > 1 ? 's' : ''} ${outside.map((c) => `'${c}'`).join(', ')} ${outside.length > 1 ? 'are' : 'is'} outside its scope; ${allowed}`,
      );
  }
  if (cr.risk === null)
    reasons.push(`no risk is given; the template allows risk up to '${template.maxRisk}'`);
  else if (riskRank(cr.risk) > riskRank(template.maxRisk))
    reasons.push(`risk '${cr.risk}' is above the template's maximum '${template.maxRisk}'`);
  return reasons;
}

/** The refusal of a CR outside its template's scope. */
export function outsideTemplateScope(templateName: string, reasons: string[]): AppError {
  return new AppError(
    'invalid_input',
    `template '${templateName}' does not cover this change: ${reasons.join('; ')}. Change the fields to fit the template, or create a normal change request without --template`,
    { field: 'template', template: templateName, reasons },
  );
}
