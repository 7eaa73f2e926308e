import { type Static, type TSchema, Type } from 'typebox';
import { stepStatuses } from '../domain/approval-chain.js';
import { approvalDecisions } from '../domain/change-request.js';

/** JSON shapes of the approval policy, its decisions and approval chains (docs/approval-policy.md). */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
const Strings = (description?: string) => Type.Array(Type.String(), description ? { description } : {});
const optionalStrings = (description: string) => Type.Optional(Strings(description));

export const RuleOutcomeSchema = Type.Object({
  rule: Type.String(),
  matched: Type.Boolean(),
  reasons: Strings('Why it matched or not, condition by condition'),
  steps: Strings('The steps it added, as "name (group)"'),
  autoApprovable: Type.Boolean(),
});

export const PolicyDecisionSchema = Type.Object({
  configVersion: Type.Integer({ description: 'The configuration version whose policy decided' }),
  rules: Type.Array(RuleOutcomeSchema),
  autoApproval: Nullable(Type.Object({ approved: Type.Boolean(), reasons: Strings() })),
  decidedAt: Time,
});

const StepFields = {
  name: Type.String(),
  group: Type.String({ description: 'The approver group' }),
  required: Type.Integer({ description: 'Distinct approvers needed (N of the group)' }),
  dualControl: Type.Boolean(),
  slaMs: Nullable(Type.Integer({ description: 'How long the step may wait before escalating' })),
  escalateTo: Strings('Groups reached one by one when the SLA runs out'),
};

export const PolicyRuleSchema = Type.Object({
  name: Type.String(),
  when: Type.Object({
    types: optionalStrings('standard | normal | emergency'),
    environmentPurposes: optionalStrings('production | pre_prod'),
    environments: optionalStrings('Environment names'),
    risk: Type.Optional(Type.String({ description: 'Effective risk at least this' })),
    components: optionalStrings('Glob patterns; some component matches'),
    criticality: Type.Optional(Type.String({ description: 'Some component at least this critical' })),
    labels: optionalStrings('Any of these labels'),
    categories: optionalStrings('One of these categories'),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    ),
  }),
  autoApprovable: Type.Boolean(),
  steps: Type.Array(Type.Object(StepFields)),
});

export const ApprovalPolicySchema = Type.Object({
  configVersion: Type.Integer({ description: '0: no configuration applied' }),
  appliedBy: Nullable(Type.String()),
  appliedAt: Nullable(Time),
  policy: Type.Union([Type.Null(), Type.Object({ rules: Type.Array(PolicyRuleSchema) })], {
    description: 'null: no policy, one approval by anyone whose role may approve',
  }),
});

export const StepApprovalSchema = Type.Object({
  approver: Type.String(),
  decision: Type.Enum([...approvalDecisions]),
  comment: Nullable(Type.String()),
  decidedAt: Time,
});

export const ApprovalStepSchema = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  rule: Type.String({ description: 'The rule(s) that added it' }),
  ...StepFields,
  status: Type.Enum([...stepStatuses]),
  approved: Type.Integer({ description: 'Distinct approvals counted so far' }),
  escalationLevel: Type.Integer({ description: 'How many of escalateTo were reached' }),
  eligibleGroups: Strings('Who may answer now: the group and the escalation groups reached'),
  activatedAt: Nullable(Time),
  dueAt: Nullable(Time),
  decidedAt: Nullable(Time),
  approvals: Type.Array(StepApprovalSchema),
});

export const ChangeApprovalsSchema = Type.Object({
  changeRequest: Type.String({ description: 'CR number' }),
  state: Type.String(),
  approval: Type.String(),
  rounds: Type.Array(Type.Object({ round: Type.Integer(), steps: Type.Array(ApprovalStepSchema) })),
  otherApprovals: Type.Array(StepApprovalSchema, {
    description: 'Approvals outside a chain (no policy, auto-approval)',
  }),
  decision: Nullable(PolicyDecisionSchema),
});

export const PolicyExplanationSchema = Type.Object({
  changeRequest: Type.String({ description: 'CR number' }),
  configVersion: Type.Integer(),
  facts: Type.Object({
    type: Type.String(),
    environment: Nullable(Type.String()),
    environmentPurpose: Nullable(Type.String()),
    risk: Nullable(Type.String({ description: 'Effective risk' })),
    components: Type.Array(
      Type.Object({
        name: Type.String(),
        ownerGroup: Nullable(Type.String()),
        criticality: Nullable(Type.String()),
      }),
    ),
    labels: Strings(),
    category: Nullable(Type.String()),
  }),
  rules: Type.Array(RuleOutcomeSchema),
  steps: Type.Array(
    Type.Object({
      rules: Strings(),
      ...StepFields,
      problem: Nullable(
        Type.String({ description: 'Why the chain could not be built, e.g. an unknown group' }),
      ),
    }),
  ),
  autoApprovable: Type.Boolean({ description: 'Whether every matched rule is auto-approvable' }),
  evaluatedAt: Time,
});

export type RuleOutcomeDto = Static<typeof RuleOutcomeSchema>;
export type PolicyDecisionDto = Static<typeof PolicyDecisionSchema>;
export type ApprovalPolicyDto = Static<typeof ApprovalPolicySchema>;
export type ApprovalStepDto = Static<typeof ApprovalStepSchema>;
export type StepApprovalDto = Static<typeof StepApprovalSchema>;
export type ChangeApprovalsDto = Static<typeof ChangeApprovalsSchema>;
export type PolicyExplanationDto = Static<typeof PolicyExplanationSchema>;
