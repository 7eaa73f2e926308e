import { describe, expect, it } from 'vitest';
import { type RiskLevel, riskLevels } from './change-request.js';
import {
  closeCategoryFor,
  decideAutoApproval,
  deploymentFingerprint,
  deploymentTitle,
  emergencyObligations,
  pipelineStatusOf,
  type StepStatus,
  stepStatuses,
} from './deployment.js';
import type { DeltaItem } from './inventory.js';

function item(name: string, change: DeltaItem['change'] = 'added', toVersion = '1.0.0'): DeltaItem {
  return {
    name,
    change,
    fromVersion: change === 'added' ? null : '0.9.0',
    toVersion: change === 'removed' ? null : toVersion,
    from: null,
    to: null,
  };
}

describe('decideAutoApproval', () => {
  const base = {
    ready: true,
    outageMinutes: 0,
    risk: 'low' as RiskLevel | null,
    maxRisk: 'moderate' as RiskLevel,
  };

  it('approves a ready deployment with no outage and risk within the limit, saying why on each line', () => {
    const d = decideAutoApproval(base);
    expect(d.approved).toBe(true);
    expect(d.reasons).toEqual([
      'deployment ready: yes',
      'outage: none',
      "risk: low within the auto-approval limit 'moderate'",
    ]);
  });

  it('needs a human when the deployment is not ready', () => {
    const d = decideAutoApproval({ ...base, ready: false });
    expect(d.approved).toBe(false);
    expect(d.reasons[0]).toBe('deployment ready: no (evidence checks did not pass)');
  });

  it('needs a human when the change causes an outage, however short', () => {
    const d = decideAutoApproval({ ...base, outageMinutes: 1 });
    expect(d.approved).toBe(false);
    expect(d.reasons[1]).toBe('outage: 1 minutes (planned downtime needs a human approval)');
  });

  it('compares risk against the limit by level order, the limit itself included', () => {
    for (const maxRisk of riskLevels) {
      for (const risk of riskLevels) {
        const d = decideAutoApproval({ ...base, risk, maxRisk });
        const within = riskLevels.indexOf(risk) <= riskLevels.indexOf(maxRisk);
        expect(d.approved, `${risk} vs ${maxRisk}`).toBe(within);
        expect(d.reasons[2]).toBe(
          `risk: ${risk} ${within ? 'within' : 'above'} the auto-approval limit '${maxRisk}'`,
        );
      }
    }
  });

  it('counts a CR without a risk as low', () => {
    expect(decideAutoApproval({ ...base, risk: null, maxRisk: 'low' })).toEqual({
      approved: true,
      reasons: ['deployment ready: yes', 'outage: none', "risk: low within the auto-approval limit 'low'"],
    });
  });

  it('approves only when all three conditions hold (every combination)', () => {
    for (const ready of [true, false])
      for (const outageMinutes of [0, 30])
        for (const risk of ['low', 'high'] as const) {
          const d = decideAutoApproval({ ready, outageMinutes, risk, maxRisk: 'moderate' });
          expect(d.approved, JSON.stringify({ ready, outageMinutes, risk })).toBe(
            ready && outageMinutes === 0 && risk === 'low',
          );
        }
  });
});

describe('closeCategoryFor', () => {
  it('closes successful when readiness still holds at closure, successful_with_issues otherwise', () => {
    expect(closeCategoryFor(true)).toBe('successful');
    expect(closeCategoryFor(false)).toBe('successful_with_issues');
  });
});

