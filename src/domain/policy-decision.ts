/**
 * How the tenant's approval policy routed a CR (docs/approval-policy.md), kept on the CR so anyone
 * can see why it was, or was not, approved automatically: one entry per rule, matched or not.
 */
export interface RuleOutcome {
  rule: string;
  matched: boolean;
  /** Why it matched or did not, condition by condition. */
  reasons: string[];
  /** The steps it added to the chain (names), when it matched. */
  steps: string[];
  /** Whether this rule lets a ready pipeline deployment stand in for its steps. */
  autoApprovable: boolean;
}

export interface PolicyDecision {
  /** The policy (tenant configuration) version that decided. */
  configVersion: number;
  rules: RuleOutcome[];
  /** Set when the pipeline decided: approved automatically or not, and every reason. */
  autoApproval: { approved: boolean; reasons: string[] } | null;
  decidedAt: number;
}
