import { type MaturityFacts, pct, share } from './maturity-facts.js';
import {
  type MaturityDimension,
  type MaturityLevel,
  type MaturityQuestionId,
  maturityQuestions,
} from './maturity-questions.js';

/**
 * The criteria table (docs/maturity.md): per dimension of seed 002, what each level from 2 to 5
 * requires, each a predicate over the measured facts, the fact it rests on in words with its numbers,
 * and the next step to take when it is unmet, naming what was measured.
 */
export interface MaturityCriterion {
  id: string;
  dimension: MaturityDimension;
  level: Exclude<MaturityLevel, 1>;
  /** What the level asks, as the seed words it. */
  requirement: string;
  met(f: MaturityFacts): boolean;
  /** The measured fact, with its numbers. */
  fact(f: MaturityFacts): string;
  /** What to do, specific to the measurement; shown only when unmet. */
  nextStep(f: MaturityFacts): string;
}

/** Thresholds, named so the documentation and the tests can quote them. */
export const thresholds = {
  minChanges: 10,
  approvedBeforeImplementL2: 0.5,
  approvedBeforeImplementL3: 0.9,
  policyRoutedL3: 0.8,
  riskOnProductionL2: 0.5,
  riskAssessedL3: 0.9,
  causeReviewedL4: 0.5,
  minClosedForRates: 20,
  minDecidedSteps: 10,
  trendingPeriods: 3,
  minResolvedIncidents: 5,
  pipelineProductionL3: 0.5,
  pipelineProductionL4: 0.8,
  pipelineAllL5: 0.9,
  autoApprovedL3: 0.1,
  autoApprovedL5: 0.5,
  rollbackCoverageL4: 0.8,
  auditCoverageL3: 0.99,
  backoutPlanL3: 0.8,
  retroOnTimeL4: 0.9,
  revisionPeriodsL5: 3,
} as const;

const t = thresholds;
const p = (x: number) => `${Math.round(x * 100)}%`;
const minutes = (ms: number | null) => (ms === null ? 'none' : `${Math.round(ms / 60_000)} min`);

function answered(id: MaturityQuestionId, dimension: MaturityDimension, level: MaturityCriterion['level']) {
  const q = maturityQuestions.find((x) => x.id === id) as { question: string };
  return {
    id: `answer.${id}`,
    dimension,
    level,
    requirement: q.question,
    met: (f: MaturityFacts) => f.answers[id] === true,
    fact: (f: MaturityFacts) =>
      `questionnaire ${id}: ${f.answers[id] === undefined ? 'not answered' : f.answers[id] ? 'yes' : 'no'}`,
    nextStep: (f: MaturityFacts) =>
      f.answers[id] === false
        ? `${q.question} Once it is true, set maturity.answers.${id}: true in changegate.yaml.`
        : `The data cannot show this: answer maturity.answers.${id} in changegate.yaml (${q.question})`,
  } satisfies MaturityCriterion;
}

