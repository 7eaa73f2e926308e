import { maturityCriteria } from './maturity-criteria.js';
import { type CriterionJudgement, judgeCriterion, type MaturityCriterion } from './maturity-criterion.js';
import type { MaturityFacts } from './maturity-facts.js';
import { type MaturityDimension, type MaturityLevel, maturityDimensions } from './maturity-questions.js';

export const dimensionTitles: Record<MaturityDimension, string> = {
  process: 'Process',
  risk: 'Risk management',
  metrics: 'Metrics & KPIs',
  automation: 'Automation',
  audit: 'Audit/compliance',
};

export const levelNames: Record<MaturityLevel, string> = {
  1: 'Initial',
  2: 'Managed',
  3: 'Defined',
  4: 'Quantitatively managed',
  5: 'Optimizing',
};

export interface CriterionResult {
  id: string;
  level: MaturityLevel;
  requirement: string;
  met: boolean;
  fact: string;
}

export interface UnmetCriterion extends CriterionResult {
  nextStep: string;
}

export interface DimensionAssessment {
  dimension: MaturityDimension;
  title: string;
  level: MaturityLevel;
  /** Every criterion up to and including the next level, met or not, with its fact. */
  criteria: CriterionResult[];
  /** null at level 5. */
  next: { level: MaturityLevel; unmet: UnmetCriterion[] } | null;
}

export interface MaturityAssessment {
  /** The level every dimension reaches (CMMI's staged view: the weakest dimension sets it). */
  overall: MaturityLevel;
  dimensions: DimensionAssessment[];
  /** The next steps of the dimensions holding the overall level back. */
  nextSteps: { dimension: MaturityDimension; step: string }[];
}

function result(c: MaturityCriterion, j: CriterionJudgement): CriterionResult {
  return { id: c.id, level: c.level, requirement: c.requirement, met: j.met, fact: j.fact };
}

/**
 * A dimension's level: the highest level whose criteria, and those of every level below, are all
 * met. Level 1 needs nothing. Unmet criteria of the next level come with their next step.
 */
export function assessDimension(dimension: MaturityDimension, f: MaturityFacts): DimensionAssessment {
  const judged = maturityCriteria
    .filter((c) => c.dimension === dimension)
    .map((c) => ({ c, j: judgeCriterion(c, f) }));
  let level: MaturityLevel = 1;
  for (const candidate of [2, 3, 4, 5] as const) {
    if (!judged.every(({ c, j }) => c.level !== candidate || j.met)) break;
    level = candidate;
  }
  const nextLevel = level < 5 ? ((level + 1) as MaturityLevel) : null;
  return {
    dimension,
    title: dimensionTitles[dimension],
    level,
    criteria: judged
      .filter(({ c }) => nextLevel === null || c.level <= nextLevel)
      .map(({ c, j }) => result(c, j)),
    next:
      nextLevel === null
        ? null
        : {
            level: nextLevel,
            unmet: judged
              .filter(({ c, j }) => c.level === nextLevel && !j.met)
              .map(({ c, j }) => ({ ...result(c, j), nextStep: j.nextStep })),
          },
  };
}

/** Scores the facts: a level per dimension of seed 002, the overall level, and what to do next. */
export function assessMaturity(f: MaturityFacts): MaturityAssessment {
  const dimensions = maturityDimensions.map((d) => assessDimension(d, f));
  const overall = Math.min(...dimensions.map((d) => d.level)) as MaturityLevel;
  const nextSteps = dimensions
    .filter((d) => d.level === overall && d.next)
    .flatMap((d) => (d.next?.unmet ?? []).map((u) => ({ dimension: d.dimension, step: u.nextStep })));
  return { overall, dimensions, nextSteps };
}
