import { componentDto, groupDto } from '../api/catalog-dto.js';
import {
  attachmentDto,
  auditEventDto,
  changeRequestDetailDto,
  changeRequestDto,
  commentDto,
  environmentDto,
  obligationDto,
  tenantDto,
  tokenDto,
} from '../api/dto.js';
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
import { changeChecklistDto, checklistDto, templateDto } from '../api/template-dto.js';
import { windowDetailDto, windowDto, windowListDto, windowOverrideDto } from '../api/window-dto.js';
import type { App } from '../app.js';
import { can, systemTenant } from '../domain/access.js';
import { AppError } from '../domain/errors.js';
import { createTenant } from '../services/access/tenant-service.js';
import { createApiToken, listTenantTokens, revokeToken } from '../services/access/token-service.js';
import { createAuditCheckpoint, verifyAgainstCheckpoint } from '../services/audit/audit-checkpoint.js';
import { readAuditLog, verifyAuditChain } from '../services/audit/audit-queries.js';
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
} from '../services/checklists/checklist-service.js';
import { applyTenantConfig, showTenantConfig } from '../services/config/config-service.js';
import type { Actor } from '../services/context.js';
import { awaitApproval, renewLock } from '../services/deployments/await-approval.js';
import { beginDeployment } from '../services/deployments/begin-deployment.js';
import { beginRollback } from '../services/deployments/begin-rollback.js';
import { getDeployment } from '../services/deployments/deployment-support.js';
import { finishDeployment } from '../services/deployments/finish-deployment.js';
import { createEnvironment, listTenantEnvironments } from '../services/environments/environment-service.js';
import { addEvidence, findEvidence } from '../services/evidence/evidence-service.js';
import { evidenceSummary } from '../services/evidence/evidence-summary.js';
import {
  addInventoryEntries,
  getInventory,
  inventoryLabels,
} from '../services/inventory/inventory-service.js';
import { promote } from '../services/promotion/promote.js';
import {
  createTemplate,
  deleteTemplateByName,
  getTemplate,
  listTenantTemplates,
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
    deleteTemplate: async (name) => templateDto(await deleteTemplateByName(deps, actor, name)),
    createChecklist: async (input) => checklistDto(await createChecklist(deps, actor, input)),
    listChecklists: async () => (await listTenantChecklists(deps, actor)).map(checklistDto),
    getChecklist: async (category) => checklistDto(await getChecklist(deps, actor, category)),
    deleteChecklist: async (category) => checklistDto(await deleteChecklistByCategory(deps, actor, category)),
    getChangeChecklist: async (ref) => changeChecklistDto(await getChangeChecklist(deps, actor, ref)),
    checkChecklistItem: async (ref, item, note) =>
      changeChecklistDto(await checkChecklistItem(deps, actor, ref, item, note)),

    auditLog: async (query) => (await readAuditLog(deps, actor, query)).map(auditEventDto),
    auditVerify: async (checkpoint) =>
      checkpoint === undefined
        ? verifyAuditChain(deps, actor)
        : verifyAgainstCheckpoint(deps, actor, app.signer({ create: false }), checkpoint),
    auditCheckpoint: () => createAuditCheckpoint(deps, actor, app.signer()),

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
  };
}
