import { answered, type MaturityCriterion } from './maturity-criterion.js';

/** Risk management: evaluated, formally assessed, data-driven, monitored. */
export const riskCriteria: MaturityCriterion[] = [
  {
    id: 'risk.significant-changes-evaluated',
    dimension: 'risk',
    level: 2,
    requirement: 'Basic risk evaluation for significant changes',
    share: (f) => [f.changes.productionWithRisk, f.changes.production],
    atLeast: 0.5,
    // No production change at all shows no risk practice.
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of production changes carry a risk`,
    nextStep: (_, m) =>
      `${m.fact}; declare a risk on every production change (\`--risk\`) or configure a risk model (docs/risk.md).`,
  },
  {
    id: 'risk.formal-assessment',
    dimension: 'risk',
    level: 3,
    requirement: 'Formal risk assessment part of the process; risk levels categorized',
    requires: (f) => f.config.riskModel,
    share: (f) => [f.changes.withRiskAssessment, f.changes.total],
    atLeast: 0.9,
    whenNone: 'not-met',
    fact: (f, m) =>
      `risk model ${f.config.riskModel ? 'configured' : 'not configured'}; ${m.value} of changes carry a risk assessment`,
    nextStep: (f, m) =>
      f.config.riskModel
        ? `${m.value} of changes carry a risk assessment (target ${m.target}): reassess older changes (\`changegate cr assess <ref>\`) and create changes through changegate so each is assessed.`
        : `${m.value} of changes carry a risk assessment; configure a risk model (\`risk:\` in changegate.yaml, docs/risk.md) so every change is assessed.`,
  },
  answered('securityReviewInPlanning'),
  {
    id: 'risk.data-driven',
    dimension: 'risk',
    level: 4,
    requirement: 'Data-driven risk modelling: the history of similar changes raises their risk',
    holds: (f) => f.config.riskModel && f.config.riskHistory,
    fact: (f) =>
      `risk model ${f.config.riskModel ? (f.config.riskHistory ? 'consults the change history' : 'ignores the change history') : 'not configured'}`,
    nextStep:
      'Let the risk model consult the history of similar changes (`risk.history`, docs/risk.md) so past failures raise the risk of the next change.',
  },
  {
    id: 'risk.incident-causes-fed-back',
    dimension: 'risk',
    level: 4,
    requirement: 'Proactive: incidents are traced to their causing changes, which feeds the risk history',
    share: (f) => [f.incidents.withCauseReviewed, f.incidents.total],
    atLeast: 0.5,
    // No incident recorded means incidents are kept elsewhere, not that there are none to trace.
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of incidents had their causing changes reviewed`,
    nextStep: (f, m) =>
      f.incidents.total === 0
        ? 'No incidents are recorded: record incidents in changegate (CLI, API or webhook) so their causing changes can be found.'
        : `${m.fact} (target ${m.target}): confirm or reject the candidate causes of each incident.`,
  },
  {
    id: 'risk.alerts',
    dimension: 'risk',
    level: 5,
    requirement: 'Continuous monitoring and automatic alerts',
    count: (f) => f.approvals.stepsWithSla,
    atLeast: 1,
    fact: (_, m) => `${m.value} approval steps ran with an SLA and escalation`,
    nextStep:
      'No approval step carries an SLA: give approval policy steps an `sla` and `escalateTo` so stalled risky changes raise alerts (docs/escalation.md).',
  },
  answered('predictiveRiskAnalytics'),
];
