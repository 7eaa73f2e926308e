import parseDuration from 'parse-duration';
import {
  type ChangeType,
  changeTypes,
  type EnvironmentPurpose,
  environmentPurposes,
  type RiskLevel,
  riskLevels,
} from './change-request.js';
import { type Criticality, criticalityTiers } from './component.js';
import { absent, boolean, describe, mapping, onlyKeys, sequence } from './config-shape.js';
import { invalidField } from './errors.js';
import { oneOf, slug, text } from './validate.js';

/**
 * The tenant's approval policy (`approvalPolicy` in changegate.yaml, docs/approval-policy.md): ordered
 * rules whose conditions select changes and whose steps build the change's approval chain. Parsed
 * strictly like the rest of the configuration: an unknown key is refused, every error names its path.
 */

/** A step's group that stands for "one step per owner group of the change's components". */
export const ownersGroup = '$owners';

export interface RuleConditions {
  types?: ChangeType[];
  environmentPurposes?: EnvironmentPurpose[];
  environments?: string[];
  /** Effective risk at least this. */
  risk?: RiskLevel;
  /** Picomatch globs; some component of the change matches one. */
  components?: string[];
  /** Some registered component of the change is at least this critical (tier1 is the most). */
  criticality?: Criticality;
  /** The change carries any of these labels. */
  labels?: string[];
  categories?: string[];
  /** Custom field name → the values it may equal. */
  fields?: Record<string, FieldValue[]>;
}

export type FieldValue = string | number | boolean;

export interface PolicyStep {
  name: string;
  /** A group name, or `$owners`. */
  group: string;
  required: number;
  dualControl: boolean;
  /** How long the step may stay unanswered before it escalates; null: no SLA. */
  slaMs: number | null;
  /** Groups reached one by one each time the SLA runs out. */
  escalateTo: string[];
}

export interface PolicyRule {
  name: string;
  when: RuleConditions;
  /** A ready pipeline deployment within the auto-approval limit stands in for this rule's steps. */
  autoApprovable: boolean;
  steps: PolicyStep[];
}

export interface ApprovalPolicy {
  rules: PolicyRule[];
}

export const approvalPolicyKeys = ['rules'] as const;
export const policyRuleKeys = ['name', 'when', 'autoApprovable', 'steps'] as const;
export const ruleConditionKeys = [
  'types',
  'environmentPurposes',
  'environments',
  'risk',
  'components',
  'criticality',
  'labels',
  'categories',
  'fields',
] as const;
export const policyStepKeys = ['name', 'group', 'required', 'dualControl', 'sla', 'escalateTo'] as const;

const maxRules = 1_000;
const maxSteps = 20;
const maxRequired = 50;
const maxListItems = 200;

/** Parses `approvalPolicy`; absent or empty is no policy (null). `path` prefixes every error. */
export function parseApprovalPolicy(value: unknown, path = 'approvalPolicy'): ApprovalPolicy | null {
  if (absent(value)) return null;
  const root = mapping(path, value);
  onlyKeys(path, root, approvalPolicyKeys);
  if (absent(root.rules)) return { rules: [] };
  const list = sequence(`${path}.rules`, root.rules, 'a list of rules (- name: owners …)');
  if (list.length > maxRules)
    throw invalidField(`${path}.rules`, `has ${list.length} rules; the limit is ${maxRules}`);
  const seen = new Map<string, number>();
  const rules = list.map((item, i) => {
    const rule = parseRule(`${path}.rules[${i}]`, item);
    const previous = seen.get(rule.name);
    if (previous !== undefined)
      throw invalidField(
        `${path}.rules[${i}].name`,
        `'${rule.name}' is already used by ${path}.rules[${previous}]; rule names must be unique`,
      );
    seen.set(rule.name, i);
    return rule;
  });
  return { rules };
}

