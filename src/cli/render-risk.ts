import type { ChangeRiskDto } from '../api/risk-schemas.js';
import type { ChangeRequestDto } from '../api/schemas.js';
import { effectiveRisk } from '../domain/risk-assessment.js';
import { table } from './output.js';

/**
 * The `risk` line of `cr get`: the declared risk alone until the CR is assessed, then the effective
 * one with both behind it, e.g. "high (declared moderate; assessed high, score 66)".
 */
export function riskSummary(cr: Pick<ChangeRequestDto, 'risk' | 'riskAssessment'>): string | null {
  const assessed = cr.riskAssessment;
  if (!assessed) return cr.risk;
  const effective = effectiveRisk({ risk: cr.risk, riskAssessment: { ...assessed, assessedAt: 0 } });
  return `${effective} (declared ${cr.risk ?? 'none'}; assessed ${assessed.level}, score ${assessed.score})`;
}

/** `cr risk` / `cr assess`: the summary, the matrix cell, and every factor with its explanation. */
export function renderChangeRisk(risk: ChangeRiskDto): string[] {
  const a = risk.assessed;
  const head = `${risk.number}  risk ${riskSummary({ risk: risk.declared, riskAssessment: a }) ?? 'not declared, not assessed'}`;
  const changed =
    risk.changed === undefined
      ? []
      : [risk.changed ? '  reassessed: the result changed and was stored' : '  reassessed: unchanged'];
  if (!a)
    return [
      head,
      '  not assessed: the tenant has no risk model (add `risk:` to changegate.yaml, see docs/risk.md)',
      ...changed,
    ];
  const rows = table(
    ['AXIS', 'FACTOR', 'VALUE', 'POINTS', 'WHY'],
    a.factors.map((f) => [
      f.axis,
      f.factor,
      f.value,
      f.factor === 'history' ? `+${f.points}` : String(f.points),
      f.explanation,
    ]),
  );
  return [
    head,
    `  impact ${a.impact} × likelihood ${a.likelihood} → ${a.level} (score ${a.score}), assessed ${a.assessedAt}`,
    ...changed,
    ...rows.map((r) => `  ${r}`),
  ];
}
