import { absent, boolean, mapping, onlyKeys } from './config-shape.js';
import { type MaturityAnswers, maturityQuestionIds } from './maturity/maturity-questions.js';

/** `maturity:` in changegate.yaml (docs/maturity.md): the questionnaire's answers. */
export interface MaturityConfig {
  answers: MaturityAnswers;
}

export const maturityConfigKeys = ['answers'] as const;

/** Parses `maturity: { answers: { cabMeetsRegularly: true, … } }`; unknown questions are refused. */
export function parseMaturityConfig(value: unknown, path = 'maturity'): MaturityConfig | null {
  if (absent(value)) return null;
  const root = mapping(path, value);
  onlyKeys(path, root, maturityConfigKeys);
  if (absent(root.answers)) return { answers: {} };
  const given = mapping(`${path}.answers`, root.answers);
  onlyKeys(`${path}.answers`, given, maturityQuestionIds);
  const answers: MaturityAnswers = {};
  for (const id of maturityQuestionIds) {
    if (!absent(given[id])) answers[id] = boolean(`${path}.answers.${id}`, given[id]);
  }
  return { answers };
}