function parseRule(path: string, value: unknown): PolicyRule {
  const rule = mapping(path, value);
  onlyKeys(path, rule, policyRuleKeys);
  if (absent(rule.name))
    throw invalidField(`${path}.name`, 'is required (a slug such as owners-in-production)');
  const name = slug(`${path}.name`, rule.name);
  if (absent(rule.steps))
    throw invalidField(`${path}.steps`, 'is required: the approval steps this rule adds (- group: cab …)');
  const list = sequence(`${path}.steps`, rule.steps, 'a list of steps (- group: cab …)');
  if (list.length === 0) throw invalidField(`${path}.steps`, 'must list at least one step');
  if (list.length > maxSteps)
    throw invalidField(`${path}.steps`, `has ${list.length} steps; the limit is ${maxSteps}`);
  const steps = list.map((s, i) => parseStep(`${path}.steps[${i}]`, s));
  steps.forEach((step, i) => {
    const first = steps.findIndex((s) => s.name === step.name);
    if (first !== i)
      throw invalidField(
        `${path}.steps[${i}].name`,
        `'${step.name}' is already used by ${path}.steps[${first}]; step names must be unique within a rule`,
      );
  });
  return {
    name,
    when: parseConditions(`${path}.when`, rule.when),
    autoApprovable: absent(rule.autoApprovable)
      ? false
      : boolean(`${path}.autoApprovable`, rule.autoApprovable),
    steps,
  };
}

function parseConditions(path: string, value: unknown): RuleConditions {
  if (absent(value)) return {};
  const when = mapping(path, value);
  onlyKeys(path, when, ruleConditionKeys);
  const c: RuleConditions = {};
  const at = (key: string) => `${path}.${key}`;
  if (!absent(when.types)) c.types = list(at('types'), when.types, (f, v) => oneOf(f, v, changeTypes));
  if (!absent(when.environmentPurposes))
    c.environmentPurposes = list(at('environmentPurposes'), when.environmentPurposes, (f, v) =>
      oneOf(f, v, environmentPurposes),
    );
  if (!absent(when.environments)) c.environments = list(at('environments'), when.environments, slug);
  if (!absent(when.risk)) c.risk = oneOf(at('risk'), when.risk, riskLevels);
  if (!absent(when.components))
    c.components = list(at('components'), when.components, (f, v) => text(f, v, { min: 1, max: 200 }));
  if (!absent(when.criticality)) c.criticality = oneOf(at('criticality'), when.criticality, criticalityTiers);
  if (!absent(when.labels)) c.labels = list(at('labels'), when.labels, slug);
  if (!absent(when.categories)) c.categories = list(at('categories'), when.categories, slug);
  if (!absent(when.fields)) c.fields = parseFields(at('fields'), when.fields);
  return c;
}

function parseFields(path: string, value: unknown): Record<string, FieldValue[]> {
  const fields = mapping(path, value);
  const out: Record<string, FieldValue[]> = {};
  for (const [name, values] of Object.entries(fields)) {
    const field = `${path}.${name}`;
    if (!/^[A-Za-z_][\w-]{0,63}$/.test(name))
      throw invalidField(
        field,
        'is not a custom field name (letters, digits, _ and -, starting with a letter)',
      );
    const given = Array.isArray(values) ? values : [values];
    out[name] = list(field, given, (f, v) => {
      if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
        return v;
      throw invalidField(f, `must be a text, number or true/false to compare with, not ${describe(v)}`);
    });
  }
  return out;
}

function parseStep(path: string, value: unknown): PolicyStep {
  const step = mapping(path, value);
  onlyKeys(path, step, policyStepKeys);
  if (absent(step.group))
    throw invalidField(`${path}.group`, `is required: a group name (e.g. cab) or ${ownersGroup}`);
  const group = step.group === ownersGroup ? ownersGroup : slug(`${path}.group`, step.group);
  const name = absent(step.name)
    ? group === ownersGroup
      ? 'owners'
      : group
    : slug(`${path}.name`, step.name);
  const required = absent(step.required) ? 1 : count(`${path}.required`, step.required);
  const dualControl = absent(step.dualControl) ? false : boolean(`${path}.dualControl`, step.dualControl);
  const slaMs = absent(step.sla) ? null : duration(`${path}.sla`, step.sla);
  const escalateTo = absent(step.escalateTo) ? [] : list(`${path}.escalateTo`, step.escalateTo, slug);
  if (escalateTo.length > 0 && slaMs === null)
    throw invalidField(
      `${path}.escalateTo`,
      'needs an sla: a step escalates when its SLA runs out (add e.g. sla: 4h)',
    );
  const own = escalateTo.indexOf(group);
  if (own >= 0)
    throw invalidField(
      `${path}.escalateTo[${own}]`,
      `'${group}' is the step's own group; escalate to another`,
    );
  // Dual control means two distinct people at least, whatever count was written.
  return {
    name,
    group,
    required: dualControl ? Math.max(required, 2) : required,
    dualControl,
    slaMs,
    escalateTo,
  };
}

