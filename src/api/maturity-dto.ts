import { levelNames } from '../domain/maturity/assess-maturity.js';
import type { TenantMaturity } from '../services/maturity/assess-tenant-maturity.js';
import type { MaturityAssessmentDto } from './maturity-schemas.js';

export function maturityDto(m: TenantMaturity): MaturityAssessmentDto {
  return {
    overall: m.overall,
    overallName: levelNames[m.overall],
    assessedAt: new Date(m.assessedAt).toISOString(),
    configVersion: m.configVersion,
    dimensions: m.dimensions.map((d) => ({ ...d, levelName: levelNames[d.level] })),
    nextSteps: m.nextSteps,
    facts: m.facts as MaturityAssessmentDto['facts'],
  };
}
