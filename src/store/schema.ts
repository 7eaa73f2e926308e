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
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

export interface ApprovalsTable {
  id: string;
  tenant_id: string;
  change_request_id: string;
  approver: string;
  decision: string;
  comment: string | null;
  decided_at: number;
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
  /** Kysely's own bookkeeping, listed so type-safe cleanup in tests compiles. */
  kysely_migration: { name: string; timestamp: Generated<string> };
}
