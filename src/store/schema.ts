import type { Generated } from 'kysely';

/** Row shapes as the database holds them: snake_case, epoch-ms integers, 0/1 flags, JSON as text. */

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  created_at: number;
}

export interface CountersTable {
  tenant_id: string;
  name: string;
  value: number;
}

export interface EnvironmentsTable {
  id: string;
  tenant_id: string;
  name: string;
  purpose: string;
  detail: string | null;
  regions_json: string | null;
  rollback_enabled: Generated<number>;
  created_at: number;
}

export interface ChangeRequestsTable {
  id: string;
  tenant_id: string;
  number: string;
  type: string;
  state: string;
  approval: string;
  close_category: string | null;
  close_notes: string | null;
  title: string;
  environment: string | null;
  region: string | null;
  priority: string;
  assignee: string;
  description: string | null;
  purpose: string | null;
  impact: string | null;
  customer_impact: string;
  deployment_impact: string;
  backout_plan: string | null;
  risk: string | null;
  planned_start: number | null;
  planned_end: number | null;
  outage_minutes: number;
  target_environment_purpose: string | null;
  target_environment_detail: string | null;
  deployment_ready: number | null;
  target_fingerprint: string | null;
  pipeline_run_id: string | null;
  requested_by: string;
  implemented_by: string | null;
  /** A JSON list of component names; '[]' for CRs created before components existed. */
  components_json: string;
  category: string | null;
  /** The standard change template it came from. */
  template: string | null;
  /** JSON list of label slugs (e.g. privileged-access); null means []. */
  labels_json: string | null;
  /** Who made the change: null or 'internal', or 'vendor' (reported apart, held to the same fields). */
  origin: string | null;
  /** The tenant's custom fields (a JSON object validated by the tenant's schema); null means {}. */
  custom_fields_json: string | null;
  /** The latest risk assessment (JSON), recomputed when its inputs change. */
  risk_assessment_json: string | null;
  /** How the approval policy decided (JSON): the chain it built, auto-approval rule by rule. */
  approval_decision_json: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  /** Filled on write from approval_decision_json (migration 0015): 'auto', 'chain', 'none' or null. */
  approval_route?: string | null;
  /** Filled on write: 1 when backout_plan is not empty (migration 0015). */
  backout_planned?: number;
  /** Filled on write: 1 when risk_assessment_json is set (migration 0015). */
  risk_assessed?: number;
}

export interface ApprovalsTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  approver: string;
  decision: string;
  comment: string | null;
  decided_at: number;
  /** The approval step this decision counted for; null when the CR has no approval chain. */
  step_id: string | null;
}

export interface ApprovalStepsTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  /** Each request for approval builds a new chain: round 1, 2, … (a rejection or an edit ends one). */
  round: number;
  /** 1-based order in the chain; one step is active at a time. */
  seq: number;
  /** The policy rule that added it. */
  rule: string;
  name: string;
  approver_group: string;
  required: number;
  dual_control: number;
  sla_ms: number | null;
  /** JSON list of group names, escalated to in order. */
  escalate_to_json: string;
  /** How many of escalate_to have been reached (0: none). */
  escalation_level: number;
  /** waiting | active | approved | rejected | canceled */
  status: string;
  activated_at: number | null;
  due_at: number | null;
  decided_at: number | null;
  created_at: number;
}

export interface OutboxTable {
  id: string;
  tenant_id: string;
  topic: string;
  payload_json: string;
  created_at: number;
  published_at: number | null;
}

export interface CommentsTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  author: string;
  body: string;
  created_at: number;
}

export interface AttachmentsTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  kind: string;
  name: string;
  media_type: string;
  sha256: string;
  size: number;
  content: Buffer;
  created_by: string;
  created_at: number;
}

export interface AuditEventsTable {
  tenant_id: string;
  seq: number;
  id: string;
  at: number;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
}

export interface ApiTokensTable {
  id: string;
  tenant_id: string;
  name: string;
  role: string;
  prefix: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  response_json: string;
  created_at: number;
}

export interface TenantConfigsTable {
  tenant_id: string;
  version: number;
  document_json: string;
  source: string | null;
  applied_by: string;
  applied_at: number;
}

export interface InventoryEntriesTable {
  id: string;
  tenant_id: string;
  name: string;
  version: string;
  artifact: string;
  type: string | null;
  sha256: string | null;
  commit_sha: string;
  repository_url: string;
  build_number: string | null;
  pipeline_run_id: string;
  provenance: string | null;
  signature: string | null;
  app_artifacts_json: string | null;
  sbom_json: string | null;
  created_by: string;
  created_at: number;
}

