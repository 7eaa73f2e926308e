import type { MaturityAnswers } from './maturity-questions.js';

/**
 * What the data says about a tenant's change management, gathered by SQL aggregates
 * (src/store/maturity-facts.ts) and scored by the criteria table (maturity-criteria.ts).
 * Counts are whole history unless the name says otherwise; `recent` is the last 90 days.
 */
export interface MaturityFacts {
  changes: {
    total: number;
    /** Target environment purpose `production`. */
    production: number;
    /** Reached implement, review or closed. */
    implemented: number;
    /** Of those, approved before or without implementing as an emergency (approval `approved`). */
    implementedApproved: number;
    /** A declared risk or a risk assessment. */
    withRisk: number;
    productionWithRisk: number;
    /** Assessed by the tenant's risk model (a stored risk assessment). */
    withRiskAssessment: number;
    /** Routed by the approval policy (an approval decision is stored). */
    withPolicyDecision: number;
    /** The policy built an approval chain for it (a rule added steps). */
    withApprovalChain: number;
    /** Approved by the pipeline on evidence, without a human. */
    autoApproved: number;
    /** Created from a standard change template. */
    fromTemplate: number;
    productionWithBackoutPlan: number;
    /** Created by a pipeline run. */
    pipelineCreated: number;
    productionPipelineCreated: number;
    emergency: number;
    closed: number;
    /** Closed with close category successful. */
    closedSuccessful: number;
  };
  deployments: {
    /** Finished deployment runs. */
    finished: number;
    failed: number;
    /** Failed runs whose rollback step ran (successful or not). */
    failedWithRollback: number;
    /** Distinct 30-day periods of the last 12 with at least one finished deployment. */
    activePeriods: number;
  };
  approvals: {
    /** Approval steps decided (approved or rejected). */
    stepsDecided: number;
    stepsWithSla: number;
    /** Mean time from activation to decision of the steps decided in the last 90 days (ms); null: none. */
    recentMeanMs: number | null;
    /** The same for the 90 days before. */
    previousMeanMs: number | null;
  };
  retrospective: {
    /** Retrospective approval obligations of emergency changes. */
    total: number;
    completedOnTime: number;
    /** Completed after their due date, or still open past it. */
    late: number;
  };
  incidents: {
    total: number;
    resolved: number;
    /** Incidents with a confirmed causing change. */
    withConfirmedCause: number;
    /** Incidents with any recorded cause candidate (confirmed, candidate or rejected). */
    withCauseReviewed: number;
    problemsWithRootCause: number;
  };
  environments: {
    total: number;
    production: number;
    productionRollbackEnabled: number;
  };
  catalog: { components: number; groups: number; templates: number; freezeWindows: number };
  config: {
    /** Configuration versions applied. */
    versions: number;
    /** Distinct 30-day periods of the last 12 in which the configuration was changed. */
    revisionPeriods: number;
    approvalPolicy: boolean;
    riskModel: boolean;
    /** The risk model consults the history of similar changes. */
    riskHistory: boolean;
    evidenceChecks: boolean;
    complianceProfile: boolean;
  };
  audit: {
    events: number;
    /** change_request.created events: a CR without one has no trail. */
    changeCreatedEvents: number;
  };
  answers: MaturityAnswers;
}

/** A share in 0..1; 0 when there is nothing to divide. */
export function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** "31% (62 of 200)" */
export function pct(part: number, whole: number): string {
  return `${Math.round(share(part, whole) * 100)}% (${part} of ${whole})`;
}

/** What a tenant's change requests add up to (MaturityFacts.changes). */
export type ChangeCounts = MaturityFacts['changes'];

/** Every change count at zero: a tenant without changes, and the start of a count. */
export function emptyChangeCounts(): ChangeCounts {
  return {
    total: 0,
    production: 0,
    implemented: 0,
    implementedApproved: 0,
    withRisk: 0,
    productionWithRisk: 0,
    withRiskAssessment: 0,
    withPolicyDecision: 0,
    withApprovalChain: 0,
    autoApproved: 0,
    fromTemplate: 0,
    productionWithBackoutPlan: 0,
    pipelineCreated: 0,
    productionPipelineCreated: 0,
    emergency: 0,
    closed: 0,
    closedSuccessful: 0,
  };
}
