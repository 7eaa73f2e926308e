import type { ApprovalPolicy } from '../../domain/approval-policy.js';
import {
  type Routing,
  type RoutingFacts,
  routeChange,
  type StepSpec,
} from '../../domain/approval-routing.js';
import type { ChangeRequest } from '../../domain/change-request.js';
import { AppError } from '../../domain/errors.js';
import type { PolicyDecision } from '../../domain/policy-decision.js';
import { effectiveRisk } from '../../domain/risk-assessment.js';
import { listComponents } from '../../store/components.js';
import type { DbOrTx } from '../../store/database.js';
import { listGroups } from '../../store/groups.js';
import { loadTenantConfig } from '../config/config-service.js';

/** What the approval policy in force says about a CR: its decision and the chain to build. */
export interface ApprovalPlan {
  configVersion: number;
  policy: ApprovalPolicy | null;
  facts: RoutingFacts;
  routing: Routing;
  /** Steps naming a group that does not exist (yet): building the chain is refused, a dry run reports them. */
  unknownGroups: { step: StepSpec; group: string }[];
}

/** The facts rules look at: the CR's fields, its effective risk and its components as the registry knows them. */
export async function routingFacts(db: DbOrTx, tenantId: string, cr: ChangeRequest): Promise<RoutingFacts> {
  const registered = new Map(
    cr.components.length === 0 ? [] : (await listComponents(db, tenantId)).map((c) => [c.name, c]),
  );
  return {
    type: cr.type,
    environment: cr.environment,
    environmentPurpose: cr.targetEnvironmentPurpose,
    risk: effectiveRisk(cr),
    components: cr.components.map((name) => {
      const known = registered.get(name);
      return { name, ownerGroup: known?.ownerGroup ?? null, criticality: known?.criticality ?? null };
    }),
    labels: cr.labels,
    category: cr.category,
    customFields: cr.customFields,
  };
}

/** Routes a CR through the tenant's policy in force (changes nothing). */
export async function planApproval(db: DbOrTx, tenantId: string, cr: ChangeRequest): Promise<ApprovalPlan> {
  const { version, config } = await loadTenantConfig(db, tenantId);
  const facts = await routingFacts(db, tenantId, cr);
  const routing = routeChange(config.approvalPolicy, facts);
  const groups =
    routing.steps.length === 0
      ? new Set<string>()
      : new Set((await listGroups(db, tenantId)).map((g) => g.name));
  const unknownGroups = routing.steps.flatMap((step) =>
    [step.group, ...step.escalateTo].filter((g) => !groups.has(g)).map((group) => ({ step, group })),
  );
  return { configVersion: version, policy: config.approvalPolicy, facts, routing, unknownGroups };
}

/** Groups are registry rows that may be created after the policy: a chain naming a missing one is refused, naming the rule. */
export function assertGroupsExist(cr: Pick<ChangeRequest, 'number'>, plan: ApprovalPlan): void {
  const missing = plan.unknownGroups[0];
  if (!missing) return;
  const { step, group } = missing;
  const role = group === step.group ? 'approver group' : 'escalation group';
  throw new AppError(
    'conflict',
    `approval policy rule ${step.rules.join(', ')} (step ${step.name}) names the ${role} '${group}', which does not exist, so ${cr.number}'s approval chain cannot be built; create it (changegate group create ${group}) or change approvalPolicy in changegate.yaml`,
    { field: 'approvalPolicy', rule: step.rules[0], step: step.name, group },
  );
}

/** The decision kept on the CR: rule by rule, with the policy version. Null when no policy is in force. */
export function policyDecision(
  plan: ApprovalPlan,
  now: number,
  autoApproval: PolicyDecision['autoApproval'] = null,
): PolicyDecision | null {
  if (plan.policy === null && autoApproval === null) return null;
  return { configVersion: plan.configVersion, rules: plan.routing.rules, autoApproval, decidedAt: now };
}
