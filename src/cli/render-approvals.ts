import type {
  ApprovalPolicyDto,
  ApprovalStepDto,
  ChangeApprovalsDto,
  PolicyDecisionDto,
  PolicyExplanationDto,
  RuleOutcomeDto,
} from '../api/policy-schemas.js';
import { formatDuration } from '../domain/approval-policy.js';

/** Human renderings of approval chains and policy decisions; --json prints the shapes themselves. */

const mark = (matched: boolean) => (matched ? '✓' : '✗');
const sla = (ms: number | null) => (ms === null ? '' : `, sla ${formatDuration(ms)}`);

export function renderRuleOutcomes(rules: RuleOutcomeDto[]): string[] {
  if (rules.length === 0) return ['  no rules: one approval by anyone whose role may approve'];
  return rules.flatMap((r) => [
    `  ${mark(r.matched)} ${r.rule}${r.matched ? (r.autoApprovable ? ' (auto-approvable)' : '') : ' (not matched)'}${r.steps.length ? ` → ${r.steps.join(', ')}` : ''}`,
    ...r.reasons.map((reason) => `      ${reason}`),
  ]);
}

function renderDecision(d: PolicyDecisionDto): string[] {
  return [
    `policy decision (configuration version ${d.configVersion}, ${d.decidedAt}):`,
    ...renderRuleOutcomes(d.rules),
    ...(d.autoApproval
      ? [
          `auto-approval: ${d.autoApproval.approved ? 'approved' : 'not approved'}`,
          ...d.autoApproval.reasons.map((r) => `  - ${r}`),
        ]
      : []),
  ];
}

function renderStep(s: ApprovalStepDto): string[] {
  const who = s.approvals.map((a) => `${a.approver} ${a.decision}${a.comment ? ` (${a.comment})` : ''}`);
  const escalation =
    s.escalateTo.length === 0
      ? ''
      : `; escalation level ${s.escalationLevel} of ${s.escalateTo.length}${s.escalationLevel ? ` (reached: ${s.escalateTo.slice(0, s.escalationLevel).join(', ')})` : ''}`;
  return [
    `  ${s.seq}. ${s.name}  group ${s.group}  ${s.approved} of ${s.required}${s.dualControl ? ' (dual control)' : ''}  ${s.status}${s.status === 'active' && s.dueAt ? `, due ${s.dueAt}` : ''}${sla(s.slaMs)}${escalation}`,
    `     rule ${s.rule}; may decide: ${s.eligibleGroups.join(', ')}`,
    ...(who.length ? [`     ${who.join('; ')}`] : []),
  ];
}

export function renderChangeApprovals(v: ChangeApprovalsDto): string[] {
  const lines = [`${v.changeRequest}: approval ${v.approval} (state ${v.state})`];
  if (v.rounds.length === 0) lines.push('no approval chain: one approval by anyone whose role may approve');
  for (const round of v.rounds) lines.push(`round ${round.round}:`, ...round.steps.flatMap(renderStep));
  if (v.otherApprovals.length)
    lines.push(
      'approvals outside a chain:',
      ...v.otherApprovals.map(
        (a) => `  ${a.approver} ${a.decision} at ${a.decidedAt}${a.comment ? ` (${a.comment})` : ''}`,
      ),
    );
  if (v.decision) lines.push(...renderDecision(v.decision));
  return lines;
}

export function renderApprovalPolicy(p: ApprovalPolicyDto): string[] {
  const head =
    p.configVersion === 0
      ? 'no configuration applied: no approval policy'
      : `configuration version ${p.configVersion}, applied by ${p.appliedBy} at ${p.appliedAt}`;
  if (p.policy === null || p.policy.rules.length === 0)
    return [head, 'approval policy: none (one approval by anyone whose role may approve)'];
  return [
    head,
    ...p.policy.rules.flatMap((r) => [
      `rule ${r.name}${r.autoApprovable ? ' (auto-approvable)' : ''}: when ${describeWhen(r.when)}`,
      ...r.steps.map(
        (s, i) =>
          `  ${i + 1}. ${s.name}: ${s.group}, ${s.required} required${s.dualControl ? ', dual control' : ''}${sla(s.slaMs)}${s.escalateTo.length ? `, then ${s.escalateTo.join(', ')}` : ''}`,
      ),
    ]),
  ];
}

function describeWhen(when: Record<string, unknown>): string {
  const parts = Object.entries(when).map(([k, v]) =>
    k === 'fields'
      ? Object.entries(v as Record<string, unknown[]>)
          .map(([f, values]) => `${f} ${values.join('|')}`)
          .join(', ')
      : `${k} ${Array.isArray(v) ? v.join('|') : String(v)}`,
  );
  return parts.length ? parts.join(', ') : 'always';
}

export function renderPolicyExplanation(e: PolicyExplanationDto): string[] {
  const f = e.facts;
  return [
    `${e.changeRequest} against the policy of configuration version ${e.configVersion} (dry run, nothing changed):`,
    `  type ${f.type}, environment ${f.environment ?? 'none'} (${f.environmentPurpose ?? 'no purpose'}), risk ${f.risk ?? 'unknown'}, labels ${f.labels.join(', ') || 'none'}, category ${f.category ?? 'none'}`,
    `  components: ${f.components.map((c) => `${c.name}${c.ownerGroup ? ` (${c.ownerGroup}, ${c.criticality})` : ' (not registered)'}`).join(', ') || 'none'}`,
    'rules:',
    ...renderRuleOutcomes(e.rules),
    e.steps.length ? 'chain it would build:' : 'chain: none (one approval by anyone whose role may approve)',
    ...e.steps.map(
      (s, i) =>
        `  ${i + 1}. ${s.name}: ${s.group}, ${s.required} required${s.dualControl ? ', dual control' : ''}${sla(s.slaMs)} (rule ${s.rules.join(', ')})${s.problem ? `  PROBLEM: ${s.problem}` : ''}`,
    ),
    `pipeline auto-approval: ${e.autoApprovable ? 'allowed by the rules (if ready, no outage, risk within the limit)' : 'blocked: a matched rule is not auto-approvable'}`,
  ];
}
