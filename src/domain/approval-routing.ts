import picomatch from 'picomatch';
import type { ApprovalPolicy, FieldValue, PolicyRule, PolicyStep } from './approval-policy.js';
import { ownersGroup } from './approval-policy.js';
import { type ChangeType, type EnvironmentPurpose, type RiskLevel, riskLevels } from './change-request.js';
import { type Criticality, criticalityTiers } from './component.js';
import type { RuleOutcome } from './policy-decision.js';

/**
 * Routing a change through the approval policy (docs/approval-policy.md): every rule is evaluated and
 * explained condition by condition; the steps of the rules that match, in rule order, make the chain.
 * Pure and fast: glob matchers are compiled once per policy object.
 */

/** What a rule can look at: the change's fields and its components as the registry knows them. */
export interface RoutingFacts {
  type: ChangeType;
  environment: string | null;
  environmentPurpose: EnvironmentPurpose | null;
  /** The effective risk (declared or assessed, the higher). */
  risk: RiskLevel | null;
  /** Owner group and criticality are null for components the registry does not know. */
  components: { name: string; ownerGroup: string | null; criticality: Criticality | null }[];
  labels: string[];
  category: string | null;
  customFields: Record<string, unknown>;
}

/** One step of a chain to build. */
export interface StepSpec {
  /** The rules that asked for it: several when steps for the same group were merged. */
  rules: string[];
  name: string;
  group: string;
  required: number;
  dualControl: boolean;
  slaMs: number | null;
  escalateTo: string[];
}

export interface Routing {
  rules: RuleOutcome[];
  steps: StepSpec[];
}

interface CompiledRule {
  rule: PolicyRule;
  components: ((name: string) => boolean) | null;
}

const compiled = new WeakMap<ApprovalPolicy, CompiledRule[]>();

function compile(policy: ApprovalPolicy): CompiledRule[] {
  let rules = compiled.get(policy);
  if (!rules) {
    rules = policy.rules.map((rule) => ({
      rule,
      components: rule.when.components ? globMatcher(rule.when.components) : null,
    }));
    compiled.set(policy, rules);
  }
  return rules;
}

/** One regular expression per glob, tested directly: picomatch's own matcher is several times slower per call. */
function globMatcher(globs: string[]): (name: string) => boolean {
  const patterns = globs.map((g) => picomatch.makeRe(g));
  return (name) => patterns.some((re) => re.test(name));
}

/** Evaluates every rule against the facts and builds the chain of the matching ones (duplicates merged). */
export function routeChange(policy: ApprovalPolicy | null, facts: RoutingFacts): Routing {
  if (policy === null) return { rules: [], steps: [] };
  const outcomes: RuleOutcome[] = [];
  const steps: StepSpec[] = [];
  const byGroup = new Map<string, StepSpec>();
  const owners = ownerGroups(facts);
  for (const c of compile(policy)) {
    const checks = explainConditions(c, facts);
    const matched = checks.every((check) => check.holds);
    const reasons = checks.map((check) => check.reason);
    const added: string[] = [];
    if (matched) {
      for (const step of c.rule.steps) {
        const groups = step.group === ownersGroup ? owners : [step.group];
        if (step.group === ownersGroup && groups.length === 0)
          reasons.push(
            `step ${step.name}: no registered component of the change has an owner group, so it adds no step`,
          );
        for (const group of groups) {
          const merged = mergeStep(byGroup, steps, c.rule.name, step, group);
          added.push(`${step.name} (${group})`);
          if (merged)
            reasons.push(
              `step ${step.name} (${group}) merged into the earlier ${group} step of rule ${merged}: ${group} approves once, with the stricter count, dual control and SLA`,
            );
        }
      }
    }
    outcomes.push({
      rule: c.rule.name,
      matched,
      reasons,
      steps: added,
      autoApprovable: c.rule.autoApprovable,
    });
  }
  return { rules: outcomes, steps };
}

/** The distinct owner groups of the change's registered components, sorted. */
function ownerGroups(facts: RoutingFacts): string[] {
  const groups = new Set<string>();
  for (const c of facts.components) if (c.ownerGroup !== null) groups.add(c.ownerGroup);
  return [...groups].sort();
}

/**
 * Adds a step for `group`, or folds it into the step already there for that group: one person counts
 * once per change, so asking the same group twice would demand people it may not have. Returns the
 * rule of the earlier step when merged.
 */
function mergeStep(
  byGroup: Map<string, StepSpec>,
  steps: StepSpec[],
  rule: string,
  step: PolicyStep,
  group: string,
): string | null {
  const earlier = byGroup.get(group);
  if (!earlier) {
    const spec: StepSpec = {
      rules: [rule],
      name: step.name,
      group,
      required: step.required,
      dualControl: step.dualControl,
      slaMs: step.slaMs,
      escalateTo: [...step.escalateTo],
    };
    byGroup.set(group, spec);
    steps.push(spec);
    return null;
  }
  const first = earlier.rules[0] as string;
  if (!earlier.rules.includes(rule)) earlier.rules.push(rule);
  earlier.required = Math.max(earlier.required, step.required);
  earlier.dualControl ||= step.dualControl;
  if (step.slaMs !== null)
    earlier.slaMs = earlier.slaMs === null ? step.slaMs : Math.min(earlier.slaMs, step.slaMs);
  for (const g of step.escalateTo) if (!earlier.escalateTo.includes(g)) earlier.escalateTo.push(g);
  return first;
}

