import { type RiskLevel, riskLevels } from './change-request.js';

/**
 * The result of assessing a CR's risk (docs/risk.md): a level, a score, and every factor that went
 * into it with its explanation, so a reader sees why. Stored on the CR and recomputed when its inputs change.
 */
export interface RiskFactor {
  /** e.g. customerImpact, criticality, environment, deploymentImpact, outage, history. */
  factor: string;
  /** Which axis of the matrix it raises. */
  axis: 'impact' | 'likelihood';
  /** The input value as a reader knows it (e.g. "tier1", "large", "3 of 8 failed"). */
  value: string;
  /** Its points on that axis (1 = lowest). */
  points: number;
  explanation: string;
}

export interface RiskAssessment {
  level: RiskLevel;
  /** 0–100: the matrix cell's position, so equal levels can still be compared. */
  score: number;
  impact: number;
  likelihood: number;
  factors: RiskFactor[];
  assessedAt: number;
}

/**
 * The risk that rules and gates act on: the higher of what the requester declared and what the
 * assessment found, so a requester cannot declare a risky change low.
 */
export function effectiveRisk(cr: {
  risk: RiskLevel | null;
  riskAssessment: RiskAssessment | null;
}): RiskLevel | null {
  const declared = cr.risk;
  const assessed = cr.riskAssessment?.level ?? null;
  if (declared === null) return assessed;
  if (assessed === null) return declared;
  return riskLevels.indexOf(assessed) > riskLevels.indexOf(declared) ? assessed : declared;
}

export function riskAtLeast(level: RiskLevel | null, floor: RiskLevel): boolean {
  return level !== null && riskLevels.indexOf(level) >= riskLevels.indexOf(floor);
}
