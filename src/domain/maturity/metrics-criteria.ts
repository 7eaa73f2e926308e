import { answered, type MaturityCriterion } from './maturity-criterion.js';
import { pct } from './maturity-facts.js';

const minutes = (ms: number | null) => (ms === null ? 'none' : `${Math.round(ms / 60_000)} min`);

/** Metrics & KPIs: counted, tracked, trended, improving. */
export const metricsCriteria: MaturityCriterion[] = [
  {
    id: 'metrics.volume',
    dimension: 'metrics',
    level: 2,
    requirement: 'Basic metrics (e.g. number of changes)',
    count: (f) => f.changes.total,
    atLeast: 10,
    fact: (_, m) => `${m.value} changes counted`,
    nextStep: (_, m) =>
      `Only ${m.value} changes are recorded: record every change so even the basic count means something.`,
  },
  {
    id: 'metrics.success-rate',
    dimension: 'metrics',
    level: 3,
    requirement: 'Change success rate tracked',
    count: (f) => f.changes.closed,
    atLeast: 20,
    fact: (f, m) =>
      `${m.value} changes closed with a category, ${pct(f.changes.closedSuccessful, f.changes.closed)} successful`,
    nextStep: (_, m) =>
      `Only ${m.value} changes are closed with a category (at least ${m.target} give a rate): close every change (\`changegate cr close --category …\`) or let the pipeline close them.`,
  },
  {
    id: 'metrics.approval-time',
    dimension: 'metrics',
    level: 3,
    requirement: 'Approval times tracked',
    count: (f) => f.approvals.stepsDecided,
    atLeast: 10,
    fact: (_, m) => `${m.value} approval steps decided`,
    nextStep: (_, m) =>
      `Only ${m.value} approval steps were decided (at least ${m.target} give a time): route approvals through an approval policy so each decision is timed.`,
  },
  {
    id: 'metrics.incidents-linked',
    dimension: 'metrics',
    level: 3,
    requirement: 'Change-related incidents monitored',
    count: (f) => f.incidents.total,
    atLeast: 1,
    fact: (_, m) => `${m.value} incidents recorded`,
    nextStep:
      'No incidents are recorded: record incidents in changegate (CLI, API or the inbound webhook) so change-related incidents can be counted.',
  },
  {
    id: 'metrics.trending',
    dimension: 'metrics',
    level: 4,
    requirement: 'Metrics over time: deployments in enough periods to show a trend',
    count: (f) => f.deployments.activePeriods,
    atLeast: 3,
    fact: (f, m) =>
      `finished deployments in ${m.value} of the last 12 30-day periods (${f.deployments.finished} in all)`,
    nextStep: (_, m) =>
      `Deployments were recorded in ${m.value} of the last 12 periods (at least ${m.target} show a trend): deploy through \`changegate deploy\` so every deployment is counted.`,
  },
  {
    id: 'metrics.recovery-time',
    dimension: 'metrics',
    level: 4,
    requirement: 'Advanced metrics: time to recover, downtime related to changes',
    count: (f) => f.incidents.resolved,
    atLeast: 5,
    fact: (_, m) => `${m.value} resolved incidents give a time to restore`,
    nextStep: (_, m) =>
      `Only ${m.value} incidents are resolved in changegate (at least ${m.target}): resolve incidents there (\`changegate incident resolve\`) so time to restore can be measured.`,
  },
  answered('kpisDriveImprovement'),
  {
    id: 'metrics.approval-time-falling',
    dimension: 'metrics',
    level: 5,
    requirement: 'Change approval time continuously reduced',
    holds: ({ approvals: a }) =>
      a.recentMeanMs !== null && a.previousMeanMs !== null && a.recentMeanMs < a.previousMeanMs,
    fact: ({ approvals: a }) =>
      `mean approval step time ${minutes(a.recentMeanMs)} in the last 90 days, ${minutes(a.previousMeanMs)} in the 90 before`,
    nextStep: ({ approvals: a }) =>
      a.recentMeanMs === null || a.previousMeanMs === null
        ? 'Approval time cannot be compared across the last two 90-day periods: route approvals through approval chains so each step is timed.'
        : `Approval time did not fall (${minutes(a.recentMeanMs)} vs ${minutes(a.previousMeanMs)}): find the slow steps in the metrics' approval bottlenecks and add auto-approval for low-risk ready changes.`,
  },
  answered('realTimeDashboards'),
];
