import { type ChangeRequest, formatChangeNumber } from '../../domain/change-request.js';
import type { validateChangeCreate } from '../../domain/change-request-input.js';
import { insertChangeRequest } from '../../store/change-requests.js';
import { nextCounterValue } from '../../store/counters.js';
import type { DbOrTx } from '../../store/database.js';
import { findEnvironment } from '../../store/environments.js';
import { recordAudit } from '../audit/record-audit.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';
import { assessChange } from '../risk/assess-change-risk.js';
import { checkedCustomFields } from './custom-fields.js';

/** Pipeline facts a CR may be created with; set by the pipeline, not by people. */
export interface PipelineFacts {
  deploymentReady?: boolean | null;
  targetFingerprint?: string | null;
  pipelineRunId?: string | null;
}

/** Where a new CR starts: `new` for people; the pipeline creates it already approved or requested. */
export interface InitialState {
  state: ChangeRequest['state'];
  approval: ChangeRequest['approval'];
  /** Set when the CR starts in implement (a rollback): who is deploying it. */
  implementedBy?: string;
  /** The standard change template it is created from. */
  template?: string;
}

/** Creates a validated CR inside the caller's transaction, with its audit event. */
export async function insertNewChangeRequest(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  { type, fields }: ReturnType<typeof validateChangeCreate>,
  facts: PipelineFacts = {},
  initial: InitialState = { state: 'new', approval: 'not_requested' },
): Promise<ChangeRequest> {
  let purpose: ChangeRequest['targetEnvironmentPurpose'] = null;
  let detail: string | null = null;
  if (fields.environment !== null) {
    const env = await findEnvironment(tx, actor.tenantId, fields.environment);
    if (!env) throw unknownEnvironment(fields.environment, await environmentNames(tx, actor));
    purpose = env.purpose;
    detail = env.detail;
  }
  // Custom fields and the risk assessment follow the tenant's configuration (docs/custom-fields.md, docs/risk.md).
  const { config } = await loadTenantConfig(tx, actor.tenantId);
  const customFields = checkedCustomFields(config, fields.customFields, {
    byPipeline: Boolean(facts.pipelineRunId),
  });
  const now = deps.now();
  const cr: ChangeRequest = {
    id: deps.newId(),
    tenantId: actor.tenantId,
    number: formatChangeNumber(await nextCounterValue(tx, actor.tenantId, 'change_request')),
    type,
    state: initial.state,
    approval: initial.approval,
    closeCategory: null,
    closeNotes: null,
    ...fields,
    customFields,
    targetEnvironmentPurpose: purpose,
    targetEnvironmentDetail: detail,
    deploymentReady: facts.deploymentReady ?? null,
    targetFingerprint: facts.targetFingerprint ?? null,
    pipelineRunId: facts.pipelineRunId ?? null,
    requestedBy: actor.name,
    implementedBy: initial.implementedBy ?? null,
    template: initial.template ?? null,
    riskAssessment: null,
    approvalDecision: null,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
  cr.riskAssessment = await assessChange(tx, deps, config.risk, cr);
  await insertChangeRequest(tx, cr);
  const { tenantId: _t, updatedAt: _u, ...audited } = cr;
  await recordAudit(tx, deps, actor, {
    action: 'change_request.created',
    entityType: 'change_request',
    entityId: cr.id,
    after: audited,
  });
  return cr;
}
