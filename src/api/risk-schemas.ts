import { type Static, type TSchema, Type } from 'typebox';
import { riskLevels } from '../domain/change-request.js';

/** JSON shapes of a CR's risk assessment (docs/risk.md). Self-contained: schemas.ts uses one of them. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
const Level = Type.Enum([...riskLevels]);

export const RiskFactorSchema = Type.Object({
  factor: Type.String({
    description:
      'customerImpact, criticality, environmentPurpose (impact); deploymentImpact, outage, components, history (likelihood)',
  }),
  axis: Type.Enum(['impact', 'likelihood']),
  value: Type.String({
    description: 'The input as a reader knows it, e.g. "tier1 (payments)", "2 of 5 failed"',
  }),
  points: Type.Integer({
    description: 'Its points on the axis; 0 = not counted (history: how much it raised)',
  }),
  explanation: Type.String(),
});

export const RiskAssessmentSchema = Type.Object(
  {
    level: Level,
    score: Type.Integer({
      description: '0–100; each level has its band (low 0–24, moderate 25–49, high 50–74, critical 75–100)',
    }),
    impact: Type.Integer({ description: 'Matrix row (1 = lowest)' }),
    likelihood: Type.Integer({ description: 'Matrix column (1 = lowest), after the history raised it' }),
    factors: Type.Array(RiskFactorSchema),
    assessedAt: Type.String({ format: 'date-time' }),
  },
  { description: "The tenant's risk model applied to the CR; null when the tenant has no model" },
);

export const ChangeRiskSchema = Type.Object({
  number: Type.String(),
  declared: Nullable(Level),
  assessed: Nullable(RiskAssessmentSchema),
  effective: Nullable(Level),
  changed: Type.Optional(
    Type.Boolean({ description: 'After a reassessment: whether the result differs (and was stored)' }),
  ),
});

export type RiskAssessmentDto = Static<typeof RiskAssessmentSchema>;
export type ChangeRiskDto = Static<typeof ChangeRiskSchema>;
