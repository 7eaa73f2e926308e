import { type MaturityFacts, pct } from './maturity-facts.js';
import {
  type MaturityDimension,
  type MaturityLevel,
  type MaturityQuestionId,
  maturityQuestions,
} from './maturity-questions.js';

/** What a criterion's texts may quote besides the facts: the measurement and its threshold, as printed. */
export interface Measured {
  /** A share as "31% (62 of 200)", a count as its number; empty for a condition or an answer. */
  value: string;
  /** The threshold: "90%" for a share, "10" for a count; empty for a condition or an answer. */
  target: string;
}

type Text<M = Measured> = string | ((f: MaturityFacts, m: M) => string);

/** What is measured, and the threshold it must reach. */
type Measure =
  /** A count reaching `atLeast`. */
  | { count: (f: MaturityFacts) => number; atLeast: number }
  /** A share (part of whole) reaching `atLeast`; `whenNone` judges an empty whole. */
  | ({ share: (f: MaturityFacts) => readonly [part: number, whole: number]; atLeast: number } & WhenNone)
  /** A condition over the facts (a configuration in force, a comparison). */
  | { holds: (f: MaturityFacts) => boolean }
  /** A questionnaire answer being yes. */
  | { answer: MaturityQuestionId };

/**
 * What a share of nothing means (docs/maturity.md): `not-applicable` where an empty population leaves
 * nothing to do (no emergency change, nothing to approve retrospectively), met with `notApplicable` as
 * its fact; `not-met` where the empty population is itself the gap (no production change at all shows
 * no practice).
 */
type WhenNone = { whenNone: 'not-met' } | { whenNone: 'not-applicable'; notApplicable: Text };

/**
 * One row of the criteria table: per dimension of seed 002, what a level from 2 to 5 requires, what is
 * measured against which threshold, the fact it rests on with its numbers, and the next step to take
 * when it is unmet, naming what was measured.
 */
export type MaturityCriterion = {
  id: string;
  dimension: MaturityDimension;
  level: Exclude<MaturityLevel, 1>;
  /** What the level asks, as the seed words it. */
  requirement: string;
  /** A precondition besides the measure (a configuration in force); unmet when false. */
  requires?: (f: MaturityFacts) => boolean;
  /** The measured fact, with its numbers. */
  fact: Text;
  /** What to do, specific to the measurement; shown only when unmet. */
  nextStep: Text<Measured & { fact: string }>;
} & Measure;

export interface CriterionJudgement {
  met: boolean;
  fact: string;
  nextStep: string;
}

/** "90%" */
export const percent = (x: number) => `${Math.round(x * 100)}%`;

function say<M>(text: Text<M>, f: MaturityFacts, m: M): string {
  return typeof text === 'string' ? text : text(f, m);
}

type Measurement = Measured & { met: boolean; notApplicable: boolean };

function measure(c: MaturityCriterion, f: MaturityFacts): Measurement {
  if ('count' in c) {
    const n = c.count(f);
    return { met: n >= c.atLeast, notApplicable: false, value: String(n), target: String(c.atLeast) };
  }
  if ('share' in c) {
    const [part, whole] = c.share(f);
    const notApplicable = whole === 0 && c.whenNone === 'not-applicable';
    const met = notApplicable || (whole > 0 && part / whole >= c.atLeast);
    return { met, notApplicable, value: pct(part, whole), target: percent(c.atLeast) };
  }
  if ('holds' in c) return { met: c.holds(f), notApplicable: false, value: '', target: '' };
  return { met: f.answers[c.answer] === true, notApplicable: false, value: '', target: '' };
}

/** Applies one criterion to the facts: met or not, the fact it rests on, and the step to take. */
export function judgeCriterion(c: MaturityCriterion, f: MaturityFacts): CriterionJudgement {
  const m = measure(c, f);
  const met = m.met && (c.requires?.(f) ?? true);
  const fact = say(met && m.notApplicable && 'notApplicable' in c ? c.notApplicable : c.fact, f, m);
  return { met, fact, nextStep: say(c.nextStep, f, { ...m, fact }) };
}

/** The criterion a questionnaire answer meets, at the question's own dimension and level. */
export function answered(id: MaturityQuestionId): MaturityCriterion {
  const q = maturityQuestions.find((x) => x.id === id) as (typeof maturityQuestions)[number];
  return {
    id: `answer.${id}`,
    dimension: q.dimension,
    level: q.level,
    requirement: q.question,
    answer: id,
    fact: (f) =>
      `questionnaire ${id}: ${f.answers[id] === undefined ? 'not answered' : f.answers[id] ? 'yes' : 'no'}`,
    nextStep: (f) =>
      f.answers[id] === false
        ? `${q.question} Once it is true, set maturity.answers.${id}: true in changegate.yaml.`
        : `The data cannot show this: answer maturity.answers.${id} in changegate.yaml (${q.question})`,
  };
}
