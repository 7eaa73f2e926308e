import { answered, type MaturityCriterion, percent } from './maturity-criterion.js';
import { pct, share } from './maturity-facts.js';

/** The second threshold of `automation.lifecycle`: the share of pipeline changes approved on evidence. */
const autoApprovedL5 = 0.5;

/** Automation: some pipelines, CI/CD integration, automated rollback, the whole lifecycle. */
export const automationCriteria: MaturityCriterion[] = [
  {
    id: 'automation.some',
    dimension: 'automation',
    level: 2,
    requirement: 'Limited automation: some changes come from a pipeline',
    holds: (f) =>
      f.changes.pipelineCreated > 0 || f.deployments.finished > 0 || f.answers.testAutomation === true,
    fact: (f) =>
      `${f.changes.pipelineCreated} changes created by a pipeline, ${f.deployments.finished} pipeline deployments; questionnaire testAutomation: ${f.answers.testAutomation ?? 'not answered'}`,
    nextStep:
      'Nothing is automated yet: run `changegate deploy` from one CI pipeline (docs/pipelines.md) or, if testing is automated, say so with maturity.answers.testAutomation.',
  },
  {
    id: 'automation.cicd-integration',
    dimension: 'automation',
    level: 3,
    requirement: 'CI/CD pipeline integration for change deployment',
    share: (f) => [f.changes.productionPipelineCreated, f.changes.production],
    atLeast: 0.5,
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of production changes came from a pipeline`,
    nextStep: (_, m) =>
      `${m.fact} (target ${m.target}): deploy to production with \`changegate deploy\` so the pipeline creates and gates the change.`,
  },
  {
    id: 'automation.automated-approvals',
    dimension: 'automation',
    level: 3,
    requirement: 'Automated approvals for routine changes on evidence',
    requires: (f) => f.config.evidenceChecks,
    share: (f) => [f.changes.autoApproved, f.changes.pipelineCreated],
    atLeast: 0.1,
    whenNone: 'not-met',
    fact: (f, m) =>
      `evidence checks ${f.config.evidenceChecks ? 'configured' : 'not configured'}; ${m.value} of pipeline changes auto-approved on evidence`,
    nextStep: (f, m) =>
      f.config.evidenceChecks
        ? `${m.value} of pipeline changes were auto-approved (target ${m.target}): mark routine policy rules \`autoApprovable\` and raise \`autoApproval.maxRisk\` where evidence is strong.`
        : 'No evidence checks are configured: add `evidenceChecks:` to changegate.yaml so ready, low-risk changes are approved on evidence (docs/evidence.md).',
  },
  {
    id: 'automation.rollback',
    dimension: 'automation',
    level: 4,
    requirement: 'Automated rollbacks',
    requires: ({ environments: e }) => e.production > 0 && e.productionRollbackEnabled === e.production,
    share: (f) => [f.deployments.failedWithRollback, f.deployments.failed],
    atLeast: 0.8,
    // Rollback enabled everywhere and no deployment failed: nothing had to be rolled back yet.
    whenNone: 'not-applicable',
    notApplicable: ({ environments: e }) =>
      `rollback enabled on ${e.productionRollbackEnabled} of ${e.production} production environments; no deployment failed, nothing to roll back`,
    fact: ({ environments: e }, m) =>
      `rollback enabled on ${e.productionRollbackEnabled} of ${e.production} production environments; ${m.value} of failed deployments rolled back`,
    nextStep: ({ environments: e }, m) =>
      e.productionRollbackEnabled < e.production || e.production === 0
        ? `Rollback is enabled on ${e.productionRollbackEnabled} of ${e.production} production environments: set \`rollbackEnabled: true\` on each and pass \`--rollback-cmd\` to \`changegate deploy\`.`
        : `${m.value} of failed deployments ran a rollback (target ${m.target}): pass \`--rollback-cmd\` in every deploying pipeline.`,
  },
  {
    id: 'automation.full-pipeline',
    dimension: 'automation',
    level: 4,
    requirement: 'Fully automated CI/CD pipeline to production',
    share: (f) => [f.changes.productionPipelineCreated, f.changes.production],
    atLeast: 0.8,
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of production changes came from a pipeline`,
    nextStep: (_, m) =>
      `${m.fact} (target ${m.target}): move the remaining manual production changes into pipelines.`,
  },
  {
    id: 'automation.lifecycle',
    dimension: 'automation',
    level: 5,
    requirement: 'Full change lifecycle automated, from request to deployment',
    requires: (f) => share(f.changes.autoApproved, f.changes.pipelineCreated) >= autoApprovedL5,
    share: (f) => [f.changes.pipelineCreated, f.changes.total],
    atLeast: 0.9,
    whenNone: 'not-met',
    fact: (f, m) =>
      `${m.value} of changes from a pipeline; ${pct(f.changes.autoApproved, f.changes.pipelineCreated)} of those auto-approved`,
    nextStep: (f, m) =>
      `${m.value} of changes come from a pipeline and ${pct(f.changes.autoApproved, f.changes.pipelineCreated)} of those are auto-approved (targets ${m.target} and ${percent(autoApprovedL5)}): automate the remaining manual changes and let evidence approve routine ones.`,
  },
  answered('aiAssistedValidation'),
];