const process: MaturityCriterion[] = [
  {
    id: 'process.changes-recorded',
    dimension: 'process',
    level: 2,
    requirement: 'Changes are documented as change requests',
    met: (f) => f.changes.total >= t.minChanges,
    fact: (f) => `${f.changes.total} change requests recorded`,
    nextStep: (f) =>
      `Only ${f.changes.total} change requests are recorded (at least ${t.minChanges} show a practice): record every change with \`changegate cr create\` or let the pipeline create them (\`changegate deploy\`).`,
  },
  {
    id: 'process.approved-before-implement',
    dimension: 'process',
    level: 2,
    requirement: 'Changes are reviewed and approved before implementation',
    met: (f) => share(f.changes.implementedApproved, f.changes.implemented) >= t.approvedBeforeImplementL2,
    fact: (f) =>
      `${pct(f.changes.implementedApproved, f.changes.implemented)} of implemented changes were approved`,
    nextStep: (f) =>
      `${pct(f.changes.implementedApproved, f.changes.implemented)} of implemented changes were approved; require an approval before implementation (\`changegate cr request-approval\`, approvers with \`cr approve\`).`,
  },
  {
    id: 'process.policy-in-force',
    dimension: 'process',
    level: 3,
    requirement: 'A formal process applies the same workflow to every team: an approval policy in force',
    met: (f) =>
      f.config.approvalPolicy && share(f.changes.withPolicyDecision, f.changes.total) >= t.policyRoutedL3,
    fact: (f) =>
      `approval policy ${f.config.approvalPolicy ? 'configured' : 'not configured'}; ${pct(f.changes.withPolicyDecision, f.changes.total)} of changes were routed by it`,
    nextStep: (f) =>
      f.config.approvalPolicy
        ? `Only ${pct(f.changes.withPolicyDecision, f.changes.total)} of changes were routed by the approval policy; request approval for every change so the policy decides (docs/approval-policy.md).`
        : "No approval policy is configured: add `approvalPolicy:` rules to changegate.yaml so every team's changes follow the same chain (docs/approval-policy.md).",
  },
  {
    id: 'process.consistently-approved',
    dimension: 'process',
    level: 3,
    requirement: 'Teams follow consistent procedures: nearly every implemented change approved',
    met: (f) => share(f.changes.implementedApproved, f.changes.implemented) >= t.approvedBeforeImplementL3,
    fact: (f) =>
      `${pct(f.changes.implementedApproved, f.changes.implemented)} of implemented changes were approved`,
    nextStep: (f) =>
      `${pct(f.changes.implementedApproved, f.changes.implemented)} of implemented changes were approved (target ${p(t.approvedBeforeImplementL3)}): find the teams deploying unapproved changes and gate their pipelines with \`changegate deploy\`.`,
  },
  {
    id: 'process.templates',
    dimension: 'process',
    level: 3,
    requirement: 'Standardized workflows: standard change templates in use',
    met: (f) => f.catalog.templates > 0 && f.changes.fromTemplate > 0,
    fact: (f) =>
      `${f.catalog.templates} templates defined; ${f.changes.fromTemplate} changes created from one`,
    nextStep: (f) =>
      f.catalog.templates === 0
        ? 'No standard change templates are defined: define templates for routine changes (docs/templates.md).'
        : `${f.catalog.templates} templates exist but no change was created from one: use \`changegate cr create --template\` for routine changes.`,
  },
  answered('processDocumented', 'process', 3),
  {
    id: 'process.failure-analysis',
    dimension: 'process',
    level: 4,
    requirement: 'Detailed root cause analysis for change failures',
    met: (f) =>
      f.incidents.problemsWithRootCause > 0 || (f.incidents.total > 0 && f.incidents.withConfirmedCause > 0),
    fact: (f) =>
      `${f.incidents.problemsWithRootCause} problems with a recorded root cause; ${f.incidents.withConfirmedCause} incidents with a confirmed causing change`,
    nextStep: () =>
      'No root cause is recorded: open a problem for failed changes and change-related incidents and record its root cause (docs/incidents.md).',
  },
  answered('cabMeetsRegularly', 'process', 4),
  {
    id: 'process.policy-refined',
    dimension: 'process',
    level: 5,
    requirement: 'Regular process refinements based on performance data',
    met: (f) => f.config.revisionPeriods >= t.revisionPeriodsL5,
    fact: (f) =>
      `configuration changed in ${f.config.revisionPeriods} of the last 12 30-day periods (${f.config.versions} versions)`,
    nextStep: (f) =>
      `The policy was revised in ${f.config.revisionPeriods} of the last 12 periods (target ${t.revisionPeriodsL5}): review the metrics regularly and refine changegate.yaml from them.`,
  },
  answered('feedbackLoop', 'process', 5),
];

