import { causeDecisionDto, incidentCausesDto, reviewDto } from '../api/attribution-dto.js';
import {
  batchApprovalResultDto,
  batchDetailDto,
  batchScheduleResultDto,
  batchSummaryDto,
} from '../api/batch-dto.js';
import { componentDto, groupDto } from '../api/catalog-dto.js';
import { changeConflictsDto } from '../api/conflict-dto.js';
import {
  attachmentDto,
  auditEventDto,
  auditVerifyDto,
  changeRequestDetailDto,
  changeRequestDto,
  commentDto,
  environmentDto,
  obligationDto,
  tenantDto,
  tokenDto,
} from '../api/dto.js';
import { eventPageDto } from '../api/event-dto.js';
import {
  changeRequestIncidentsDto,
  incidentAuthorizationDto,
  incidentDetailDto,
  incidentDto,
  incidentLinkDto,
} from '../api/incident-dto.js';
import { maturityDto } from '../api/maturity-dto.js';
import { metricsReportDto } from '../api/metrics-dto.js';
import { observationResultDto, unauthorizedChangeDto } from '../api/observation-dto.js';
import {
  deploymentDto,
  evidenceDto,
  evidenceSummaryDto,
  inventoryAddResultDto,
  inventoryDto,
  inventoryLabelDto,
  promotionDto,
  tenantConfigDto,
} from '../api/pipeline-dto.js';
import { approvalPolicyDto, changeApprovalsDto, policyExplanationDto } from '../api/policy-dto.js';
import { problemDetailDto, problemDto } from '../api/problem-dto.js';
import { changeRiskDto } from '../api/risk-dto.js';
import { changeChecklistDto, checklistDto, templateDto } from '../api/template-dto.js';
import { windowDetailDto, windowDto, windowListDto, windowOverrideDto } from '../api/window-dto.js';
import type { App } from '../app.js';
import { can, systemTenant } from '../domain/access.js';
import { AppError } from '../domain/errors.js';
import { createTenant } from '../services/access/tenant-service.js';
import { createApiToken, listTenantTokens, revokeToken } from '../services/access/token-service.js';
import {
  explainApprovalPolicy,
  getChangeApprovals,
  showApprovalPolicy,
} from '../services/approvals/approval-queries.js';
import { confirmCause, rejectCause } from '../services/attribution/decide-cause.js';
import { listIncidentCauses } from '../services/attribution/incident-causes.js';
import { createAuditCheckpoint, verifyAgainstCheckpoint } from '../services/audit/audit-checkpoint.js';
import { exportAuditPackage } from '../services/audit/audit-package.js';
import { readAuditLog, verifyAuditChain } from '../services/audit/audit-queries.js';
import { approveBatch } from '../services/batches/approve-batch.js';
import {
  addBatchMembers,
  createBatch,
  getBatch,
  listTenantBatches,
  removeBatchMembers,
} from '../services/batches/batch-service.js';
import { scheduleBatch } from '../services/batches/schedule-batch.js';
import {
  createComponent,
  deleteComponentByName,
  getComponent,
  listTenantComponents,
  updateComponentFields,
} from '../services/catalog/component-service.js';
import {
  addGroupMember,
  createGroup,
  deleteGroupByName,
  getGroup,
  listTenantGroups,
  removeGroupMember,
  updateGroupFields,
} from '../services/catalog/group-service.js';
import { changeRequestConflicts } from '../services/changes/change-conflicts.js';
import {
  cancelChangeRequest,
  closeChangeRequest,
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
  updateChangeRequestFields,
} from '../services/changes/change-request-actions.js';
import { findChangeRequests, getChangeRequest } from '../services/changes/change-request-queries.js';
import {
  addComment,
  attachFile,
  listChangeAttachments,
  readAttachment,
} from '../services/changes/change-request-records.js';
import { completeObligation } from '../services/changes/complete-obligation.js';
import { createChangeRequest } from '../services/changes/create-change-request.js';
import {
  checkChecklistItem,
  createChecklist,
  deleteChecklistByCategory,
  getChangeChecklist,
  getChecklist,
  listTenantChecklists,
  updateChecklistFields,
} from '../services/checklists/checklist-service.js';
import { buildComplianceReport } from '../services/compliance/build-compliance-report.js';
import { applyTenantConfig, showTenantConfig } from '../services/config/config-service.js';
import type { Actor } from '../services/context.js';
import { awaitApproval, renewLock } from '../services/deployments/await-approval.js';
import { beginDeployment } from '../services/deployments/begin-deployment.js';
import { beginRollback } from '../services/deployments/begin-rollback.js';
import { getDeployment } from '../services/deployments/deployment-support.js';
import { finishDeployment } from '../services/deployments/finish-deployment.js';
import { createEnvironment, listTenantEnvironments } from '../services/environments/environment-service.js';
import { listEvents } from '../services/escalations/list-events.js';
import { addEvidence, findEvidence } from '../services/evidence/evidence-service.js';
import { evidenceSummary } from '../services/evidence/evidence-summary.js';
import { authorizeChange } from '../services/incidents/authorize-change.js';
import { changeRequestIncidents } from '../services/incidents/change-request-incidents.js';
import {
  createIncident,
  getIncident,
  linkIncident,
  listTenantIncidents,
  resolveIncident,
  unlinkIncident,
  updateIncident,
} from '../services/incidents/incident-service.js';
import {
  addInventoryEntries,
  getInventory,
  inventoryLabels,
} from '../services/inventory/inventory-service.js';
import { assessTenantMaturity } from '../services/maturity/assess-tenant-maturity.js';
import { computeMetrics } from '../services/metrics/compute-metrics.js';
import { reportObservations } from '../services/observations/report-observations.js';
import {
  getUnauthorized,
  listUnauthorized,
  moveUnauthorized,
} from '../services/observations/unauthorized-changes.js';
import {
  linkProblemIncident,
  setProblemFix,
  unlinkProblemIncident,
} from '../services/problems/problem-links.js';
import {
  createProblem,
  getProblem,
  listTenantProblems,
  recordRootCause,
  resolveProblem,
} from '../services/problems/problem-service.js';
import { promote } from '../services/promotion/promote.js';
import { runRetention } from '../services/retention/run-retention.js';
import { listReviews } from '../services/reviews/list-reviews.js';
import { assessChangeRisk, getChangeRisk } from '../services/risk/assess-change-risk.js';
import {
  createTemplate,
  deleteTemplateByName,
  getTemplate,
  listTenantTemplates,
  updateTemplateFields,
} from '../services/templates/template-service.js';
import { grantWindowOverride } from '../services/windows/grant-override.js';
import {
  createWindow,
  deleteWindow,
  getWindow,
  listTenantWindows,
} from '../services/windows/window-service.js';
import type { ChangegateApi } from './changegate-api.js';

