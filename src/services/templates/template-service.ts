import {
  type ChangeTemplate,
  patchTemplate,
  type TemplateFields,
  type TemplatePatch,
  validateTemplateCreate,
  validateTemplateUpdate,
} from '../../domain/change-template.js';
import { AppError, notFound } from '../../domain/errors.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  deleteTemplate,
  findTemplate,
  insertTemplate,
  listTemplates,
  updateTemplate,
} from '../../store/templates.js';
import { createAuditedRecord, deleteAuditedRecord, updateAuditedRecord } from '../audited-record.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames } from '../environments/environment-service.js';

const kind = { entityType: 'template', key: 'name' } as const;

/** Standard change templates: created, read, updated and deleted, each write audited (docs/templates-and-checklists.md). */
export async function createTemplate(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<ChangeTemplate> {
  const fields = validateTemplateCreate(input);
  return inTransaction(deps.db, (tx) => createTemplateIn(tx, deps, actor, fields));
}

/** Creates a validated template in the caller's transaction (the API's create and config apply). */
export async function createTemplateIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  fields: TemplateFields,
): Promise<ChangeTemplate> {
  await assertScope(tx, actor, fields);
  return createAuditedRecord<ChangeTemplate>(tx, deps, actor, kind, {
    fields,
    exists: `template '${fields.name}' already exists`,
    find: () => findTemplate(tx, actor.tenantId, fields.name),
    insert: (template) => insertTemplate(tx, template),
  });
}

/** PATCH semantics (validateTemplateUpdate); CRs already created from it keep what they were given. */
export async function updateTemplateFields(
  deps: ServiceDeps,
  actor: Actor,
  name: string,
  input: Record<string, unknown>,
): Promise<ChangeTemplate> {
  const patch = validateTemplateUpdate(input);
  return inTransaction(deps.db, async (tx) => {
    const template = await requireTemplate(tx, actor, name);
    return updateTemplateIn(tx, deps, actor, template, patch);
  });
}

/** Applies a validated patch to a template read in the caller's transaction. */
export async function updateTemplateIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  template: ChangeTemplate,
  patch: TemplatePatch,
): Promise<ChangeTemplate> {
  return updateAuditedRecord<ChangeTemplate>(tx, deps, actor, kind, {
    before: template,
    changes: patchTemplate(template, patch),
    update: async (updated) => {
      if (patch.environments || patch.components) await assertScope(tx, actor, updated);
      await updateTemplate(tx, template, updated);
    },
  });
}

/** A template's scope may name only the tenant's environments and (once it has any) registered components. */
async function assertScope(
  tx: DbOrTx,
  actor: Actor,
  scope: Pick<TemplateFields, 'environments' | 'components'>,
): Promise<void> {
  if (scope.environments.length > 0) {
    const known = await environmentNames(tx, actor);
    const unknown = scope.environments.filter((e) => !known.includes(e));
    if (unknown.length > 0)
      throw new AppError(
        'invalid_input',
        `environments: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length > 1 ? 'do' : 'does'} not exist; ${known.length ? `use any of: ${known.join(', ')}` : 'create environments first'}; no environments means any`,
        { field: 'environments', validValues: known },
      );
  }
  await assertRegisteredComponents(tx, actor, scope.components);
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
    return deleteAuditedRecord(tx, deps, actor, kind, {
      record: template,
      remove: () => deleteTemplate(tx, template),
    });
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
