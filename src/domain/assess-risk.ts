import {
  type CustomerImpact,
  type DeploymentImpact,
  type EnvironmentPurpose,
  type RiskLevel,
  riskLevels,
} from './change-request.js';
import type { Criticality } from './component.js';
import type { RiskAssessment, RiskFactor } from './risk-assessment.js';
import type { RiskModel } from './risk-model.js';

/** What the assessment looks at: the CR's fields, its components' criticality, and its history. */
export interface RiskFacts {
  customerImpact: CustomerImpact;
  deploymentImpact: DeploymentImpact;
  environmentPurpose: EnvironmentPurpose | null;
  outageMinutes: number;
  /** Its components; criticality null when the component is not registered. */
  components: { name: string; criticality: Criticality | null }[];
  /** Similar concluded changes (same component and environment, in the window); null when not looked up. */
  history: RiskHistory | null;
}

export interface RiskHistory {
  similar: number;
  failed: number;
  /** Why each failed one counts, e.g. "CHG0000012 closed unsuccessful". */
  failures: string[];
}

/** Assesses a change against the model: a level, a 0–100 score, and every factor with why. */
export function assessRisk(model: RiskModel, facts: RiskFacts, assessedAt: number): RiskAssessment {
  const rows = model.matrix.length;
  const cols = model.matrix[0]?.length ?? 1;
  const factors: RiskFactor[] = [...impactFactors(model, facts), ...likelihoodFactors(model, facts)];
  const highest = (axis: RiskFactor['axis']) =>
    Math.max(1, ...factors.filter((f) => f.axis === axis && f.factor !== 'history').map((f) => f.points));
  const history = historyFactor(model, facts);
  if (history) factors.push(history);
  const impact = Math.min(rows, highest('impact'));
  const likelihood = Math.min(cols, highest('likelihood') + (history?.points ?? 0));
  const level = model.matrix[impact - 1]?.[likelihood - 1] ?? 'critical';
  return {
    level,
    score: riskScore(level, impact, likelihood, rows, cols),
    impact,
    likelihood,
    factors,
    assessedAt,
  };
}

/**
 * Each level owns a band (low 0–24, moderate 25–49, high 50–74, critical 75–100) so a score never
 * contradicts its level; inside the band it grows with impact + likelihood.
 */
export function riskScore(
  level: RiskLevel,
  impact: number,
  likelihood: number,
  rows: number,
  cols: number,
): number {
  const k = riskLevels.indexOf(level);
  const position = (impact - 1 + (likelihood - 1)) / (rows - 1 + (cols - 1));
  return 25 * k + Math.round((k === riskLevels.length - 1 ? 25 : 24) * position);
}

function impactFactors(model: RiskModel, facts: RiskFacts): RiskFactor[] {
  const m = model.impact;
  const customer = m.customerImpact[facts.customerImpact];
  const registered = facts.components.filter((c) => c.criticality !== null) as {
    name: string;
    criticality: Criticality;
  }[];
  const worst = registered.reduce<(typeof registered)[number] | null>(
    (w, c) => (w === null || m.criticality[c.criticality] > m.criticality[w.criticality] ? c : w),
    null,
  );
  const purpose = facts.environmentPurpose;
  return [
    {
      factor: 'customerImpact',
      axis: 'impact',
      value: facts.customerImpact,
      points: customer,
      explanation: `customer impact ${facts.customerImpact}: impact ${customer}`,
    },
    worst
      ? {
          factor: 'criticality',
          axis: 'impact',
          value: `${worst.criticality} (${worst.name})`,
          points: m.criticality[worst.criticality],
          explanation: `most critical component ${worst.name} is ${worst.criticality}: impact ${m.criticality[worst.criticality]}`,
        }
      : {
          factor: 'criticality',
          axis: 'impact',
          value: 'none',
          points: 0,
          explanation:
            facts.components.length === 0
              ? 'names no components: criticality not counted'
              : 'none of its components is registered: criticality not counted',
        },
    purpose
      ? {
          factor: 'environmentPurpose',
          axis: 'impact',
          value: purpose,
          points: m.environmentPurpose[purpose],
          explanation: `${purpose} environment: impact ${m.environmentPurpose[purpose]}`,
        }
      : {
          factor: 'environmentPurpose',
          axis: 'impact',
          value: 'none',
          points: 0,
          explanation: 'no environment: not counted',
        },
  ];
}

function likelihoodFactors(model: RiskModel, facts: RiskFacts): RiskFactor[] {
  const m = model.likelihood;
  const size = m.deploymentImpact[facts.deploymentImpact];
  const outage = facts.outageMinutes > 0 ? m.outage.any : m.outage.none;
  const count = facts.components.length;
  const step = m.components.find((s) => count >= s.atLeast);
  const componentPoints = step?.points ?? 1;
  return [
    {
      factor: 'deploymentImpact',
      axis: 'likelihood',
      value: facts.deploymentImpact,
      points: size,
      explanation: `${facts.deploymentImpact} deployment: likelihood ${size}`,
    },
    {
      factor: 'outage',
      axis: 'likelihood',
      value: facts.outageMinutes > 0 ? `${facts.outageMinutes} minutes` : 'none',
      points: outage,
      explanation: `${facts.outageMinutes > 0 ? `${facts.outageMinutes} minutes of outage` : 'no outage'}: likelihood ${outage}`,
    },
    {
      factor: 'components',
      axis: 'likelihood',
      value: String(count),
      points: componentPoints,
      explanation: step
        ? `${count} components (at least ${step.atLeast}): likelihood ${componentPoints}`
        : `${count} component${count === 1 ? '' : 's'}: likelihood ${componentPoints}`,
    },
  ];
}

function historyFactor(model: RiskModel, facts: RiskFacts): RiskFactor | null {
  const rule = model.history;
  if (!rule) return null;
  const h = facts.history;
  const base = { factor: 'history', axis: 'likelihood' as const };
  if (h === null)
    return {
      ...base,
      value: 'none',
      points: 0,
      explanation: 'no environment or no components: no similar changes to learn from',
    };
  const value = `${h.failed} of ${h.similar} failed`;
  const where = `similar changes (same component and environment) in the last ${rule.window}`;
  if (h.similar < rule.minChanges)
    return {
      ...base,
      value,
      points: 0,
      explanation: `${h.similar} ${where}; fewer than ${rule.minChanges}, so the history says nothing`,
    };
  const rate = h.failed / h.similar;
  const step = rule.raiseBy.find((r) => rate >= r.failureRate);
  const percent = `${Math.round(rate * 100)}%`;
  const why = h.failures.length
    ? ` (${h.failures.slice(0, 5).join('; ')}${h.failures.length > 5 ? '; …' : ''})`
    : '';
  return {
    ...base,
    value,
    points: step?.points ?? 0,
    explanation: step
      ? `${value} ${where}, ${percent} ≥ ${Math.round(step.failureRate * 100)}%: likelihood +${step.points}${why}`
      : `${value} ${where}, ${percent}: below every raiseBy rate, no raise${why}`,
  };
}

/** The inputs of an assessment that a CR edit can change; editing anything else keeps it. */
export const riskInputFields = [
  'customerImpact',
  'deploymentImpact',
  'environment',
  'outageMinutes',
  'components',
] as const;
