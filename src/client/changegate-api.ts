import type { CauseDecisionDto, IncidentCausesDto, ReviewDto } from '../api/attribution-schemas.js';
import type {
  BatchApprovalResultDto,
  BatchDetailDto,
  BatchScheduleResultDto,
  BatchSummaryDto,
} from '../api/batch-schemas.js';
import type { ComponentDto, GroupDto } from '../api/catalog-schemas.js';
import type { ComplianceReportDto } from '../api/compliance-schemas.js';
import type { ChangeConflictsDto } from '../api/conflict-schemas.js';
import type { EventPageDto } from '../api/event-schemas.js';
import type {
  ChangeRequestIncidentsDto,
  IncidentAuthorizationDto,
  IncidentDetailDto,
  IncidentDto,
  IncidentLinkDto,
  IncidentUnlinkDto,
} from '../api/incident-schemas.js';
import type { MaturityAssessmentDto } from '../api/maturity-schemas.js';
import type { MetricsQueryDto, MetricsReportDto } from '../api/metrics-schemas.js';
import type { ObservationResultDto, UnauthorizedChangeDto } from '../api/observation-schemas.js';
import type {
  DeploymentDto,
  EvidenceDto,
  EvidenceSummaryDto,
  InventoryAddResultDto,
  InventoryDto,
  InventoryLabelDto,
  PromotionDto,
  TenantConfigDto,
} from '../api/pipeline-schemas.js';
import type { ApprovalPolicyDto, ChangeApprovalsDto, PolicyExplanationDto } from '../api/policy-schemas.js';
import type { ProblemDetailDto, ProblemDto } from '../api/problem-schemas.js';
import type { RetentionReportDto } from '../api/retention-schemas.js';
import type { ChangeRiskDto } from '../api/risk-schemas.js';
import type {
  AttachmentDto,
  AuditEventDto,
  AuditVerifyDto,
  ChangeRequestDetailDto,
  ChangeRequestDto,
  ChangeRequestPageDto,
  CheckpointDto,
  CommentDto,
  EnvironmentDto,
  ObligationDto,
  TenantDto,
  TokenDto,
} from '../api/schemas.js';
import type { ChangeChecklistDto, ChecklistDto, TemplateDto } from '../api/template-schemas.js';
import type { WindowDetailDto, WindowDto, WindowListDto, WindowOverrideDto } from '../api/window-schemas.js';

