import { answered, type MaturityCriterion } from './maturity-criterion.js';

/** Process (key characteristics): documented, approved, standardised, analysed, refined. */
export const processCriteria: MaturityCriterion[] = [
  {
    id: 'process.changes-recorded',
    dimension: 'process',
    level: 2,
    requirement: 'Changes are documented as change requests',
    count: (f) => f.changes.total,
    atLeast: 10,
    fact: (_, m) => `${m.value} change requests recorded`,
    nextStep: (_, m) =>
      `Only ${m.value} change requests are recorded (at least ${m.target} show a practice): record every change with \`changegate cr create\` or let the pipeline create them (\`changegate deploy\`).`,
  },
  {
    id: 'process.approved-before-implement',
    dimension: 'process',
    level: 2,
    requirement: 'Changes are reviewed and approved before implementation',
    share: (f) => [f.changes.implementedApproved, f.changes.implemented],
    atLeast: 0.5,
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of implemented changes were approved`,
    nextStep: (_, m) =>
      `${m.fact}; require an approval before implementation (\`changegate cr request-approval\`, approvers with \`cr approve\`).`,
  },
  {
    id: 'process.policy-in-force',
    dimension: 'process',
    level: 3,
    requirement: 'A formal process applies the same workflow to every team: an approval policy in force',
    requires: (f) => f.config.approvalPolicy,
    share: (f) => [f.changes.withPolicyDecision, f.changes.total],
    atLeast: 0.8,
    whenNone: 'not-met',
    fact: (f, m) =>
      `approval policy ${f.config.approvalPolicy ? 'configured' : 'not configured'}; ${m.value} of changes were routed by it`,
    nextStep: (f, m) =>
      f.config.approvalPolicy
        ? `Only ${m.value} of changes were routed by the approval policy; request approval for every change so the policy decides (docs/approval-policy.md).`
        : "No approval policy is configured: add `approvalPolicy:` rules to changegate.yaml so every team's changes follow the same chain (docs/approval-policy.md).",
  },
  {
    id: 'process.consistently-approved',
    dimension: 'process',
    level: 3,
    requirement: 'Teams follow consistent procedures: nearly every implemented change approved',
    share: (f) => [f.changes.implementedApproved, f.changes.implemented],
    atLeast: 0.9,
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of implemented changes were approved`,
    nextStep: (_, m) =>
      `${m.fact} (target ${m.target}): find the teams deploying unapproved changes and gate their pipelines with \`changegate deploy\`.`,
  },
  {
    id: 'process.templates',
    dimension: 'process',
    level: 3,
    requirement: 'Standardized workflows: standard change templates in use',
    holds: (f) => f.catalog.templates > 0 && f.changes.fromTemplate > 0,
    fact: (f) =>
      `${f.catalog.templates} templates defined; ${f.changes.fromTemplate} changes created from one`,
    nextStep: (f) =>
      f.catalog.templates === 0
        ? 'No standard change templates are defined: define templates for routine changes (docs/templates.md).'
        : `${f.catalog.templates} templates exist but no change was created from one: use \`changegate cr create --template\` for routine changes.`,
  },
  answered('processDocumented'),
  {
    id: 'process.failure-analysis',
    dimension: 'process',
    level: 4,
    requirement: 'Detailed root cause analysis for change failures',
    holds: (f) =>
      f.incidents.problemsWithRootCause > 0 || (f.incidents.total > 0 && f.incidents.withConfirmedCause > 0),
    fact: (f) =>
      `${f.incidents.problemsWithRootCause} problems with a recorded root cause; ${f.incidents.withConfirmedCause} incidents with a confirmed causing change`,
    nextStep:
      'No root cause is recorded: open a problem for failed changes and change-related incidents and record its root cause (docs/incidents.md).',
  },
  answered('cabMeetsRegularly'),
  {
    id: 'process.policy-refined',
    dimension: 'process',
    level: 5,
    requirement: 'Regular process refinements based on performance data',
    count: (f) => f.config.revisionPeriods,
    atLeast: 3,
    fact: (f, m) =>
      `configuration changed in ${m.value} of the last 12 30-day periods (${f.config.versions} versions)`,
    nextStep: (_, m) =>
      `The policy was revised in ${m.value} of the last 12 periods (target ${m.target}): review the metrics regularly and refine changegate.yaml from them.`,
  },
  answered('feedbackLoop'),
];
