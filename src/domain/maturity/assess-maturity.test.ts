import { describe, expect, it } from 'vitest';
import { parseTenantConfig } from '../tenant-config.js';
import { assessDimension, assessMaturity } from './assess-maturity.js';
import { maturityCriteria } from './maturity-criteria.js';
import { emptyChangeCounts, type MaturityFacts } from './maturity-facts.js';
import { maturityDimensions, maturityQuestions } from './maturity-questions.js';

/** Nothing recorded, nothing configured. */
function emptyFacts(): MaturityFacts {
  return {
    changes: emptyChangeCounts(),
    deployments: { finished: 0, failed: 0, failedWithRollback: 0, activePeriods: 0 },
    approvals: { stepsDecided: 0, stepsWithSla: 0, recentMeanMs: null, previousMeanMs: null },
    retrospective: { total: 0, completedOnTime: 0, late: 0 },
    incidents: {
      total: 0,
      resolved: 0,
      withConfirmedCause: 0,
      withCauseReviewed: 0,
      problemsWithRootCause: 0,
    },
    environments: { total: 0, production: 0, productionRollbackEnabled: 0 },
    catalog: { components: 0, groups: 0, templates: 0, freezeWindows: 0 },
    config: {
      versions: 0,
      revisionPeriods: 0,
      approvalPolicy: false,
      riskModel: false,
      riskHistory: false,
      evidenceChecks: false,
      complianceProfile: false,
    },
    audit: { events: 0, changeCreatedEvents: 0 },
    answers: {},
  };
}

/** 100 changes, 40 in production, all implemented: the numbers each test then moves across a threshold. */
function managedFacts(): MaturityFacts {
  const f = emptyFacts();
  Object.assign(f.changes, {
    total: 100,
    production: 40,
    implemented: 100,
    implementedApproved: 60,
    withRisk: 30,
    productionWithRisk: 20,
  });
  Object.assign(f.audit, { events: 300, changeCreatedEvents: 100 });
  return f;
}

