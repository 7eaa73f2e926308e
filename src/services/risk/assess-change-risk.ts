import { assessRisk, type RiskFacts, riskInputFields } from '../../domain/assess-risk.js';
import { type ChangeRequest, changeRef } from '../../domain/change-request.js';
import { approvalAfterRiskRise, isTerminal } from '../../domain/change-request-state.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { RiskAssessment } from '../../domain/risk-assessment.js';
import type { RiskModel } from '../../domain/risk-model.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { componentCriticalities, similarConcludedChanges } from '../../store/risk-history.js';
import { cancelApprovalSteps } from '../approvals/approval-chain-service.js';
import { applyChangeMutation } from '../changes/mutate-change-request.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { templateScopeAfterEdit } from '../templates/template-scope-after-edit.js';

/** The fields of a CR an assessment reads. */
export type RiskSubject = Pick<
  ChangeRequest,
  | 'id'
  | 'tenantId'
  | 'customerImpact'
  | 'deploymentImpact'
  | 'environment'
  | 'targetEnvironmentPurpose'
  | 'outageMinutes'
  | 'components'
>;

/** Assesses a CR (as it is, or as it is about to be stored) with the tenant's model; null without one. */
export async function assessChange(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now'>,
  model: RiskModel | null,
  cr: RiskSubject,
): Promise<RiskAssessment | null> {
  if (model === null) return null;
  const now = deps.now();
  return assessRisk(model, await riskFacts(tx, now, model, cr), now);
}

async function riskFacts(tx: DbOrTx, now: number, model: RiskModel, cr: RiskSubject): Promise<RiskFacts> {
  const criticality = await componentCriticalities(tx, cr.tenantId, cr.components);
  let history: RiskFacts['history'] = null;
  if (model.history && cr.environment !== null && cr.components.length > 0) {
    const similar = await similarConcludedChanges(tx, cr.tenantId, {
      environment: cr.environment,
      components: cr.components,
      since: now - model.history.windowMs,
      excludeId: cr.id,
    });
    const failed = similar.filter((s) => s.failures.length > 0);
    history = {
      similar: similar.length,
      failed: failed.length,
      failures: failed.map((s) => `${s.number} ${s.failures.join(', ')}`),
    };
  }
  return {
    customerImpact: cr.customerImpact,
    deploymentImpact: cr.deploymentImpact,
    environmentPurpose: cr.targetEnvironmentPurpose,
    outageMinutes: cr.outageMinutes,
    components: cr.components.map((name) => ({ name, criticality: criticality.get(name) ?? null })),
    history,
  };
}

/** Equal but for when: a recomputation that finds the same is not a change worth recording. */
export function sameAssessment(a: RiskAssessment | null, b: RiskAssessment | null): boolean {
  if (a === null || b === null) return a === b;
  const { assessedAt: _a, ...left } = a;
  const { assessedAt: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
}

/**
 * After an edit of an input of the assessment (impact, environment, outage, components): the patch
 * that carries the new assessment, or nothing when no input changed, there is no model, or it came
 * out the same.
 */
export async function reassessAfterEdit(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now'>,
  model: RiskModel | null,
  cr: ChangeRequest,
  patch: Partial<ChangeRequest>,
): Promise<Partial<ChangeRequest>> {
  if (model === null || !riskInputFields.some((f) => f in patch)) return {};
  const assessment = await assessChange(tx, deps, model, { ...cr, ...patch });
  return sameAssessment(cr.riskAssessment, assessment) ? {} : { riskAssessment: assessment };
}

/**
 * `changegate cr assess`: recompute now (the history moves on as other changes conclude). A new
 * result is stored and audited as an update of the CR; the same result changes nothing.
 */
export async function assessChangeRisk(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<{ changeRequest: ChangeRequest; changed: boolean }> {
  return inTransaction(deps.db, async (tx) => {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    if (isTerminal(cr.state))
      throw new AppError(
        'illegal_transition',
        `${cr.number} is ${cr.state}; its risk assessment stays as it was while it was open`,
        { state: cr.state },
      );
    const { config } = await loadTenantConfig(tx, actor.tenantId);
    if (config.risk === null)
      throw new AppError(
        'invalid_input',
        'this tenant has no risk model; add a `risk:` section to changegate.yaml and apply it (see docs/risk.md)',
        { field: 'risk' },
      );
    const assessment = await assessChange(tx, deps, config.risk, cr);
    if (sameAssessment(cr.riskAssessment, assessment)) return { changeRequest: cr, changed: false };
    // A riskier change is routed differently: a higher effective risk withdraws a pending or held
    // approval (a template's CR: once it leaves the template's maximum), as an edit does.
    const patch = { riskAssessment: assessment };
    const scope = await templateScopeAfterEdit(tx, actor, cr, patch);
    const withdrawn = scope ? scope.outcome : approvalAfterRiskRise(cr, { ...cr, ...patch });
    const updated = await applyChangeMutation(tx, deps, actor, cr, {
      action: 'change_request.updated',
      patch: withdrawn ? { ...patch, ...withdrawn } : patch,
      note: { reason: 'risk reassessed', ...(scope?.reasons.length ? { templateScope: scope.reasons } : {}) },
      ...(withdrawn ? { also: cancelApprovalSteps(deps, actor, cr) } : {}),
    });
    return { changeRequest: updated, changed: true };
  });
}

/** `changegate cr risk`: the CR's declared, assessed and effective risk. */
export async function getChangeRisk(deps: ServiceDeps, actor: Actor, ref: string): Promise<ChangeRequest> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  return cr;
}
