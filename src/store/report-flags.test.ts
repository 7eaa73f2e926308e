import { describe, expect, it } from 'vitest';
import type { PolicyDecision } from '../domain/policy-decision.js';
import { approvalRoute, withReportFlags } from './change-requests.js';

const rule = (steps: string[]) => ({
  rule: 'r',
  matched: steps.length > 0,
  reasons: [],
  steps,
  autoApprovable: true,
});
const decision = (steps: string[], auto: boolean | null): PolicyDecision => ({
  configVersion: 1,
  rules: [rule([]), rule(steps)],
  autoApproval: auto === null ? null : { approved: auto, reasons: [] },
  decidedAt: 0,
});

describe('report flag columns (migration 0015)', () => {
  it('routes a decision: auto-approved wins over a chain; no steps is none; no decision is null', () => {
    expect(approvalRoute(decision(['owners'], true))).toBe('auto');
    expect(approvalRoute(decision(['owners'], false))).toBe('chain');
    expect(approvalRoute(decision(['owners'], null))).toBe('chain');
    expect(approvalRoute(decision([], false))).toBe('none');
    expect(approvalRoute(null)).toBeNull();
  });

  it('sets only the flags of the columns a write sets', () => {
    expect(withReportFlags({ title: 'x' })).toEqual({ title: 'x' });
    expect(withReportFlags({ backout_plan: '' })).toEqual({ backout_plan: '', backout_planned: 0 });
    expect(withReportFlags({ backout_plan: 'redeploy' }).backout_planned).toBe(1);
    expect(withReportFlags({ risk_assessment_json: null }).risk_assessed).toBe(0);
    expect(withReportFlags({ risk_assessment_json: '{}' }).risk_assessed).toBe(1);
    const json = JSON.stringify(decision(['owners'], true));
    expect(withReportFlags({ approval_decision_json: json }).approval_route).toBe('auto');
    expect(withReportFlags({ approval_decision_json: null }).approval_route).toBeNull();
  });
});