describe('maturity scoring', () => {
  it('puts an empty tenant at level 1 everywhere, with the reasons and next steps', () => {
    const m = assessMaturity(emptyFacts());
    expect(m.overall).toBe(1);
    for (const d of m.dimensions) {
      expect(d.level, d.dimension).toBe(1);
      expect(d.next?.level).toBe(2);
      expect(d.next?.unmet.length, d.dimension).toBeGreaterThan(0);
    }
    const process = m.dimensions.find((d) => d.dimension === 'process');
    expect(process?.next?.unmet.map((u) => u.fact)).toContain('0 change requests recorded');
    expect(m.nextSteps.length).toBeGreaterThanOrEqual(5);
  });

  it('reaches process level 2 at exactly half of implemented changes approved, not below', () => {
    const f = managedFacts();
    f.changes.implementedApproved = 50;
    expect(assessDimension('process', f).level).toBe(2);
    f.changes.implementedApproved = 49;
    const below = assessDimension('process', f);
    expect(below.level).toBe(1);
    expect(below.next?.unmet.map((u) => u.id)).toEqual(['process.approved-before-implement']);
    expect(below.next?.unmet[0]?.nextStep).toContain('49% (49 of 100) of implemented changes were approved');
  });

  it('needs the policy, consistency, templates and the documented process for process level 3', () => {
    const f = managedFacts();
    Object.assign(f.changes, { implementedApproved: 95, withPolicyDecision: 85, fromTemplate: 10 });
    f.config.approvalPolicy = true;
    f.catalog.templates = 2;
    const unanswered = assessDimension('process', f);
    expect(unanswered.level).toBe(2);
    expect(unanswered.next?.unmet.map((u) => u.id)).toEqual(['answer.processDocumented']);
    expect(unanswered.next?.unmet[0]?.nextStep).toContain('maturity.answers.processDocumented');
    f.answers.processDocumented = true;
    expect(assessDimension('process', f).level).toBe(3);
    f.changes.withPolicyDecision = 79;
    expect(assessDimension('process', f).level).toBe(2);
  });

  it('moves risk from 1 to 4 as assessments, the model and reviewed incident causes are added', () => {
    const f = managedFacts();
    expect(assessDimension('risk', f).level).toBe(2); // 20 of 40 production changes carry a risk
    f.changes.productionWithRisk = 19;
    const low = assessDimension('risk', f);
    expect(low.level).toBe(1);
    expect(low.next?.unmet[0]?.nextStep).toContain('48% (19 of 40) of production changes carry a risk');

    f.changes.productionWithRisk = 40;
    f.changes.withRiskAssessment = 90;
    f.answers.securityReviewInPlanning = true;
    const noModel = assessDimension('risk', f);
    expect(noModel.level).toBe(2);
    expect(noModel.next?.unmet[0]?.nextStep).toContain('configure a risk model');
    f.config.riskModel = true;
    expect(assessDimension('risk', f).level).toBe(3);

    f.config.riskHistory = true;
    Object.assign(f.incidents, { total: 10, withCauseReviewed: 4 });
    const causes = assessDimension('risk', f);
    expect(causes.level).toBe(3);
    expect(causes.next?.unmet[0]?.fact).toBe('40% (4 of 10) of incidents had their causing changes reviewed');
    f.incidents.withCauseReviewed = 5;
    expect(assessDimension('risk', f).level).toBe(4);
  });

  it('ranks metrics by what can be measured: closed changes, decided steps, incidents, periods', () => {
    const f = managedFacts();
    expect(assessDimension('metrics', f).level).toBe(2);
    Object.assign(f.changes, { closed: 20, closedSuccessful: 18 });
    f.approvals.stepsDecided = 10;
    f.incidents.total = 1;
    expect(assessDimension('metrics', f).level).toBe(3);
    f.deployments.activePeriods = 3;
    f.incidents.resolved = 5;
    f.answers.kpisDriveImprovement = true;
    expect(assessDimension('metrics', f).level).toBe(4);
    Object.assign(f.approvals, { recentMeanMs: 3_600_000, previousMeanMs: 3_600_000 });
    f.answers.realTimeDashboards = true;
    const flat = assessDimension('metrics', f);
    expect(flat.level).toBe(4);
    expect(flat.next?.unmet[0]?.nextStep).toContain('Approval time did not fall (60 min vs 60 min)');
    f.approvals.recentMeanMs = 1_800_000;
    expect(assessDimension('metrics', f).level).toBe(5);
    expect(assessDimension('metrics', f).next).toBeNull();
  });

  it('requires rollback on every production environment for automation level 4', () => {
    const f = managedFacts();
    Object.assign(f.changes, { pipelineCreated: 90, productionPipelineCreated: 36, autoApproved: 9 });
    f.config.evidenceChecks = true;
    Object.assign(f.environments, { total: 3, production: 2, productionRollbackEnabled: 1 });
    Object.assign(f.deployments, { finished: 50, failed: 10, failedWithRollback: 8 });
    const partial = assessDimension('automation', f);
    expect(partial.level).toBe(3);
    expect(partial.next?.unmet[0]?.nextStep).toContain(
      'Rollback is enabled on 1 of 2 production environments',
    );
    f.environments.productionRollbackEnabled = 2;
    expect(assessDimension('automation', f).level).toBe(4);
    f.deployments.failedWithRollback = 7;
    expect(assessDimension('automation', f).level).toBe(3);
  });

  it('holds audit at level 2 while changes lack their creation event', () => {
    const f = managedFacts();
    f.changes.productionWithBackoutPlan = 32;
    expect(assessDimension('audit', f).level).toBe(3);
    f.audit.changeCreatedEvents = 98;
    const gap = assessDimension('audit', f);
    expect(gap.level).toBe(2);
    expect(gap.next?.unmet[0]?.nextStep).toContain('2 changes have no creation audit event');
  });

  /** Audit facts meeting every level-4 criterion but the retrospective one, which the test then sets. */
  function auditedFacts(): MaturityFacts {
    const f = managedFacts();
    f.changes.productionWithBackoutPlan = 32;
    f.catalog.freezeWindows = 1;
    f.config.complianceProfile = true;
    return f;
  }

  it('counts retrospective approvals as not applicable with no emergency changes, so audit reaches level 4', () => {
    const audit = assessDimension('audit', auditedFacts());
    expect(audit.level).toBe(4);
    expect(audit.criteria.find((c) => c.id === 'audit.retro-on-time')).toMatchObject({
      met: true,
      fact: 'no emergency changes in the data, nothing to approve retrospectively',
    });
  });

  it('holds audit at level 3 while emergency changes lack their retrospective obligation or approve it late', () => {
    const f = auditedFacts();
    f.changes.emergency = 2;
    const untracked = assessDimension('audit', f);
    expect(untracked.level).toBe(3);
    expect(untracked.next?.unmet.map((u) => u.id)).toEqual(['audit.retro-on-time']);
    expect(untracked.next?.unmet[0]?.nextStep).toContain(
      'No emergency change has a retrospective approval obligation to measure',
    );
    Object.assign(f.retrospective, { total: 10, completedOnTime: 8, late: 2 });
    expect(assessDimension('audit', f).next?.unmet[0]?.nextStep).toContain(
      '2 retrospective approvals were late (80% (8 of 10) on time, target 90%)',
    );
    f.retrospective.completedOnTime = 9;
    expect(assessDimension('audit', f).level).toBe(4);
  });

  it('does not lift a level on an empty population where the emptiness is the gap: no production change', () => {
    const f = managedFacts();
    Object.assign(f.changes, { production: 0, productionWithRisk: 0 });
    const risk = assessDimension('risk', f);
    expect(risk.level).toBe(1);
    expect(risk.next?.unmet[0]).toMatchObject({
      id: 'risk.significant-changes-evaluated',
      fact: '0% (0 of 0) of production changes carry a risk',
    });
    const audit = assessDimension('audit', f);
    expect(audit.level).toBe(2);
    expect(audit.next?.unmet.map((u) => u.id)).toEqual(['audit.rollback-documented']);
  });

  it('judges automated rollback not applicable while no deployment failed, only with rollback enabled everywhere', () => {
    const f = managedFacts();
    Object.assign(f.changes, { pipelineCreated: 90, productionPipelineCreated: 36, autoApproved: 9 });
    f.config.evidenceChecks = true;
    Object.assign(f.environments, { total: 3, production: 2, productionRollbackEnabled: 2 });
    Object.assign(f.deployments, { finished: 50, failed: 0, failedWithRollback: 0 });
    const none = assessDimension('automation', f);
    expect(none.level).toBe(4);
    expect(none.criteria.find((c) => c.id === 'automation.rollback')?.fact).toBe(
      'rollback enabled on 2 of 2 production environments; no deployment failed, nothing to roll back',
    );
    f.environments.productionRollbackEnabled = 1;
    const partial = assessDimension('automation', f);
    expect(partial.level).toBe(3);
    expect(partial.next?.unmet[0]?.fact).toBe(
      'rollback enabled on 1 of 2 production environments; 0% (0 of 0) of failed deployments rolled back',
    );
  });

  it('sets the overall level to the weakest dimension and lists that dimension’s steps first', () => {
    const f = managedFacts();
    f.changes.productionWithRisk = 0;
    const m = assessMaturity(f);
    expect(m.overall).toBe(1);
    expect(new Set(m.nextSteps.map((s) => s.dimension))).toEqual(new Set(['risk', 'automation']));
  });

  it('has criteria for every level from 2 to 5 in every dimension, and a criterion per question', () => {
    for (const d of maturityDimensions) {
      for (const level of [2, 3, 4, 5]) {
        expect(
          maturityCriteria.some((c) => c.dimension === d && c.level === level),
          `${d} level ${level}`,
        ).toBe(true);
      }
    }
    // testAutomation is one of three ways to meet automation level 2 (below); the others are criteria of their own.
    for (const q of maturityQuestions.filter((x) => x.id !== 'testAutomation')) {
      const c = maturityCriteria.find((x) => x.id === `answer.${q.id}`);
      expect(c?.dimension).toBe(q.dimension);
      expect(c?.level).toBe(q.level);
    }
  });

  it('lets an answer about automated testing lift automation to level 2 when no pipeline is seen', () => {
    const f = managedFacts();
    expect(assessDimension('automation', f).level).toBe(1);
    f.answers.testAutomation = true;
    expect(assessDimension('automation', f).level).toBe(2);
  });

  it('parses the questionnaire from the tenant configuration and refuses unknown questions', () => {
    const config = parseTenantConfig({
      maturity: { answers: { cabMeetsRegularly: true, feedbackLoop: false } },
    });
    expect(config.maturity?.answers).toEqual({ cabMeetsRegularly: true, feedbackLoop: false });
    expect(() => parseTenantConfig({ maturity: { answers: { cabMeetsRegulary: true } } })).toThrow(
      /maturity\.answers\.cabMeetsRegulary: unknown key \(did you mean 'cabMeetsRegularly'\?\)/,
    );
    expect(() => parseTenantConfig({ maturity: { answers: { feedbackLoop: 'yes' } } })).toThrow(
      /maturity\.answers\.feedbackLoop: must be true or false/,
    );
  });
});
