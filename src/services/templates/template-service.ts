import { type ChangeTemplate, validateTemplateCreate } from '../../domain/change-template.js';
import { AppError, notFound } from '../../domain/errors.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { deleteTemplate, findTemplate, insertTemplate, listTemplates } from '../../store/templates.js';
import { recordAudit } from '../audit/record-audit.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames } from '../environments/environment-service.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

const audited = ({ tenantId: _t, ...rest }: ChangeTemplate) => rest;

/** Standard change templates: created, read and deleted, each write audited (docs/templates-and-checklists.md). */
export async function createTemplate(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<ChangeTemplate> {
  const fields = validateTemplateCreate(input);
  const exists = `template '${fields.name}' already exists`;
  return inTransaction(deps.db, async (tx) => {
    if (fields.environments.length > 0) {
      const known = await environmentNames(tx, actor);
      const unknown = fields.environments.filter((e) => !known.includes(e));
      if (unknown.length > 0)
        throw new AppError(
          'invalid_input',
          `environments: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length > 1 ? 'do' : 'does'} not exist; ${known.length ? `use any of: ${known.join(', ')}` : 'create environments first'}; no environments means any`,
          { field: 'environments', validValues: known },
        );
    }
    await assertRegisteredComponents(tx, actor, fields.components);
    if (await findTemplate(tx, actor.tenantId, fields.name))
      throw new AppError('conflict', exists, { field: 'name' });
    const now = deps.now();
    const template: ChangeTemplate = {
      id: deps.newId(),
      tenantId: actor.tenantId,
      ...fields,
      createdBy: actor.name,
      createdAt: now,
      updatedAt: now,
    };
    await uniqueOrConflict(insertTemplate(tx, template), exists, 'name');
    await recordAudit(tx, deps, actor, {
      action: 'template.created',
      entityType: 'template',
      entityId: template.id,
      after: audited(template),
    });
    return template;
  });
}

export function listTenantTemplates(deps: ServiceDeps, actor: Actor): Promise<ChangeTemplate[]> {
  return listTemplates(deps.db, actor.tenantId);
}

export function getTemplate(deps: ServiceDeps, actor: Actor, name: string): Promise<ChangeTemplate> {
  return requireTemplate(deps.db, actor, name);
}

/** CRs created from it keep their approval and the template's name; later edits re-check nothing (it is gone). */
export async function deleteTemplateByName(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
): Promise<ChangeTemplate> {
  return inTransaction(deps.db, async (tx) => {
    const template = await requireTemplate(tx, actor, name);
    await deleteTemplate(tx, template);
    await recordAudit(tx, deps, actor, {
      action: 'template.deleted',
      entityType: 'template',
      entityId: template.id,
      before: audited(template),
    });
    return template;
  });
}

export async function requireTemplate(
  db: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  name: string,
): Promise<ChangeTemplate> {
  const found = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)
    ? await findTemplate(db, actor.tenantId, name)
    : undefined;
  if (!found) throw notFound('template', name.slice(0, 80));
  return found;
}