export interface ChangeListQuery {
  state?: string[];
  environment?: string[];
  type?: string[];
  approval?: string[];
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface EvidenceQuery {
  type?: string;
  asset?: string;
  pipelineRunId?: string;
  environment?: string;
  result?: string;
  limit?: number;
}

export interface EventQuery {
  topic?: string;
  /** ISO-8601 instant: only events created at or after it. */
  since?: string;
  limit?: number;
  cursor?: string;
}

export interface WindowQuery {
  /** Only windows in force at `at`. */
  active?: boolean;
  /** ISO-8601 instant; default now. */
  at?: string;
  environment?: string;
  kind?: string;
}

/** `deploy` / `deploy begin` options, as sent to the system of record. */
export interface DeployBeginInput {
  environment: string;
  region?: string;
  changeRequestId?: string;
  emergency?: boolean;
  forceRedeploy?: boolean;
  outageMinutes?: number;
  pipelineRunId?: string;
  lockTtlSeconds?: number;
}

export interface DeployFinishInput {
  deployStatus: string;
  acceptanceStatus?: string;
  rollbackStatus?: string;
  rollbackLogs?: string;
  stages?: { name: string; status: string; durationMs: number; detail?: string }[];
}

export interface RollbackBeginInput {
  environment: string;
  region?: string;
  changeRequestId: string;
  limit?: number;
  pipelineRunId?: string;
  lockTtlSeconds?: number;
}

export interface AttachmentUpload {
  kind?: string;
  name: string;
  mediaType?: string;
  sha256?: string;
  content: Buffer;
}

/**
 * The port the CLI (and later the pipeline) talks to. Two adapters: local (services on the database)
 * and remote (HTTP client of `changegate serve`). Both return the API's JSON shapes, so output is the same.
 */
export interface ChangegateApi {
  createChangeRequest(input: Record<string, unknown>): Promise<ChangeRequestDto>;
  getChangeRequest(ref: string): Promise<ChangeRequestDetailDto>;
  listChangeRequests(query: ChangeListQuery): Promise<ChangeRequestPageDto>;
  updateChangeRequest(ref: string, patch: Record<string, unknown>): Promise<ChangeRequestDto>;
  requestApproval(ref: string): Promise<ChangeRequestDto>;
  decideApproval(ref: string, decision: 'approved' | 'rejected', comment?: string): Promise<ChangeRequestDto>;
  transitionChangeRequest(ref: string, to: string): Promise<ChangeRequestDto>;
  commentOnChangeRequest(ref: string, body: string): Promise<CommentDto>;
  attachToChangeRequest(ref: string, upload: AttachmentUpload): Promise<AttachmentDto>;
  listAttachments(ref: string): Promise<AttachmentDto[]>;
  downloadAttachment(
    ref: string,
    attachmentId: string,
  ): Promise<{ attachment: AttachmentDto; content: Buffer }>;
  closeChangeRequest(ref: string, category: string, notes?: string): Promise<ChangeRequestDto>;
  cancelChangeRequest(ref: string, reason?: string): Promise<ChangeRequestDto>;
  /** Marks an emergency follow-up (evidence_remediation, root_cause_analysis) done. */
  completeObligation(ref: string, kind: string, note?: string): Promise<ObligationDto>;
  /** A CR's approval chains (every round) and the policy decision kept on it (docs/approval-policy.md). */
  getChangeApprovals(ref: string): Promise<ChangeApprovalsDto>;
  /** The approval policy in force and its configuration version. */
  getApprovalPolicy(): Promise<ApprovalPolicyDto>;
  /** A dry run of the policy in force against a CR: rule by rule, and the chain it would build. */
  explainApprovalPolicy(ref: string): Promise<PolicyExplanationDto>;
  /** A CR's declared, assessed and effective risk (docs/risk.md). */
  getChangeRisk(ref: string): Promise<ChangeRiskDto>;
  /** Reassesses a CR's risk now; stored and audited when the result differs. */
  assessChangeRisk(ref: string): Promise<ChangeRiskDto>;

  createEnvironment(input: { name: string; purpose: string; detail?: string }): Promise<EnvironmentDto>;
  listEnvironments(): Promise<EnvironmentDto[]>;

  createGroup(input: Record<string, unknown>): Promise<GroupDto>;
  listGroups(): Promise<GroupDto[]>;
  getGroup(name: string): Promise<GroupDto>;
  updateGroup(name: string, patch: Record<string, unknown>): Promise<GroupDto>;
  /** Refused while the group owns components. */
  deleteGroup(name: string): Promise<GroupDto>;
  addGroupMember(name: string, member: string): Promise<GroupDto>;
  removeGroupMember(name: string, member: string): Promise<GroupDto>;
  createComponent(input: Record<string, unknown>): Promise<ComponentDto>;
  listComponents(): Promise<ComponentDto[]>;
  getComponent(name: string): Promise<ComponentDto>;
  updateComponent(name: string, patch: Record<string, unknown>): Promise<ComponentDto>;
  deleteComponent(name: string): Promise<ComponentDto>;

  createTemplate(input: Record<string, unknown>): Promise<TemplateDto>;
  listTemplates(): Promise<TemplateDto[]>;
  getTemplate(name: string): Promise<TemplateDto>;
  updateTemplate(name: string, patch: Record<string, unknown>): Promise<TemplateDto>;
  deleteTemplate(name: string): Promise<TemplateDto>;
  createChecklist(input: Record<string, unknown>): Promise<ChecklistDto>;
  listChecklists(): Promise<ChecklistDto[]>;
  getChecklist(category: string): Promise<ChecklistDto>;
  updateChecklist(category: string, patch: Record<string, unknown>): Promise<ChecklistDto>;
  deleteChecklist(category: string): Promise<ChecklistDto>;
  /** A CR's checklist: its category's required items and which are done. */
  getChangeChecklist(ref: string): Promise<ChangeChecklistDto>;
  /** Completes one item of a CR's checklist. */
  checkChecklistItem(ref: string, item: string, note?: string): Promise<ChangeChecklistDto>;

