import type { ChangeRequest } from '../../domain/change-request.js';
import { templateScopeViolations } from '../../domain/change-template.js';
import { effectiveRisk } from '../../domain/risk-assessment.js';
import type { DbOrTx } from '../../store/database.js';
import { findTemplate } from '../../store/templates.js';
import type { Actor } from '../context.js';

const scopeFields = ['environment', 'components', 'risk'] as const;

/**
 * An approved CR from a template, edited before implementation: a change of its environment,
 * components or risk is checked against the template again. Inside the scope it keeps the approval
 * (the template pre-approves any change inside it, whatever else is edited); outside, or when the
 * template was deleted, the approval is withdrawn and it becomes a normal change, back in assess.
 * Returns null when the CR did not come from a template, so the general rule applies.
 */
export async function templateScopeAfterEdit(
  tx: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  cr: ChangeRequest,
  patch: Partial<ChangeRequest>,
): Promise<{ outcome: Partial<ChangeRequest> | null; reasons: string[] } | null> {
  const beforeImplementation = ['new', 'assess', 'authorize', 'scheduled'].includes(cr.state);
  if (cr.template === null || cr.type !== 'standard' || cr.approval !== 'approved' || !beforeImplementation)
    return null;
  const edited = { ...cr, ...patch };
  // The risk in scope is the effective one: a reassessment can take it past the template's maximum.
  const touched =
    scopeFields.some((f) => JSON.stringify(edited[f]) !== JSON.stringify(cr[f])) ||
    effectiveRisk(edited) !== effectiveRisk(cr);
  if (!touched) return { outcome: null, reasons: [] };
  const template = await findTemplate(tx, actor.tenantId, cr.template);
  const reasons = template
    ? templateScopeViolations(template, { ...edited, risk: effectiveRisk(edited) })
    : [`template '${cr.template}' no longer exists`];
  if (reasons.length === 0) return { outcome: null, reasons: [] };
  return {
    outcome: { state: cr.state === 'new' ? 'new' : 'assess', approval: 'not_requested', type: 'normal' },
    reasons,
  };
}