const risk: MaturityCriterion[] = [
  {
    id: 'risk.significant-changes-evaluated',
    dimension: 'risk',
    level: 2,
    requirement: 'Basic risk evaluation for significant changes',
    met: (f) =>
      f.changes.production > 0 &&
      share(f.changes.productionWithRisk, f.changes.production) >= t.riskOnProductionL2,
    fact: (f) =>
      `${pct(f.changes.productionWithRisk, f.changes.production)} of production changes carry a risk`,
    nextStep: (f) =>
      `${pct(f.changes.productionWithRisk, f.changes.production)} of production changes carry a risk; declare a risk on every production change (\`--risk\`) or configure a risk model (docs/risk.md).`,
  },
  {
    id: 'risk.formal-assessment',
    dimension: 'risk',
    level: 3,
    requirement: 'Formal risk assessment part of the process; risk levels categorized',
    met: (f) =>
      f.config.riskModel && share(f.changes.withRiskAssessment, f.changes.total) >= t.riskAssessedL3,
    fact: (f) =>
      `risk model ${f.config.riskModel ? 'configured' : 'not configured'}; ${pct(f.changes.withRiskAssessment, f.changes.total)} of changes carry a risk assessment`,
    nextStep: (f) =>
      f.config.riskModel
        ? `${pct(f.changes.withRiskAssessment, f.changes.total)} of changes carry a risk assessment (target ${p(t.riskAssessedL3)}): reassess older changes (\`changegate cr assess <ref>\`) and create changes through changegate so each is assessed.`
        : `${pct(f.changes.withRiskAssessment, f.changes.total)} of changes carry a risk assessment; configure a risk model (\`risk:\` in changegate.yaml, docs/risk.md) so every change is assessed.`,
  },
  answered('securityReviewInPlanning', 'risk', 3),
  {
    id: 'risk.data-driven',
    dimension: 'risk',
    level: 4,
    requirement: 'Data-driven risk modelling: the history of similar changes raises their risk',
    met: (f) => f.config.riskModel && f.config.riskHistory,
    fact: (f) =>
      `risk model ${f.config.riskModel ? (f.config.riskHistory ? 'consults the change history' : 'ignores the change history') : 'not configured'}`,
    nextStep: () =>
      'Let the risk model consult the history of similar changes (`risk.history`, docs/risk.md) so past failures raise the risk of the next change.',
  },
  {
    id: 'risk.incident-causes-fed-back',
    dimension: 'risk',
    level: 4,
    requirement: 'Proactive: incidents are traced to their causing changes, which feeds the risk history',
    met: (f) =>
      f.incidents.total > 0 && share(f.incidents.withCauseReviewed, f.incidents.total) >= t.causeReviewedL4,
    fact: (f) =>
      `${pct(f.incidents.withCauseReviewed, f.incidents.total)} of incidents had their causing changes reviewed`,
    nextStep: (f) =>
      f.incidents.total === 0
        ? 'No incidents are recorded: record incidents in changegate (CLI, API or webhook) so their causing changes can be found.'
        : `${pct(f.incidents.withCauseReviewed, f.incidents.total)} of incidents had their causing changes reviewed (target ${p(t.causeReviewedL4)}): confirm or reject the candidate causes of each incident.`,
  },
  {
    id: 'risk.alerts',
    dimension: 'risk',
    level: 5,
    requirement: 'Continuous monitoring and automatic alerts',
    met: (f) => f.approvals.stepsWithSla > 0,
    fact: (f) => `${f.approvals.stepsWithSla} approval steps ran with an SLA and escalation`,
    nextStep: () =>
      'No approval step carries an SLA: give approval policy steps an `sla` and `escalateTo` so stalled risky changes raise alerts (docs/escalation.md).',
  },
  answered('predictiveRiskAnalytics', 'risk', 5),
];