  createBatch(input: Record<string, unknown>): Promise<BatchDetailDto>;
  listBatches(): Promise<BatchSummaryDto[]>;
  /** A batch at a glance: window, counts, ready verdict and one line per member. */
  getBatch(ref: string): Promise<BatchDetailDto>;
  addBatchMembers(ref: string, changes: string[]): Promise<BatchDetailDto>;
  removeBatchMembers(ref: string, changes: string[]): Promise<BatchDetailDto>;
  /** input: { start?, end?, withdrawApprovals? }; all members re-planned in one transaction, or none. */
  scheduleBatch(ref: string, input: Record<string, unknown>): Promise<BatchScheduleResultDto>;
  /** Approves each member awaiting the caller's decision; the result says what happened per member. */
  approveBatch(ref: string, comment?: string): Promise<BatchApprovalResultDto>;

  auditLog(query: { changeRequest?: string; afterSeq?: number; limit?: number }): Promise<AuditEventDto[]>;
  auditVerify(checkpoint?: unknown): Promise<AuditVerifyDto>;
  auditCheckpoint(): Promise<CheckpointDto>;
  /** One CR's offline-verifiable audit package (tar.gz), see docs/audit-trail.md#audit-packages. */
  auditPackage(ref: string): Promise<{ fileName: string; archive: Buffer }>;

  /** The tenant's outbox events (escalations), oldest first. */
  listEvents(query: EventQuery): Promise<EventPageDto>;

  createToken(input: { name: string; role: string }): Promise<{ token: TokenDto; secret: string }>;
  listTokens(): Promise<TokenDto[]>;
  revokeToken(ref: string): Promise<TokenDto>;

  createTenant(input: { slug: string; name?: string }): Promise<TenantDto>;

  applyConfig(input: { document: unknown; source?: string }): Promise<TenantConfigDto>;
  getConfig(): Promise<TenantConfigDto>;

  addInventory(input: {
    environment?: string;
    ciStatus?: string;
    skipInventoryUpdateOnFailure?: string;
    entries: Record<string, unknown>[];
  }): Promise<InventoryAddResultDto>;
  getInventory(query: { environment?: string; label?: string }): Promise<InventoryDto>;
  listInventoryLabels(environment: string): Promise<InventoryLabelDto[]>;

  addEvidence(input: Record<string, unknown>): Promise<EvidenceDto>;
  listEvidence(query: EvidenceQuery): Promise<EvidenceDto[]>;
  evidenceSummary(environment: string, region?: string): Promise<EvidenceSummaryDto>;

  promote(input: Record<string, unknown>): Promise<PromotionDto>;

  beginDeployment(input: DeployBeginInput): Promise<DeploymentDto>;
  /** Waits up to waitMs for the run's CR to be decided; returns the run as it then stands. */
  awaitDeploymentApproval(runId: string, waitMs: number, lockTtlSeconds?: number): Promise<DeploymentDto>;
  renewDeploymentLock(runId: string, lockTtlSeconds?: number): Promise<void>;
  finishDeployment(runId: string, input: DeployFinishInput): Promise<DeploymentDto>;
  getDeployment(runId: string): Promise<DeploymentDto>;
  beginRollback(input: RollbackBeginInput): Promise<DeploymentDto>;

  createWindow(input: Record<string, unknown>): Promise<WindowDto>;
  listWindows(query: WindowQuery): Promise<WindowListDto>;
  /** A window with its next `count` occurrences (default 5) and the overrides granted for it. */
  getWindow(name: string, count?: number): Promise<WindowDetailDto>;
  /** `force` deletes a freeze while it is in force. */
  deleteWindow(name: string, force?: boolean): Promise<WindowDto>;
  grantWindowOverride(
    name: string,
    input: { changeRequestId: string; reason: string },
  ): Promise<WindowOverrideDto>;

