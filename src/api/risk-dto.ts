import type { ChangeRequest } from '../domain/change-request.js';
import { effectiveRisk, type RiskAssessment } from '../domain/risk-assessment.js';
import type { ChangeRiskDto, RiskAssessmentDto } from './risk-schemas.js';

/** Domain → API shapes for risk; keys in schema order so local and remote print alike. */

export function riskAssessmentDto(a: RiskAssessment | null): RiskAssessmentDto | null {
  if (a === null) return null;
  return {
    level: a.level,
    score: a.score,
    impact: a.impact,
    likelihood: a.likelihood,
    factors: a.factors.map((f) => ({
      factor: f.factor,
      axis: f.axis,
      value: f.value,
      points: f.points,
      explanation: f.explanation,
    })),
    assessedAt: new Date(a.assessedAt).toISOString(),
  };
}

export function changeRiskDto(cr: ChangeRequest, changed?: boolean): ChangeRiskDto {
  return {
    number: cr.number,
    declared: cr.risk,
    assessed: riskAssessmentDto(cr.riskAssessment),
    effective: effectiveRisk(cr),
    ...(changed === undefined ? {} : { changed }),
  };
}