export interface InventoryRevisionsTable {
  id: string;
  tenant_id: string;
  environment: string;
  seq: number;
  entries_json: string;
  reason: string;
  created_by: string;
  created_at: number;
}

export interface InventoryLabelsTable {
  tenant_id: string;
  environment: string;
  label: string;
  revision_id: string;
  updated_by: string;
  updated_at: number;
}

export interface PromotionsTable {
  id: string;
  tenant_id: string;
  source: string;
  target: string;
  source_revision_id: string;
  target_revision_id: string;
  include_json: string;
  exclude_json: string;
  fields_json: string;
  labels_json: string;
  names_json: string;
  created_by: string;
  created_at: number;
}

export interface EvidenceTable {
  id: string;
  tenant_id: string;
  evidence_type_id: string;
  result: string;
  tool: string;
  assets_json: string;
  pipeline_run_id: string | null;
  environment: string;
  findings_json: string;
  issues_json: string;
  attachments_json: string;
  date: number;
  created_by: string;
}

export interface EvidenceAssetsTable {
  tenant_id: string;
  asset: string;
  evidence_id: string;
}

export interface DeploymentRunsTable {
  id: string;
  tenant_id: string;
  pipeline_run_id: string;
  environment: string;
  region: string;
  flow: string;
  phase: string;
  status: string | null;
  change_request_id: string | null;
  created_change_request: number;
  promotion_id: string | null;
  target_revision_id: string;
  base_revision_id: string | null;
  delta_json: string;
  readiness_json: string;
  stages_json: string;
  options_json: string;
  created_by: string;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface DeploymentLocksTable {
  tenant_id: string;
  environment: string;
  region: string;
  run_id: string;
  expires_at: number;
  renewed_at: number;
}

export interface ObligationsTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  kind: string;
  state: string;
  detail: string | null;
  due_at: number | null;
  created_at: number;
  completed_at: number | null;
  completed_by: string | null;
}

export interface ChangeLinksTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  kind: string;
  target: string;
  created_by: string;
  created_at: number;
}

export interface ChangeWindowsTable {
  id: string;
  tenant_id: string;
  name: string;
  kind: string;
  /** One-off windows: the span. */
  starts_at: number | null;
  ends_at: number | null;
  /** Recurring windows: the rule on the local clock of time_zone. */
  rrule: string | null;
  start_time: string | null;
  duration_minutes: number | null;
  time_zone: string | null;
  series_from: string | null;
  until_at: number | null;
  environments_json: string;
  components_json: string;
  reason: string;
  created_by: string;
  created_at: number;
  /** Deleted windows are kept (overrides and audit notes name them); the name is free again. */
  deleted_by: string | null;
  deleted_at: number | null;
}

export interface WindowOverridesTable {
  id: string;
  tenant_id: string;
  window_id: string;
  change_request_id: string;
  reason: string;
  granted_by: string;
  granted_at: number;
}

export interface GroupsTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  idp_groups_json: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface GroupMembersTable {
  tenant_id: string;
  group_id: string;
  member: string;
  added_by: string;
  added_at: number;
}

