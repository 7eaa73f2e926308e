import { answered, type MaturityCriterion } from './maturity-criterion.js';
import type { MaturityFacts } from './maturity-facts.js';

/** Changes with their creation event (events of purged changes do not count twice). */
const audited = (f: MaturityFacts) => Math.min(f.audit.changeCreatedEvents, f.changes.total);

/** Audit/compliance: a trail, full documentation, monitored compliance, real-time monitoring. */
export const auditCriteria: MaturityCriterion[] = [
  {
    id: 'audit.trail-exists',
    dimension: 'audit',
    level: 2,
    requirement: 'Basic documentation: an audit trail is kept',
    holds: (f) => f.audit.events > 0 && f.changes.total > 0,
    fact: (f) => `${f.audit.events} audit events for ${f.changes.total} changes`,
    nextStep: 'There is no change history to audit yet: record changes in changegate; each is audited.',
  },
  {
    id: 'audit.every-change-audited',
    dimension: 'audit',
    level: 3,
    requirement: 'Comprehensive audit trail: every change has its events',
    share: (f) => [audited(f), f.changes.total],
    atLeast: 0.99,
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of changes have their creation audit event`,
    nextStep: (f) =>
      `${f.changes.total - audited(f)} changes have no creation audit event (imported or seeded history): create changes only through changegate's API, CLI or pipeline.`,
  },
  {
    id: 'audit.rollback-documented',
    dimension: 'audit',
    level: 3,
    requirement: 'Full documentation of changes, including rollback procedures',
    share: (f) => [f.changes.productionWithBackoutPlan, f.changes.production],
    atLeast: 0.8,
    // No production change at all documents no rollback procedure.
    whenNone: 'not-met',
    fact: (_, m) => `${m.value} of production changes document a backout plan`,
    nextStep: (_, m) =>
      `${m.fact} (target ${m.target}): require \`backoutPlan\` on production changes (a template preset or a custom field).`,
  },
  {
    id: 'audit.retro-on-time',
    dimension: 'audit',
    level: 4,
    requirement: 'Compliance metrics actively monitored: emergency changes approved retrospectively on time',
    // Emergency changes without any obligation recorded cannot show their approvals were on time.
    requires: (f) => f.changes.emergency === 0 || f.retrospective.total > 0,
    share: (f) => [f.retrospective.completedOnTime, f.retrospective.total],
    atLeast: 0.9,
    whenNone: 'not-applicable',
    notApplicable: 'no emergency changes in the data, nothing to approve retrospectively',
    fact: (f, m) => `${m.value} of retrospective approvals on time, ${f.retrospective.late} late`,
    nextStep: (f, m) =>
      f.retrospective.total === 0
        ? 'No emergency change has a retrospective approval obligation to measure: run emergencies through `changegate deploy --emergency` so the obligation and its due date are recorded.'
        : `${f.retrospective.late} retrospective approvals were late (${m.value} on time, target ${m.target}): give approvers an SLA and escalation for emergency changes.`,
  },
  {
    id: 'audit.controls-configured',
    dimension: 'audit',
    level: 4,
    requirement: 'Audit processes integrated: freeze windows and a compliance profile enforced',
    holds: (f) => f.catalog.freezeWindows > 0 && f.config.complianceProfile,
    fact: (f) =>
      `${f.catalog.freezeWindows} freeze windows defined; compliance profile ${f.config.complianceProfile ? 'configured' : 'not configured'}`,
    nextStep: (f) =>
      [
        f.catalog.freezeWindows === 0 ? 'Define freeze windows (docs/windows.md).' : null,
        f.config.complianceProfile
          ? null
          : 'Attach a compliance profile to every pipeline change (`complianceProfile:` in changegate.yaml).',
      ]
        .filter(Boolean)
        .join(' '),
  },
  answered('complianceMonitoredRealTime'),
];