interface Check {
  holds: boolean;
  reason: string;
}

function explainConditions({ rule, components }: CompiledRule, facts: RoutingFacts): Check[] {
  const w = rule.when;
  const checks: Check[] = [];
  if (w.types) checks.push(oneOfCheck('type', facts.type, w.types));
  if (w.environmentPurposes)
    checks.push(oneOfCheck('environment purpose', facts.environmentPurpose, w.environmentPurposes));
  if (w.environments) checks.push(oneOfCheck('environment', facts.environment, w.environments));
  if (w.risk) checks.push(riskCheck(facts.risk, w.risk));
  if (components && w.components) checks.push(componentCheck(facts, components, w.components));
  if (w.criticality) checks.push(criticalityCheck(facts, w.criticality));
  if (w.labels) checks.push(labelCheck(facts.labels, w.labels));
  if (w.categories) checks.push(oneOfCheck('category', facts.category, w.categories));
  for (const [name, values] of Object.entries(w.fields ?? {}))
    checks.push(fieldCheck(name, facts.customFields[name], values));
  if (checks.length === 0) checks.push({ holds: true, reason: 'no conditions: every change matches' });
  return checks;
}

function oneOfCheck(what: string, value: string | null, valid: readonly string[]): Check {
  const list = valid.join(', ');
  if (value === null) return { holds: false, reason: `no ${what} (rule wants ${list})` };
  return valid.includes(value)
    ? { holds: true, reason: `${what} ${value} is one of ${list}` }
    : { holds: false, reason: `${what} ${value} is not one of ${list}` };
}

function riskCheck(risk: RiskLevel | null, floor: RiskLevel): Check {
  if (risk === null)
    return { holds: false, reason: `risk unknown (none declared or assessed), not ≥ ${floor}` };
  return riskLevels.indexOf(risk) >= riskLevels.indexOf(floor)
    ? { holds: true, reason: `risk ${risk} ≥ ${floor}` }
    : { holds: false, reason: `risk ${risk} < ${floor}` };
}

function componentCheck(facts: RoutingFacts, matches: (name: string) => boolean, globs: string[]): Check {
  const list = globs.join(', ');
  const hit = facts.components.find((c) => matches(c.name));
  return hit
    ? { holds: true, reason: `component ${hit.name} matches ${list}` }
    : { holds: false, reason: `no component matches ${list}` };
}

function criticalityCheck(facts: RoutingFacts, floor: Criticality): Check {
  const rank = (t: Criticality) => criticalityTiers.indexOf(t);
  let most: { name: string; criticality: Criticality } | null = null;
  for (const c of facts.components)
    if (c.criticality !== null && (most === null || rank(c.criticality) < rank(most.criticality)))
      most = { name: c.name, criticality: c.criticality };
  if (most === null)
    return { holds: false, reason: `no registered component, so none is at least ${floor} critical` };
  return rank(most.criticality) <= rank(floor)
    ? { holds: true, reason: `component ${most.name} is ${most.criticality}, at least ${floor}` }
    : {
        holds: false,
        reason: `no component is at least ${floor} (most critical: ${most.name}, ${most.criticality})`,
      };
}

function labelCheck(labels: string[], wanted: string[]): Check {
  const hit = wanted.find((l) => labels.includes(l));
  return hit
    ? { holds: true, reason: `label ${hit} present` }
    : { holds: false, reason: `none of the labels ${wanted.join(', ')}` };
}

function fieldCheck(name: string, value: unknown, valid: FieldValue[]): Check {
  const list = valid.map(String).join(', ');
  if (value === undefined || value === null)
    return { holds: false, reason: `field ${name} not set (rule wants ${list})` };
  const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return valid.some((v) => v === value)
    ? { holds: true, reason: `field ${name} = ${shown}, one of ${list}` }
    : { holds: false, reason: `field ${name} = ${shown}, not one of ${list}` };
}

/** Whether the matched rules let a ready pipeline deployment stand in for their steps: all of them must. */
export function rulesAllowAutoApproval(rules: RuleOutcome[]): boolean {
  return rules.every((r) => !r.matched || r.autoApprovable);
}

/** One line per rule, for the auto-approval explanation and the pipeline's comment. */
export function ruleLines(rules: RuleOutcome[]): string[] {
  return rules.map((r) =>
    r.matched
      ? `rule ${r.rule}: matched (${r.reasons.join('; ')}), ${r.autoApprovable ? 'auto-approvable' : 'not auto-approvable: needs its approvers'}`
      : `rule ${r.rule}: not matched (${r.reasons.join('; ')})`,
  );
}