function count(path: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= maxRequired)
    return value;
  throw invalidField(path, `must be a whole number from 1 to ${maxRequired}, not ${describe(value)}`);
}

const minSlaMs = 60_000;

/** An SLA such as 30m, 4h or 2d (parse-duration); at least a minute, so a typo cannot page every few ms. */
function duration(path: string, value: unknown): number {
  const given = typeof value === 'string' ? value.trim() : '';
  const ms = given !== '' && !/^\d+(\.\d+)?$/.test(given) ? parseDuration(given) : null;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw invalidField(path, `must be a duration with a unit such as 30m, 4h or 2d, not ${describe(value)}`);
  if (ms < minSlaMs) throw invalidField(path, `'${given}' is shorter than the minimum of 1m`);
  return Math.round(ms);
}

/** A non-empty list of distinct items, each checked by `item` with its own path. */
function list<T>(path: string, value: unknown, item: (path: string, value: unknown) => T): T[] {
  const items = sequence(path, value, 'a list');
  if (items.length === 0)
    throw invalidField(path, 'must list at least one value (leave the key out for any)');
  if (items.length > maxListItems)
    throw invalidField(path, `has ${items.length} values; the limit is ${maxListItems}`);
  const parsed = items.map((v, i) => item(`${path}[${i}]`, v));
  parsed.forEach((v, i) => {
    if (parsed.indexOf(v) !== i) throw invalidField(`${path}[${i}]`, `'${String(v)}' is listed twice`);
  });
  return parsed;
}

/** A step's SLA as people write it: 90m → 1h30m, 2d → 2d. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  let rest = ms;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('') || '0s';
}

/** One line per rule for `policy show` and `config show`. */
export function describeApprovalPolicy(policy: ApprovalPolicy | null): string[] {
  if (policy === null || policy.rules.length === 0)
    return ['approval policy: none (one approval by anyone whose role may approve)'];
  return [
    `approval policy: ${policy.rules.length} rule${policy.rules.length === 1 ? '' : 's'}`,
    ...policy.rules.map(
      (r) =>
        `  ${r.name}${r.autoApprovable ? ' (auto-approvable)' : ''}: ${describeConditions(r.when)} → ${r.steps.map(describeStep).join(' → ')}`,
    ),
  ];
}

export function describeConditions(when: RuleConditions): string {
  const parts: string[] = [];
  if (when.types) parts.push(`type ${when.types.join('|')}`);
  if (when.environmentPurposes) parts.push(`purpose ${when.environmentPurposes.join('|')}`);
  if (when.environments) parts.push(`environment ${when.environments.join('|')}`);
  if (when.risk) parts.push(`risk ≥ ${when.risk}`);
  if (when.components) parts.push(`component ${when.components.join('|')}`);
  if (when.criticality) parts.push(`criticality ≥ ${when.criticality}`);
  if (when.labels) parts.push(`label ${when.labels.join('|')}`);
  if (when.categories) parts.push(`category ${when.categories.join('|')}`);
  for (const [name, values] of Object.entries(when.fields ?? {})) parts.push(`${name} ${values.join('|')}`);
  return parts.length === 0 ? 'every change' : parts.join(', ');
}

export function describeStep(s: PolicyStep): string {
  const extras = [
    s.dualControl ? 'dual control' : '',
    s.slaMs === null ? '' : `sla ${formatDuration(s.slaMs)}`,
    s.escalateTo.length ? `then ${s.escalateTo.join(', ')}` : '',
  ].filter(Boolean);
  return `${s.name} (${s.group}, ${s.required} required${extras.length ? `, ${extras.join(', ')}` : ''})`;
}