  createIncident(input: Record<string, unknown>): Promise<IncidentDto>;
  /** Newest first; `open` keeps only open ones. */
  listIncidents(query: { open?: boolean }): Promise<IncidentDto[]>;
  getIncident(ref: string): Promise<IncidentDetailDto>;
  resolveIncident(ref: string): Promise<IncidentDto>;
  /** Links a CR to the incident (a change link of kind `incident`, counted by the risk history). */
  linkIncident(ref: string, changeRequestId: string): Promise<IncidentLinkDto>;
  /** The incident's commander lets one CR go ahead while it is open. */
  authorizeIncidentChange(
    ref: string,
    input: { changeRequestId: string; reason: string },
  ): Promise<IncidentAuthorizationDto>;
  /** Open major incidents that block a CR now, and the authorizations it holds. */
  changeRequestIncidents(ref: string): Promise<ChangeRequestIncidentsDto>;
  /** Changes title, severity, components, environment, detection time, major flag or commander. */
  updateIncident(ref: string, input: Record<string, unknown>): Promise<IncidentDto>;
  unlinkIncident(ref: string, changeRequestId: string): Promise<IncidentUnlinkDto>;
  createProblem(input: { title: string; incident?: string }): Promise<ProblemDetailDto>;
  listProblems(query: { status?: string }): Promise<ProblemDto[]>;
  getProblem(ref: string): Promise<ProblemDetailDto>;
  linkProblemIncident(ref: string, incident: string): Promise<ProblemDetailDto>;
  unlinkProblemIncident(ref: string, incident: string): Promise<ProblemDetailDto>;
  recordProblemRootCause(ref: string, text: string): Promise<ProblemDetailDto>;
  /** Names the CR that fixes the problem (the CR gets a `problem_fix` link). */
  setProblemFix(ref: string, changeRequestId: string): Promise<ProblemDetailDto>;
  resolveProblem(ref: string): Promise<ProblemDetailDto>;
  /** Other live CRs whose planned windows overlap on a shared component in the same environment. */
  changeRequestConflicts(ref: string): Promise<ChangeConflictsDto>;
  /** The tenant's CMMI maturity per dimension, with the measured facts and next steps (docs/maturity.md). */
  assessMaturity(): Promise<MaturityAssessmentDto>;
  /** Archives, then purges, what the retention policy says is old (docs/audit-trail.md#retention). */
  runRetention(input: { dryRun?: boolean }): Promise<RetentionReportDto>;
  /** DORA metrics and change KPIs over a range, overall and per slice (docs/metrics.md). */
  metrics(query: MetricsQueryDto): Promise<MetricsReportDto>;

  /** The incident's ranked causing changes; `rerank` ranks them again first (docs/attribution.md). */
  incidentCauses(ref: string, options?: { rerank?: boolean }): Promise<IncidentCausesDto>;
  /** Confirms a CR as a cause: an incident link, and a post-incident review owed. */
  confirmIncidentCause(ref: string, changeRequestId: string, note?: string): Promise<CauseDecisionDto>;
  rejectIncidentCause(ref: string, changeRequestId: string, note: string): Promise<CauseDecisionDto>;
  /** Post-incident reviews, earliest due first; `open` or `overdue` only. */
  listReviews(query: { open?: boolean; overdue?: boolean }): Promise<ReviewDto[]>;

  /** Volume, success rates and every policy violation over [since, until) (docs/compliance.md). */
  complianceReport(query: { since?: string; until?: string }): Promise<ComplianceReportDto>;
  /** What drift monitors see running: one observation or { observations: [...] }. */
  reportObservations(input: Record<string, unknown>): Promise<ObservationResultDto>;
  listUnauthorizedChanges(query: {
    status?: string[];
    environment?: string;
  }): Promise<UnauthorizedChangeDto[]>;
  getUnauthorizedChange(ref: string): Promise<UnauthorizedChangeDto>;
  /** acknowledge: someone owns it; resolve (note required): explained or reverted. */
  moveUnauthorizedChange(
    ref: string,
    action: 'acknowledge' | 'resolve',
    note?: string,
  ): Promise<UnauthorizedChangeDto>;
}