describe('pipelineStatusOf', () => {
  const cases: [StepStatus, StepStatus, boolean, StepStatus, string][] = [];
  for (const deploy of stepStatuses)
    for (const acceptance of stepStatuses)
      for (const rollbackEnabled of [true, false])
        for (const rollback of stepStatuses) {
          let expected: string;
          if (deploy === 'success' && acceptance === 'success') expected = 'successful_deployment';
          else if (!rollbackEnabled || rollback === 'not_run') expected = 'failed_deployment_no_rollback';
          else if (rollback === 'success') expected = 'failed_deployment_successful_rollback';
          else expected = 'failed_deployment_failed_rollback';
          cases.push([deploy, acceptance, rollbackEnabled, rollback, expected]);
        }

  it.each(cases)(
    'deploy %s, acceptance %s, rollback enabled %s, rollback %s → %s',
    (deploy, acceptance, rollbackEnabled, rollback, expected) => {
      expect(pipelineStatusOf({ deploy, acceptance, rollbackEnabled, rollback })).toBe(expected);
    },
  );

  it('spells out the four statuses of DESIGN.md §5', () => {
    const s = (deploy: StepStatus, acceptance: StepStatus, rollbackEnabled: boolean, rollback: StepStatus) =>
      pipelineStatusOf({ deploy, acceptance, rollbackEnabled, rollback });
    expect(s('success', 'success', true, 'not_run')).toBe('successful_deployment');
    expect(s('success', 'failure', true, 'success')).toBe('failed_deployment_successful_rollback');
    expect(s('failure', 'not_run', true, 'failure')).toBe('failed_deployment_failed_rollback');
    // Rollback disabled: whatever a rollback step reported does not count.
    expect(s('failure', 'not_run', false, 'success')).toBe('failed_deployment_no_rollback');
    // Enabled but the step never ran.
    expect(s('success', 'failure', true, 'not_run')).toBe('failed_deployment_no_rollback');
    // Acceptance not run is not a success here: finishDeployment maps it to success before asking.
    expect(s('success', 'not_run', false, 'not_run')).toBe('failed_deployment_no_rollback');
  });
});

describe('emergencyObligations', () => {
  it('owes a retrospective approval and a root cause analysis when evidence held at closure', () => {
    const obligations = emergencyObligations(true);
    expect(obligations.map((o) => o.kind)).toEqual(['retrospective_approval', 'root_cause_analysis']);
    for (const o of obligations) expect(o.detail.length).toBeGreaterThan(10);
  });

  it('also owes remediation of the evidence gaps when readiness did not hold', () => {
    expect(emergencyObligations(false).map((o) => o.kind)).toEqual([
      'retrospective_approval',
      'evidence_remediation',
      'root_cause_analysis',
    ]);
    expect(emergencyObligations(false)[1]?.detail).toMatch(/remediated/);
  });
});

describe('deploymentFingerprint', () => {
  it('names environment, region and revision', () => {
    expect(deploymentFingerprint('prod', 'eu-de', 'rev1')).toBe('prod/eu-de@rev1');
    expect(deploymentFingerprint('prod', 'eu-de', 'rev1')).not.toBe(
      deploymentFingerprint('prod', 'us', 'rev1'),
    );
  });
});

describe('deploymentTitle', () => {
  it('says what changes and where, leaving out the default region', () => {
    expect(
      deploymentTitle('prod', 'default', [item('api', 'changed', '2.0.0'), item('old', 'removed')]),
    ).toBe('Deploy api 2.0.0, remove old to prod');
    expect(deploymentTitle('prod', 'eu-de', [item('api')])).toBe('Deploy api 1.0.0 to prod/eu-de');
  });

  it('says a redeploy changes nothing', () => {
    expect(deploymentTitle('stage', 'default', [])).toBe('Redeploy stage (no changes)');
    expect(deploymentTitle('stage', 'us', [])).toBe('Redeploy stage/us (no changes)');
  });

  it('shows three entries and counts the rest', () => {
    const delta = ['a', 'b', 'c'].map((n) => item(n));
    expect(deploymentTitle('prod', 'default', delta)).toBe('Deploy a 1.0.0, b 1.0.0, c 1.0.0 to prod');
    expect(deploymentTitle('prod', 'default', [...delta, item('d')])).toBe(
      'Deploy a 1.0.0, b 1.0.0, c 1.0.0 and 1 more to prod',
    );
    expect(deploymentTitle('prod', 'default', [...delta, item('d'), item('e')])).toBe(
      'Deploy a 1.0.0, b 1.0.0, c 1.0.0 and 2 more to prod',
    );
  });

  it('is cut at 200 characters (the CR title limit)', () => {
    const long = [item('x'.repeat(150), 'added', 'v'.repeat(60)), item('y'.repeat(100))];
    const title = deploymentTitle('prod', 'default', long);
    expect(title).toHaveLength(200);
    expect(title.startsWith(`Deploy ${'x'.repeat(150)} ${'v'.repeat(42)}`)).toBe(true);
    const exactly = deploymentTitle('prod', 'default', [
      item('n'.repeat(200 - 'Deploy  1.0.0 to prod'.length)),
    ]);
    expect(exactly).toHaveLength(200);
    expect(exactly.endsWith(' to prod')).toBe(true);
  });
});
