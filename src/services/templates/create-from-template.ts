import type { ChangeFields, ChangeRequest } from '../../domain/change-request.js';
import { validateChangeCreate } from '../../domain/change-request-input.js';
import {
  applyTemplate,
  outsideTemplateScope,
  templateScopeViolations,
} from '../../domain/change-template.js';
import { AppError } from '../../domain/errors.js';
import { effectiveRisk } from '../../domain/risk-assessment.js';
import { insertApproval, insertComment } from '../../store/change-activity.js';
import { inTransaction } from '../../store/database.js';
import { findTemplate, listTemplates } from '../../store/templates.js';
import { recordAudit } from '../audit/record-audit.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import { insertNewChangeRequest } from '../changes/insert-new-change-request.js';
import type { Actor, ServiceDeps } from '../context.js';
import { enforceChangeGuards } from '../guards/change-guards.js';

/** Who approved a CR created from a template inside its scope: the template, not a person. */
export const templateApprover = (name: string) => `changegate:template:${name}`;

/**
 * `cr create --template NAME`: a standard change with the template's presets (explicit fields win).
 * Inside the template's scope it is created approved and scheduled, with an approval by the template
 * and a comment saying why; outside it is refused with the reasons, and nothing is written.
 */
export async function createFromTemplate(
  deps: ServiceDeps,
  actor: Actor,
  templateName: unknown,
  input: Record<string, unknown>,
): Promise<ChangeRequest> {
  if (input.type !== undefined && input.type !== 'standard')
    throw new AppError(
      'invalid_input',
      `type: a change created from a template is a standard change; leave out type '${String(input.type)}'`,
      { field: 'type' },
    );
  return inTransaction(deps.db, async (tx) => {
    const name = typeof templateName === 'string' ? templateName : '';
    const template = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)
      ? await findTemplate(tx, actor.tenantId, name)
      : undefined;
    if (!template) {
      const known = (await listTemplates(tx, actor.tenantId)).map((t) => t.name);
      throw new AppError(
        'invalid_input',
        `template: '${name.slice(0, 80)}' does not exist; ${known.length ? `use one of: ${known.join(', ')}` : 'create one with changegate template create'}`,
        { field: 'template', validValues: known },
      );
    }
    const valid = validateChangeCreate(applyTemplate(template, input));
    await assertRegisteredComponents(tx, actor, valid.fields.components);
    const reasons = templateScopeViolations(template, valid.fields);
    if (reasons.length > 0) throw outsideTemplateScope(template.name, reasons);
    const cr = await insertNewChangeRequest(
      tx,
      deps,
      actor,
      valid,
      {},
      { state: 'scheduled', approval: 'approved', template: template.name },
    );
    // The tenant's risk model may rate it higher than declared: the template's maximum holds for that too.
    const assessed = cr.riskAssessment?.level;
    if (assessed && effectiveRisk(cr) !== cr.risk) {
      const overRisk = templateScopeViolations(template, { ...cr, risk: assessed });
      if (overRisk.length > 0)
        throw outsideTemplateScope(
          template.name,
          overRisk.map((r) => `${r} (assessed by the risk model; declared '${cr.risk}', docs/risk.md)`),
        );
    }
    // Being scheduled, its plan must keep out of freezes like any approved change (docs/windows.md).
    await enforceChangeGuards(tx, deps, actor, cr, 'scheduled');
    const why = `Pre-approved by standard change template '${template.name}': ${describeScope(template, valid.fields)}`;
    const now = deps.now();
    const approval = {
      id: deps.newId(),
      changeRequestId: cr.id,
      approver: templateApprover(template.name),
      decision: 'approved' as const,
      comment: why,
      decidedAt: now,
    };
    await insertApproval(tx, actor.tenantId, approval);
    await insertComment(tx, actor.tenantId, {
      id: deps.newId(),
      changeRequestId: cr.id,
      author: templateApprover(template.name),
      body: why,
      createdAt: now,
    });
    await recordAudit(tx, deps, actor, {
      action: 'change_request.approved',
      entityType: 'change_request',
      entityId: cr.id,
      after: {
        number: cr.number,
        approval: 'approved',
        state: 'scheduled',
        approver: approval.approver,
        template: template.name,
        templateId: template.id,
        comment: why,
      },
    });
    return cr;
  });
}

function describeScope(
  template: { environments: string[]; components: string[]; maxRisk: string },
  cr: Pick<ChangeFields, 'environment' | 'components' | 'risk'>,
): string {
  const envs = template.environments.length ? template.environments.join(', ') : 'any';
  const comps = template.components.length ? template.components.join(', ') : 'any';
  return `environment ${cr.environment ?? '(none)'} is within [${envs}], components ${cr.components.length ? cr.components.join(', ') : '(none)'} within [${comps}], risk ${cr.risk} within maximum ${template.maxRisk}`;
}