/** The port on services: used by the CLI's local mode and by every HTTP route, so both answer alike. */
export function localApi(app: App, actor: Actor): ChangegateApi {
  const deps = app.deps;
  return {
    createChangeRequest: async (input) => changeRequestDto(await createChangeRequest(deps, actor, input)),
    getChangeRequest: async (ref) => changeRequestDetailDto(await getChangeRequest(deps, actor, ref)),
    listChangeRequests: async (query) => {
      const page = await findChangeRequests(deps, actor, query);
      return { items: page.items.map(changeRequestDto), nextCursor: page.nextCursor };
    },
    updateChangeRequest: async (ref, patch) =>
      changeRequestDto(await updateChangeRequestFields(deps, actor, ref, patch)),
    requestApproval: async (ref) => changeRequestDto(await requestApproval(deps, actor, ref)),
    decideApproval: async (ref, decision, comment) =>
      changeRequestDto(await decideChangeApproval(deps, actor, ref, decision, comment)),
    transitionChangeRequest: async (ref, to) =>
      changeRequestDto(await transitionChangeRequest(deps, actor, ref, to)),
    commentOnChangeRequest: async (ref, body) => commentDto(await addComment(deps, actor, ref, body)),
    attachToChangeRequest: async (ref, upload) => attachmentDto(await attachFile(deps, actor, ref, upload)),
    listAttachments: async (ref) => (await listChangeAttachments(deps, actor, ref)).map(attachmentDto),
    downloadAttachment: async (ref, id) => {
      const found = await readAttachment(deps, actor, ref, id);
      return { attachment: attachmentDto(found.attachment), content: found.content };
    },
    closeChangeRequest: async (ref, category, notes) =>
      changeRequestDto(await closeChangeRequest(deps, actor, ref, category, notes)),
    completeObligation: async (ref, kind, note) =>
      obligationDto(await completeObligation(deps, actor, ref, kind, note)),
    getChangeApprovals: async (ref) => changeApprovalsDto(await getChangeApprovals(deps, actor, ref)),
    getApprovalPolicy: async () => approvalPolicyDto(await showApprovalPolicy(deps, actor)),
    explainApprovalPolicy: async (ref) => policyExplanationDto(await explainApprovalPolicy(deps, actor, ref)),
    getChangeRisk: async (ref) => changeRiskDto(await getChangeRisk(deps, actor, ref)),
    assessChangeRisk: async (ref) => {
      const { changeRequest, changed } = await assessChangeRisk(deps, actor, ref);
      return changeRiskDto(changeRequest, changed);
    },
    cancelChangeRequest: async (ref, reason) =>
      changeRequestDto(await cancelChangeRequest(deps, actor, ref, reason)),

    createEnvironment: async (input) => environmentDto(await createEnvironment(deps, actor, input)),
    listEnvironments: async () => (await listTenantEnvironments(deps, actor)).map(environmentDto),

    createGroup: async (input) => groupDto(await createGroup(deps, actor, input)),
    listGroups: async () => (await listTenantGroups(deps, actor)).map(groupDto),
    getGroup: async (name) => groupDto(await getGroup(deps, actor, name)),
    updateGroup: async (name, patch) => groupDto(await updateGroupFields(deps, actor, name, patch)),
    deleteGroup: async (name) => groupDto(await deleteGroupByName(deps, actor, name)),
    addGroupMember: async (name, member) => groupDto(await addGroupMember(deps, actor, name, member)),
    removeGroupMember: async (name, member) => groupDto(await removeGroupMember(deps, actor, name, member)),
    createComponent: async (input) => componentDto(await createComponent(deps, actor, input)),
    listComponents: async () => (await listTenantComponents(deps, actor)).map(componentDto),
    getComponent: async (name) => componentDto(await getComponent(deps, actor, name)),
    updateComponent: async (name, patch) =>
      componentDto(await updateComponentFields(deps, actor, name, patch)),
    deleteComponent: async (name) => componentDto(await deleteComponentByName(deps, actor, name)),

    createTemplate: async (input) => templateDto(await createTemplate(deps, actor, input)),
    listTemplates: async () => (await listTenantTemplates(deps, actor)).map(templateDto),
    getTemplate: async (name) => templateDto(await getTemplate(deps, actor, name)),
    updateTemplate: async (name, patch) => templateDto(await updateTemplateFields(deps, actor, name, patch)),
    deleteTemplate: async (name) => templateDto(await deleteTemplateByName(deps, actor, name)),
    createChecklist: async (input) => checklistDto(await createChecklist(deps, actor, input)),
    listChecklists: async () => (await listTenantChecklists(deps, actor)).map(checklistDto),
    getChecklist: async (category) => checklistDto(await getChecklist(deps, actor, category)),
    updateChecklist: async (category, patch) =>
      checklistDto(await updateChecklistFields(deps, actor, category, patch)),
    deleteChecklist: async (category) => checklistDto(await deleteChecklistByCategory(deps, actor, category)),
    getChangeChecklist: async (ref) => changeChecklistDto(await getChangeChecklist(deps, actor, ref)),
    checkChecklistItem: async (ref, item, note) =>
      changeChecklistDto(await checkChecklistItem(deps, actor, ref, item, note)),

    createBatch: async (input) => batchDetailDto(await createBatch(deps, actor, input)),
    listBatches: async () => (await listTenantBatches(deps, actor)).map(batchSummaryDto),
    getBatch: async (ref) => batchDetailDto(await getBatch(deps, actor, ref)),
    addBatchMembers: async (ref, changes) => batchDetailDto(await addBatchMembers(deps, actor, ref, changes)),
    removeBatchMembers: async (ref, changes) =>
      batchDetailDto(await removeBatchMembers(deps, actor, ref, changes)),
    scheduleBatch: async (ref, input) => batchScheduleResultDto(await scheduleBatch(deps, actor, ref, input)),
    approveBatch: async (ref, comment) =>
      batchApprovalResultDto(await approveBatch(deps, actor, ref, comment)),

    auditLog: async (query) => (await readAuditLog(deps, actor, query)).map(auditEventDto),
    auditVerify: async (checkpoint) =>
      auditVerifyDto(
        checkpoint === undefined
          ? await verifyAuditChain(deps, actor)
          : await verifyAgainstCheckpoint(deps, actor, app.signer({ create: false }), checkpoint),
      ),
    auditCheckpoint: () => createAuditCheckpoint(deps, actor, app.signer()),
    auditPackage: (ref) =>
      exportAuditPackage(deps, actor, app.signer(), ref, {
        changeRequest: changeRequestDetailDto,
        approvals: changeApprovalsDto,
        evidence: evidenceDto,
      }),

    listEvents: async (query) => eventPageDto(await listEvents(deps, actor, query)),

    createToken: async (input) => {
      const created = await createApiToken(deps, actor, input);
      return { token: tokenDto(created.token), secret: created.secret };
    },
    listTokens: async () => (await listTenantTokens(deps, actor)).map(tokenDto),
    revokeToken: async (ref) => tokenDto(await revokeToken(deps, actor, ref)),

    createTenant: async (input) => {
      // Local mode acts as admin of its tenant; creating tenants stays reserved to the default tenant's admins.
      if (!can(actor, 'tenant:manage')) {
        throw new AppError('forbidden', `only admins of the '${systemTenant}' tenant may create tenants`, {
          permission: 'tenant:manage',
        });
      }
      return tenantDto(await createTenant(deps, actor.name, input));
    },

    applyConfig: async (input) => tenantConfigDto(await applyTenantConfig(deps, actor, input)),
    getConfig: async () => tenantConfigDto(await showTenantConfig(deps, actor)),

    addInventory: async (input) => inventoryAddResultDto(await addInventoryEntries(deps, actor, input)),
    getInventory: async (query) => inventoryDto(await getInventory(deps, actor, query)),
    listInventoryLabels: async (environment) =>
      (await inventoryLabels(deps, actor, environment)).map(inventoryLabelDto),

    addEvidence: async (input) => evidenceDto(await addEvidence(deps, actor, input)),
    listEvidence: async (query) => (await findEvidence(deps, actor, query)).map(evidenceDto),
    evidenceSummary: async (environment, region) =>
      evidenceSummaryDto(await evidenceSummary(deps, actor, environment, region)),

    promote: async (input) => promotionDto(await promote(deps, actor, input)),

    beginDeployment: async (input) => deploymentDto(await beginDeployment(deps, actor, input)),
    awaitDeploymentApproval: async (runId, waitMs, lockTtlSeconds) =>
      deploymentDto(await awaitApproval(deps, actor, runId, { waitMs, lockTtlSeconds })),
    renewDeploymentLock: (runId, lockTtlSeconds) => renewLock(deps, actor, runId, lockTtlSeconds),
    finishDeployment: async (runId, input) =>
      deploymentDto(await finishDeployment(deps, actor, runId, input)),
    getDeployment: async (runId) => deploymentDto(await getDeployment(deps, actor, runId)),
    beginRollback: async (input) => deploymentDto(await beginRollback(deps, actor, input)),

    createWindow: async (input) => windowDto(await createWindow(deps, actor, input)),
    listWindows: async (query) => windowListDto(await listTenantWindows(deps, actor, query)),
    getWindow: async (name, count) => windowDetailDto(await getWindow(deps, actor, name, count)),
    deleteWindow: async (name, force) => windowDto(await deleteWindow(deps, actor, name, { force })),
    grantWindowOverride: async (name, input) =>
      windowOverrideDto(await grantWindowOverride(deps, actor, name, input)),

    createIncident: async (input) => incidentDto(await createIncident(deps, actor, input)),
    listIncidents: async (query) => (await listTenantIncidents(deps, actor, query)).map(incidentDto),
    getIncident: async (ref) => incidentDetailDto(await getIncident(deps, actor, ref)),
    resolveIncident: async (ref) => incidentDto(await resolveIncident(deps, actor, ref)),
    linkIncident: async (ref, changeRequestId) => {
      const linked = await linkIncident(deps, actor, ref, changeRequestId);
      return incidentLinkDto(linked.incident.number, linked);
    },
    authorizeIncidentChange: async (ref, input) =>
      incidentAuthorizationDto(await authorizeChange(deps, actor, ref, input)),
    changeRequestIncidents: async (ref) =>
      changeRequestIncidentsDto(await changeRequestIncidents(deps, actor, ref)),
    updateIncident: async (ref, input) => incidentDto(await updateIncident(deps, actor, ref, input)),
    unlinkIncident: async (ref, changeRequestId) => {
      const unlinked = await unlinkIncident(deps, actor, ref, changeRequestId);
      return { incident: unlinked.incident.number, changeRequest: unlinked.changeRequestNumber };
    },
    createProblem: async (input) => problemDetailDto(await createProblem(deps, actor, input)),
    listProblems: async (query) => (await listTenantProblems(deps, actor, query)).map(problemDto),
    getProblem: async (ref) => problemDetailDto(await getProblem(deps, actor, ref)),
    linkProblemIncident: async (ref, incident) =>
      problemDetailDto(await linkProblemIncident(deps, actor, ref, incident)),
    unlinkProblemIncident: async (ref, incident) =>
      problemDetailDto(await unlinkProblemIncident(deps, actor, ref, incident)),
    recordProblemRootCause: async (ref, text) =>
      problemDetailDto(await recordRootCause(deps, actor, ref, { text })),
    setProblemFix: async (ref, changeRequestId) =>
      problemDetailDto(await setProblemFix(deps, actor, ref, { changeRequestId })),
    resolveProblem: async (ref) => problemDetailDto(await resolveProblem(deps, actor, ref)),
    changeRequestConflicts: async (ref) => changeConflictsDto(await changeRequestConflicts(deps, actor, ref)),
    assessMaturity: async () => maturityDto(await assessTenantMaturity(deps, actor)),
    runRetention: (input) =>
      runRetention(deps, actor, { dryRun: input.dryRun, defaultArchiveDir: `${app.config.dataDir}/archive` }),
    metrics: async (query) => metricsReportDto(await computeMetrics(deps, actor, { ...query })),

    incidentCauses: async (ref, options) =>
      incidentCausesDto(await listIncidentCauses(deps, actor, ref, options)),
    confirmIncidentCause: async (ref, changeRequestId, note) =>
      causeDecisionDto(await confirmCause(deps, actor, ref, changeRequestId, note)),
    rejectIncidentCause: async (ref, changeRequestId, note) =>
      causeDecisionDto(await rejectCause(deps, actor, ref, changeRequestId, note)),
    listReviews: async (query) => (await listReviews(deps, actor, query)).map(reviewDto),

    complianceReport: (query) => buildComplianceReport(deps, actor, query),
    reportObservations: async (input) => observationResultDto(await reportObservations(deps, actor, input)),
    listUnauthorizedChanges: async (query) =>
      (await listUnauthorized(deps, actor, query)).map(unauthorizedChangeDto),
    getUnauthorizedChange: async (ref) => unauthorizedChangeDto(await getUnauthorized(deps, actor, ref)),
    moveUnauthorizedChange: async (ref, action, note) =>
      unauthorizedChangeDto(await moveUnauthorized(deps, actor, ref, action, note)),
  };
}