export interface ComponentsTable {
  id: string;
  tenant_id: string;
  name: string;
  owner_group_id: string;
  criticality: string;
  environments_json: string;
  description: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ChangeTemplatesTable {
  id: string;
  tenant_id: string;
  name: string;
  title: string;
  presets_json: string;
  components_json: string;
  environments_json: string;
  max_risk: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ChecklistsTable {
  id: string;
  tenant_id: string;
  category: string;
  items_json: string;
  description: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ChecklistChecksTable {
  tenant_id: string;
  change_request_id: string;
  item: string;
  note: string | null;
  checked_by: string;
  checked_at: number;
}

export interface IncidentsTable {
  id: string;
  tenant_id: string;
  /** INC0000007, per tenant. */
  number: string;
  title: string;
  /** sev1 … sev4, or null when not triaged yet. */
  severity: string | null;
  /** JSON list of component names; '[]' = tenant-wide. */
  components_json: string;
  /** null = every environment. */
  environment: string | null;
  major: number;
  /** open | resolved */
  status: string;
  commander: string | null;
  started_at: number;
  resolved_at: number | null;
  resolved_by: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  /** When it was noticed (metrics: detection time); null: at started_at. */
  detected_at: number | null;
  /** cli | api | webhook */
  source: string | null;
  /** The sender's id for an inbound webhook's incident, unique per tenant (a resend updates, never duplicates). */
  external_id: string | null;
}

export interface IncidentAuthorizationsTable {
  id: string;
  tenant_id: string;
  incident_id: string;
  change_request_id: string;
  authorized_by: string;
  reason: string;
  created_at: number;
}

export interface ChangeBatchesTable {
  id: string;
  tenant_id: string;
  /** Per-tenant human number: BAT0000001. */
  number: string;
  name: string;
  title: string;
  description: string | null;
  /** The batch's maintenance window; `batch schedule` copies it onto every member. */
  planned_start: number | null;
  planned_end: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ChangeBatchMembersTable {
  tenant_id: string;
  batch_id: string;
  /** Unique per tenant: a CR belongs to at most one batch. */
  change_request_id: string;
  added_by: string;
  added_at: number;
}

export interface ProblemsTable {
  id: string;
  tenant_id: string;
  /** PRB0000001 */
  number: string;
  title: string;
  /** open | known_error | resolved */
  status: string;
  root_cause: string | null;
  fix_change_request_id: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
}

export interface ProblemIncidentsTable {
  tenant_id: string;
  problem_id: string;
  incident_id: string;
  linked_by: string;
  linked_at: number;
}

/** A change that may have caused an incident: ranked candidates, then a human's verdict. */
export interface IncidentCausesTable {
  id: string;
  tenant_id: string;
  incident_id: string;
  change_request_id: string;
  deployment_run_id: string | null;
  /** candidate | confirmed | rejected; a confirmed cause marks the change failed for metrics. */
  status: string;
  /** 0..1 */
  confidence: number;
  explanation: string;
  decided_by: string | null;
  decided_at: number | null;
  decision_note: string | null;
  created_at: number;
}

/** What a drift monitor saw running that no approved change deployed (docs/compliance.md). */
export interface UnauthorizedChangesTable {
  id: string;
  tenant_id: string;
  /** UAC0000001, per tenant. */
  number: string;
  environment: string;
  component: string;
  version: string | null;
  digest: string | null;
  observed_at: number;
  last_observed_at: number;
  times_observed: number;
  source: string;
  /** open | acknowledged | resolved */
  status: string;
  explanation: string;
  /** The drift while not resolved (unique per tenant), null once resolved. */
  open_key: string | null;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  resolved_by: string | null;
  resolved_at: number | null;
  note: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** How far a tenant's audit chain was delivered to one SIEM destination (docs/siem.md#resume). */
export interface SiemCursorsTable {
  tenant_id: string;
  /** The destination URL as given, e.g. tls://siem.example.com:6514. */
  destination: string;
  format: string;
  /** The last sequence number the destination acknowledged. */
  seq: number;
  updated_at: number;
}

/** Where a retention purge cut a tenant's chain: the last purged event (docs/audit-trail.md#retention). */
export interface AuditCutsTable {
  tenant_id: string;
  seq: number;
  hash: string;
  /** When that last purged event was written. */
  at: number;
  /** The archive directory holding the purged rows and events. */
  archive: string;
  created_at: number;
}

export interface Database {
  tenants: TenantsTable;
  counters: CountersTable;
  environments: EnvironmentsTable;
  change_requests: ChangeRequestsTable;
  approvals: ApprovalsTable;
  comments: CommentsTable;
  attachments: AttachmentsTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  api_tokens: ApiTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  tenant_configs: TenantConfigsTable;
  inventory_entries: InventoryEntriesTable;
  inventory_revisions: InventoryRevisionsTable;
  inventory_labels: InventoryLabelsTable;
  promotions: PromotionsTable;
  evidence: EvidenceTable;
  evidence_assets: EvidenceAssetsTable;
  deployment_runs: DeploymentRunsTable;
  deployment_locks: DeploymentLocksTable;
  obligations: ObligationsTable;
  change_links: ChangeLinksTable;
  approval_steps: ApprovalStepsTable;
  outbox: OutboxTable;
  problems: ProblemsTable;
  problem_incidents: ProblemIncidentsTable;
  incident_causes: IncidentCausesTable;
  change_windows: ChangeWindowsTable;
  window_overrides: WindowOverridesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  components: ComponentsTable;
  change_templates: ChangeTemplatesTable;
  checklists: ChecklistsTable;
  checklist_checks: ChecklistChecksTable;
  incidents: IncidentsTable;
  incident_authorizations: IncidentAuthorizationsTable;
  change_batches: ChangeBatchesTable;
  change_batch_members: ChangeBatchMembersTable;
  unauthorized_changes: UnauthorizedChangesTable;
  siem_cursors: SiemCursorsTable;
  audit_cuts: AuditCutsTable;
  /** Kysely's own bookkeeping, listed so type-safe cleanup in tests compiles. */
  kysely_migration: { name: string; timestamp: Generated<string> };
}
