import { auditCriteria } from './audit-criteria.js';
import { automationCriteria } from './automation-criteria.js';
import type { MaturityCriterion } from './maturity-criterion.js';
import { metricsCriteria } from './metrics-criteria.js';
import { processCriteria } from './process-criteria.js';
import { riskCriteria } from './risk-criteria.js';

/**
 * The criteria table (docs/maturity.md), one file per dimension of seed 002, each row judged by
 * judgeCriterion (maturity-criterion.ts). Every criterion, by dimension then level.
 */
export const maturityCriteria: readonly MaturityCriterion[] = [
  ...processCriteria,
  ...riskCriteria,
  ...metricsCriteria,
  ...automationCriteria,
  ...auditCriteria,
];
