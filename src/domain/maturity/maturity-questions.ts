/**
 * The optional questionnaire (docs/maturity.md): what the data cannot show. Each answer informs one
 * criterion of one dimension and level; an unanswered question counts as "no", and saying so is a
 * next step. Answers live in the tenant configuration under `maturity.answers`.
 */
export const maturityDimensions = ['process', 'risk', 'metrics', 'automation', 'audit'] as const;
export type MaturityDimension = (typeof maturityDimensions)[number];

export const maturityLevels = [1, 2, 3, 4, 5] as const;
export type MaturityLevel = (typeof maturityLevels)[number];

export interface MaturityQuestion {
  id: string;
  dimension: MaturityDimension;
  /** The level whose criterion the answer satisfies. */
  level: MaturityLevel;
  question: string;
}

export const maturityQuestions = [
  {
    id: 'processDocumented',
    dimension: 'process',
    level: 3,
    question:
      'Is the change management process written down and published to every team (roles, submission, approval, implementation)?',
  },
  {
    id: 'cabMeetsRegularly',
    dimension: 'process',
    level: 4,
    question:
      'Does a change advisory board (or its equivalent) review change KPIs and failed changes at a regular cadence?',
  },
  {
    id: 'feedbackLoop',
    dimension: 'process',
    level: 5,
    question:
      'Do teams and stakeholders feed back on the process regularly, and is it refined from that feedback and the data?',
  },
  {
    id: 'securityReviewInPlanning',
    dimension: 'risk',
    level: 3,
    question: 'Are security reviews part of planning and testing a change, before it reaches production?',
  },
  {
    id: 'predictiveRiskAnalytics',
    dimension: 'risk',
    level: 5,
    question:
      'Are risks monitored continuously with automatic alerts, using predictive analytics (e.g. ML models) on change data?',
  },
  {
    id: 'kpisDriveImprovement',
    dimension: 'metrics',
    level: 4,
    question:
      'Are change KPIs (success rate, approval time, recovery time) used to decide process improvements?',
  },
  {
    id: 'realTimeDashboards',
    dimension: 'metrics',
    level: 5,
    question: 'Are MTTR, MTBF and approval time watched in (near) real time and acted on as they move?',
  },
  {
    id: 'testAutomation',
    dimension: 'automation',
    level: 2,
    question: 'Is testing automated for at least some components?',
  },
  {
    id: 'aiAssistedValidation',
    dimension: 'automation',
    level: 5,
    question: 'Is change validation and approval assisted by automated (e.g. AI-driven) analysis end to end?',
  },
  {
    id: 'complianceMonitoredRealTime',
    dimension: 'audit',
    level: 5,
    question:
      'Is compliance monitored in real time (audit events streamed to a SIEM, alerts on violations) with proactive reports to auditors?',
  },
] as const satisfies readonly MaturityQuestion[];

export type MaturityQuestionId = (typeof maturityQuestions)[number]['id'];
export const maturityQuestionIds = maturityQuestions.map((q) => q.id) as MaturityQuestionId[];

/** Answers given; an absent one is unanswered. */
export type MaturityAnswers = Partial<Record<MaturityQuestionId, boolean>>;
