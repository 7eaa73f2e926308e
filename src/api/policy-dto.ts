import { eligibleGroups } from '../domain/approval-chain.js';
import type { Approval } from '../domain/change-request.js';
import type { PolicyDecision } from '../domain/policy-decision.js';
import type {
  ChangeApprovals,
  PolicyExplanation,
  PolicyInForce,
} from '../services/approvals/approval-queries.js';
import type {
  ApprovalPolicyDto,
  ChangeApprovalsDto,
  PolicyDecisionDto,
  PolicyExplanationDto,
  StepApprovalDto,
} from './policy-schemas.js';

/** Domain → API shapes for approval routing; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function policyDecisionDto(d: PolicyDecision): PolicyDecisionDto {
  return {
    configVersion: d.configVersion,
    rules: d.rules.map((r) => ({
      rule: r.rule,
      matched: r.matched,
      reasons: r.reasons,
      steps: r.steps,
      autoApprovable: r.autoApprovable,
    })),
    autoApproval: d.autoApproval && { approved: d.autoApproval.approved, reasons: d.autoApproval.reasons },
    decidedAt: iso(d.decidedAt),
  };
}

export function approvalPolicyDto(p: PolicyInForce): ApprovalPolicyDto {
  return {
    configVersion: p.configVersion,
    appliedBy: p.appliedBy,
    appliedAt: isoOrNull(p.appliedAt),
    policy: p.policy && {
      rules: p.policy.rules.map((r) => ({
        name: r.name,
        when: r.when,
        autoApprovable: r.autoApprovable,
        steps: r.steps.map((s) => ({
          name: s.name,
          group: s.group,
          required: s.required,
          dualControl: s.dualControl,
          slaMs: s.slaMs,
          escalateTo: s.escalateTo,
        })),
      })),
    },
  };
}

function stepApprovalDto(a: Approval): StepApprovalDto {
  return { approver: a.approver, decision: a.decision, comment: a.comment, decidedAt: iso(a.decidedAt) };
}

export function changeApprovalsDto(v: ChangeApprovals): ChangeApprovalsDto {
  const cr = v.changeRequest;
  return {
    changeRequest: cr.number,
    state: cr.state,
    approval: cr.approval,
    rounds: v.rounds.map((r) => ({
      round: r.round,
      steps: r.steps.map(({ step: s, approvals }) => ({
        id: s.id,
        seq: s.seq,
        rule: s.rule,
        name: s.name,
        group: s.group,
        required: s.required,
        dualControl: s.dualControl,
        slaMs: s.slaMs,
        escalateTo: s.escalateTo,
        status: s.status,
        approved: new Set(approvals.filter((a) => a.decision === 'approved').map((a) => a.approver)).size,
        escalationLevel: s.escalationLevel,
        eligibleGroups: eligibleGroups(s),
        activatedAt: isoOrNull(s.activatedAt),
        dueAt: isoOrNull(s.dueAt),
        decidedAt: isoOrNull(s.decidedAt),
        approvals: approvals.map(stepApprovalDto),
      })),
    })),
    otherApprovals: v.otherApprovals.map(stepApprovalDto),
    decision: cr.approvalDecision && policyDecisionDto(cr.approvalDecision),
  };
}

export function policyExplanationDto(e: PolicyExplanation): PolicyExplanationDto {
  const { facts, routing, unknownGroups } = e.plan;
  return {
    changeRequest: e.changeRequest.number,
    configVersion: e.plan.configVersion,
    facts: {
      type: facts.type,
      environment: facts.environment,
      environmentPurpose: facts.environmentPurpose,
      risk: facts.risk,
      components: facts.components.map((c) => ({
        name: c.name,
        ownerGroup: c.ownerGroup,
        criticality: c.criticality,
      })),
      labels: facts.labels,
      category: facts.category,
    },
    rules: policyDecisionDto({ configVersion: 0, rules: routing.rules, autoApproval: null, decidedAt: 0 })
      .rules,
    steps: routing.steps.map((s) => {
      const missing = unknownGroups.filter((u) => u.step === s).map((u) => u.group);
      return {
        rules: s.rules,
        name: s.name,
        group: s.group,
        required: s.required,
        dualControl: s.dualControl,
        slaMs: s.slaMs,
        escalateTo: s.escalateTo,
        problem: missing.length
          ? `group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist: requesting approval would be refused`
          : null,
      };
    }),
    autoApprovable: e.autoApprovable,
    evaluatedAt: iso(e.evaluatedAt),
  };
}
