import { notFound } from './errors.js';
import type { PolicyDecision } from './policy-decision.js';
import type { RiskAssessment } from './risk-assessment.js';

/** Change request model of DESIGN.md §4: the enumerations and the shape services and stores agree on. */

export const changeTypes = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof changeTypes)[number];

export const changeStates = [
  'new',
  'assess',
  'authorize',
  'scheduled',
  'implement',
  'review',
  'closed',
  'canceled',
] as const;
export type ChangeState = (typeof changeStates)[number];

export const approvalStates = [
  'not_requested',
  'requested',
  'approved',
  'rejected',
  'retro_pending',
] as const;
export type ApprovalState = (typeof approvalStates)[number];

export const closeCategories = ['successful', 'successful_with_issues', 'unsuccessful', 'cancelled'] as const;
export type CloseCategory = (typeof closeCategories)[number];

export const priorities = ['critical', 'high', 'moderate', 'low', 'planning'] as const;
export type Priority = (typeof priorities)[number];

export const customerImpacts = ['critical', 'high', 'moderate', 'low', 'no_impact'] as const;
export type CustomerImpact = (typeof customerImpacts)[number];

export const deploymentImpacts = ['small', 'large'] as const;
export type DeploymentImpact = (typeof deploymentImpacts)[number];

export const riskLevels = ['low', 'moderate', 'high', 'critical'] as const;
export type RiskLevel = (typeof riskLevels)[number];

export const environmentPurposes = ['production', 'pre_prod'] as const;
export type EnvironmentPurpose = (typeof environmentPurposes)[number];

export const attachmentKinds = [
  'deployment_bom',
  'delta_summary',
  'evidence_checks_config',
  'compliance_profile',
  'closing_summary',
  'merged_sbom',
  'rollback_logs',
  'other',
] as const;
export type AttachmentKind = (typeof attachmentKinds)[number];

/** Who performs the change: the organisation itself or a vendor (reported apart, held to the same fields). */
export const changeOrigins = ['internal', 'vendor'] as const;
export type ChangeOrigin = (typeof changeOrigins)[number];

export const approvalDecisions = ['approved', 'rejected'] as const;
export type ApprovalDecision = (typeof approvalDecisions)[number];

/** The fields a requester (or the pipeline, from a promotion) fills in; all optional ones may be null. */
export interface ChangeFields {
  title: string;
  environment: string | null;
  region: string | null;
  /** Names of the components (services) it changes; distinct and sorted. */
  components: string[];
  priority: Priority;
  assignee: string;
  description: string | null;
  purpose: string | null;
  impact: string | null;
  customerImpact: CustomerImpact;
  deploymentImpact: DeploymentImpact;
  backoutPlan: string | null;
  risk: RiskLevel | null;
  plannedStart: number | null;
  plannedEnd: number | null;
  outageMinutes: number;
  /** A free slug naming the kind of change (e.g. database-schema); the tenant's checklist for it gates implement. */
  category: string | null;
  /** Free slugs that approval rules can match on (e.g. privileged-access); distinct and sorted. */
  labels: string[];
  /** The tenant's custom fields, validated by the JSON Schema in its configuration ({} when none). */
  customFields: Record<string, unknown>;
  /** `vendor` when a vendor performs it; `internal` by default. */
  origin: ChangeOrigin;
}

/** Every field of ChangeFields, in the order forms and APIs list them. */
export const changeFieldNames = [
  'title',
  'environment',
  'region',
  'components',
  'priority',
  'assignee',
  'description',
  'purpose',
  'impact',
  'customerImpact',
  'deploymentImpact',
  'backoutPlan',
  'risk',
  'plannedStart',
  'plannedEnd',
  'outageMinutes',
  'category',
  'labels',
  'customFields',
  'origin',
] as const satisfies readonly (keyof ChangeFields)[];

export interface ChangeRequest extends ChangeFields {
  id: string;
  tenantId: string;
  number: string;
  type: ChangeType;
  state: ChangeState;
  approval: ApprovalState;
  closeCategory: CloseCategory | null;
  closeNotes: string | null;
  targetEnvironmentPurpose: EnvironmentPurpose | null;
  targetEnvironmentDetail: string | null;
  deploymentReady: boolean | null;
  targetFingerprint: string | null;
  pipelineRunId: string | null;
  requestedBy: string;
  /** Who moved it into implementation (deployed it); they may not approve it either. */
  implementedBy: string | null;
  /** The standard change template it was created from, if any (docs/templates-and-checklists.md). */
  template: string | null;
  /** The latest risk assessment; null until the tenant's risk model assessed it. */
  riskAssessment: RiskAssessment | null;
  /** How the approval policy routed it; null until approval was requested or the pipeline decided. */
  approvalDecision: PolicyDecision | null;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

export interface Approval {
  id: string;
  changeRequestId: string;
  approver: string;
  decision: ApprovalDecision;
  comment: string | null;
  decidedAt: number;
  /** The approval-chain step it counted for; null when the CR has no chain. */
  stepId?: string | null;
}

export interface Comment {
  id: string;
  changeRequestId: string;
  author: string;
  body: string;
  createdAt: number;
}

export interface Attachment {
  id: string;
  changeRequestId: string;
  kind: AttachmentKind;
  name: string;
  mediaType: string;
  sha256: string;
  size: number;
  createdBy: string;
  createdAt: number;
}

/** Whether a field's value changed; lists (components) and objects (custom fields) compare by content. */
export function sameFieldValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameFieldValue(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameFieldValue(a[k], b[k]));
  }
  return a === b;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Human numbers are per tenant: CHG0000042. */
export function formatChangeNumber(n: number): string {
  return `CHG${String(n).padStart(7, '0')}`;
}

export function isChangeNumber(ref: string): boolean {
  return /^CHG\d{7,}$/.test(ref);
}

/** How a user names a CR: its number (CHG0000042) or its id. */
export type ChangeRef = { by: 'number' | 'id'; value: string };

/** Anything that cannot be a number or an id is simply not found, before it reaches a query. */
export function changeRef(ref: string): ChangeRef {
  if (isChangeNumber(ref)) return { by: 'number', value: ref };
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(ref))
    throw notFound('change request', JSON.stringify(ref).slice(1, -1).slice(0, 80));
  return { by: 'id', value: ref };
}