const metrics: MaturityCriterion[] = [
  {
    id: 'metrics.volume',
    dimension: 'metrics',
    level: 2,
    requirement: 'Basic metrics (e.g. number of changes)',
    met: (f) => f.changes.total >= t.minChanges,
    fact: (f) => `${f.changes.total} changes counted`,
    nextStep: (f) =>
      `Only ${f.changes.total} changes are recorded: record every change so even the basic count means something.`,
  },
  {
    id: 'metrics.success-rate',
    dimension: 'metrics',
    level: 3,
    requirement: 'Change success rate tracked',
    met: (f) => f.changes.closed >= t.minClosedForRates,
    fact: (f) =>
      `${f.changes.closed} changes closed with a category, ${pct(f.changes.closedSuccessful, f.changes.closed)} successful`,
    nextStep: (f) =>
      `Only ${f.changes.closed} changes are closed with a category (at least ${t.minClosedForRates} give a rate): close every change (\`changegate cr close --category …\`) or let the pipeline close them.`,
  },
  {
    id: 'metrics.approval-time',
    dimension: 'metrics',
    level: 3,
    requirement: 'Approval times tracked',
    met: (f) => f.approvals.stepsDecided >= t.minDecidedSteps,
    fact: (f) => `${f.approvals.stepsDecided} approval steps decided`,
    nextStep: (f) =>
      `Only ${f.approvals.stepsDecided} approval steps were decided (at least ${t.minDecidedSteps} give a time): route approvals through an approval policy so each decision is timed.`,
  },
  {
    id: 'metrics.incidents-linked',
    dimension: 'metrics',
    level: 3,
    requirement: 'Change-related incidents monitored',
    met: (f) => f.incidents.total > 0,
    fact: (f) => `${f.incidents.total} incidents recorded`,
    nextStep: () =>
      'No incidents are recorded: record incidents in changegate (CLI, API or the inbound webhook) so change-related incidents can be counted.',
  },
  {
    id: 'metrics.trending',
    dimension: 'metrics',
    level: 4,
    requirement: 'Metrics over time: deployments in enough periods to show a trend',
    met: (f) => f.deployments.activePeriods >= t.trendingPeriods,
    fact: (f) =>
      `finished deployments in ${f.deployments.activePeriods} of the last 12 30-day periods (${f.deployments.finished} in all)`,
    nextStep: (f) =>
      `Deployments were recorded in ${f.deployments.activePeriods} of the last 12 periods (at least ${t.trendingPeriods} show a trend): deploy through \`changegate deploy\` so every deployment is counted.`,
  },
  {
    id: 'metrics.recovery-time',
    dimension: 'metrics',
    level: 4,
    requirement: 'Advanced metrics: time to recover, downtime related to changes',
    met: (f) => f.incidents.resolved >= t.minResolvedIncidents,
    fact: (f) => `${f.incidents.resolved} resolved incidents give a time to restore`,
    nextStep: (f) =>
      `Only ${f.incidents.resolved} incidents are resolved in changegate (at least ${t.minResolvedIncidents}): resolve incidents there (\`changegate incident resolve\`) so time to restore can be measured.`,
  },
  answered('kpisDriveImprovement', 'metrics', 4),
  {
    id: 'metrics.approval-time-falling',
    dimension: 'metrics',
    level: 5,
    requirement: 'Change approval time continuously reduced',
    met: (f) =>
      f.approvals.recentMeanMs !== null &&
      f.approvals.previousMeanMs !== null &&
      f.approvals.recentMeanMs < f.approvals.previousMeanMs,
    fact: (f) =>
      `mean approval step time ${minutes(f.approvals.recentMeanMs)} in the last 90 days, ${minutes(f.approvals.previousMeanMs)} in the 90 before`,
    nextStep: (f) =>
      f.approvals.recentMeanMs === null || f.approvals.previousMeanMs === null
        ? 'Approval time cannot be compared across the last two 90-day periods: route approvals through approval chains so each step is timed.'
        : `Approval time did not fall (${minutes(f.approvals.recentMeanMs)} vs ${minutes(f.approvals.previousMeanMs)}): find the slow steps in the metrics' approval bottlenecks and add auto-approval for low-risk ready changes.`,
  },
  answered('realTimeDashboards', 'metrics', 5),
];

const automation: MaturityCriterion[] = [
  {
    id: 'automation.some',
    dimension: 'automation',
    level: 2,
    requirement: 'Limited automation: some changes come from a pipeline',
    met: (f) =>
      f.changes.pipelineCreated > 0 || f.deployments.finished > 0 || f.answers.testAutomation === true,
    fact: (f) =>
      `${f.changes.pipelineCreated} changes created by a pipeline, ${f.deployments.finished} pipeline deployments; questionnaire testAutomation: ${f.answers.testAutomation ?? 'not answered'}`,
    nextStep: () =>
      'Nothing is automated yet: run `changegate deploy` from one CI pipeline (docs/pipelines.md) or, if testing is automated, say so with maturity.answers.testAutomation.',
  },
  {
    id: 'automation.cicd-integration',
    dimension: 'automation',
    level: 3,
    requirement: 'CI/CD pipeline integration for change deployment',
    met: (f) => share(f.changes.productionPipelineCreated, f.changes.production) >= t.pipelineProductionL3,
    fact: (f) =>
      `${pct(f.changes.productionPipelineCreated, f.changes.production)} of production changes came from a pipeline`,
    nextStep: (f) =>
      `${pct(f.changes.productionPipelineCreated, f.changes.production)} of production changes came from a pipeline (target ${p(t.pipelineProductionL3)}): deploy to production with \`changegate deploy\` so the pipeline creates and gates the change.`,
  },
  {
    id: 'automation.automated-approvals',
    dimension: 'automation',
    level: 3,
    requirement: 'Automated approvals for routine changes on evidence',
    met: (f) =>
      f.config.evidenceChecks && share(f.changes.autoApproved, f.changes.pipelineCreated) >= t.autoApprovedL3,
    fact: (f) =>
      `evidence checks ${f.config.evidenceChecks ? 'configured' : 'not configured'}; ${pct(f.changes.autoApproved, f.changes.pipelineCreated)} of pipeline changes auto-approved on evidence`,
    nextStep: (f) =>
      f.config.evidenceChecks
        ? `${pct(f.changes.autoApproved, f.changes.pipelineCreated)} of pipeline changes were auto-approved (target ${p(t.autoApprovedL3)}): mark routine policy rules \`autoApprovable\` and raise \`autoApproval.maxRisk\` where evidence is strong.`
        : 'No evidence checks are configured: add `evidenceChecks:` to changegate.yaml so ready, low-risk changes are approved on evidence (docs/evidence.md).',
  },
  {
    id: 'automation.rollback',
    dimension: 'automation',
    level: 4,
    requirement: 'Automated rollbacks',
    met: (f) =>
      f.environments.production > 0 &&
      f.environments.productionRollbackEnabled === f.environments.production &&
      (f.deployments.failed === 0 ||
        share(f.deployments.failedWithRollback, f.deployments.failed) >= t.rollbackCoverageL4),
    fact: (f) =>
      `rollback enabled on ${f.environments.productionRollbackEnabled} of ${f.environments.production} production environments; ${pct(f.deployments.failedWithRollback, f.deployments.failed)} of failed deployments rolled back`,
    nextStep: (f) =>
      f.environments.productionRollbackEnabled < f.environments.production || f.environments.production === 0
        ? `Rollback is enabled on ${f.environments.productionRollbackEnabled} of ${f.environments.production} production environments: set \`rollbackEnabled: true\` on each and pass \`--rollback-cmd\` to \`changegate deploy\`.`
        : `${pct(f.deployments.failedWithRollback, f.deployments.failed)} of failed deployments ran a rollback (target ${p(t.rollbackCoverageL4)}): pass \`--rollback-cmd\` in every deploying pipeline.`,
  },
  {
    id: 'automation.full-pipeline',
    dimension: 'automation',
    level: 4,
    requirement: 'Fully automated CI/CD pipeline to production',
    met: (f) => share(f.changes.productionPipelineCreated, f.changes.production) >= t.pipelineProductionL4,
    fact: (f) =>
      `${pct(f.changes.productionPipelineCreated, f.changes.production)} of production changes came from a pipeline`,
    nextStep: (f) =>
      `${pct(f.changes.productionPipelineCreated, f.changes.production)} of production changes came from a pipeline (target ${p(t.pipelineProductionL4)}): move the remaining manual production changes into pipelines.`,
  },
  {
    id: 'automation.lifecycle',
    dimension: 'automation',
    level: 5,
    requirement: 'Full change lifecycle automated, from request to deployment',
    met: (f) =>
      share(f.changes.pipelineCreated, f.changes.total) >= t.pipelineAllL5 &&
      share(f.changes.autoApproved, f.changes.pipelineCreated) >= t.autoApprovedL5,
    fact: (f) =>
      `${pct(f.changes.pipelineCreated, f.changes.total)} of changes from a pipeline; ${pct(f.changes.autoApproved, f.changes.pipelineCreated)} of those auto-approved`,
    nextStep: (f) =>
      `${pct(f.changes.pipelineCreated, f.changes.total)} of changes come from a pipeline and ${pct(f.changes.autoApproved, f.changes.pipelineCreated)} of those are auto-approved (targets ${p(t.pipelineAllL5)} and ${p(t.autoApprovedL5)}): automate the remaining manual changes and let evidence approve routine ones.`,
  },
  answered('aiAssistedValidation', 'automation', 5),
];

const audit: MaturityCriterion[] = [
  {
    id: 'audit.trail-exists',
    dimension: 'audit',
    level: 2,
    requirement: 'Basic documentation: an audit trail is kept',
    met: (f) => f.audit.events > 0 && f.changes.total > 0,
    fact: (f) => `${f.audit.events} audit events for ${f.changes.total} changes`,
    nextStep: () => 'There is no change history to audit yet: record changes in changegate; each is audited.',
  },
  {
    id: 'audit.every-change-audited',
    dimension: 'audit',
    level: 3,
    requirement: 'Comprehensive audit trail: every change has its events',
    met: (f) =>
      f.changes.total > 0 && share(f.audit.changeCreatedEvents, f.changes.total) >= t.auditCoverageL3,
    fact: (f) =>
      `${pct(Math.min(f.audit.changeCreatedEvents, f.changes.total), f.changes.total)} of changes have their creation audit event`,
    nextStep: (f) =>
      `${f.changes.total - Math.min(f.audit.changeCreatedEvents, f.changes.total)} changes have no creation audit event (imported or seeded history): create changes only through changegate's API, CLI or pipeline.`,
  },
  {
    id: 'audit.rollback-documented',
    dimension: 'audit',
    level: 3,
    requirement: 'Full documentation of changes, including rollback procedures',
    met: (f) =>
      f.changes.production > 0 &&
      share(f.changes.productionWithBackoutPlan, f.changes.production) >= t.backoutPlanL3,
    fact: (f) =>
      `${pct(f.changes.productionWithBackoutPlan, f.changes.production)} of production changes document a backout plan`,
    nextStep: (f) =>
      `${pct(f.changes.productionWithBackoutPlan, f.changes.production)} of production changes document a backout plan (target ${p(t.backoutPlanL3)}): require \`backoutPlan\` on production changes (a template preset or a custom field).`,
  },
  {
    id: 'audit.retro-on-time',
    dimension: 'audit',
    level: 4,
    requirement: 'Compliance metrics actively monitored: emergency changes approved retrospectively on time',
    met: (f) =>
      f.retrospective.total > 0 &&
      share(f.retrospective.completedOnTime, f.retrospective.total) >= t.retroOnTimeL4,
    fact: (f) =>
      `${pct(f.retrospective.completedOnTime, f.retrospective.total)} of retrospective approvals on time, ${f.retrospective.late} late`,
    nextStep: (f) =>
      f.retrospective.total === 0
        ? 'No emergency change has a retrospective approval obligation to measure: run emergencies through `changegate deploy --emergency` so the obligation and its due date are recorded.'
        : `${f.retrospective.late} retrospective approvals were late (${pct(f.retrospective.completedOnTime, f.retrospective.total)} on time, target ${p(t.retroOnTimeL4)}): give approvers an SLA and escalation for emergency changes.`,
  },
  {
    id: 'audit.controls-configured',
    dimension: 'audit',
    level: 4,
    requirement: 'Audit processes integrated: freeze windows and a compliance profile enforced',
    met: (f) => f.catalog.freezeWindows > 0 && f.config.complianceProfile,
    fact: (f) =>
      `${f.catalog.freezeWindows} freeze windows defined; compliance profile ${f.config.complianceProfile ? 'configured' : 'not configured'}`,
    nextStep: (f) => {
      const steps = [
        f.catalog.freezeWindows === 0 ? 'Define freeze windows (docs/windows.md).' : null,
        f.config.complianceProfile
          ? null
          : 'Attach a compliance profile to every pipeline change (`complianceProfile:` in changegate.yaml).',
      ];
      return steps.filter(Boolean).join(' ');
    },
  },
  answered('complianceMonitoredRealTime', 'audit', 5),
];

/** Every criterion, by dimension then level. */
export const maturityCriteria: readonly MaturityCriterion[] = [
  ...process,
  ...risk,
  ...metrics,
  ...automation,
  ...audit,
];
