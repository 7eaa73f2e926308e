import { atPath, type CatalogConfig, windowDefinition } from '../../domain/catalog-config.js';
import { sameFieldValue } from '../../domain/change-request.js';
import { AppError } from '../../domain/errors.js';
import type { WindowDefinition } from '../../domain/windows.js';
import { findChecklist } from '../../store/checklists.js';
import { findComponent } from '../../store/components.js';
import type { DbOrTx } from '../../store/database.js';
import { findGroup, listGroups } from '../../store/groups.js';
import { findTemplate } from '../../store/templates.js';
import { findWindow } from '../../store/windows.js';
import { createComponentIn, updateComponentIn } from '../catalog/component-service.js';
import {
  addGroupMemberIn,
  createGroupIn,
  removeGroupMemberIn,
  updateGroupIn,
} from '../catalog/group-service.js';
import { createChecklistIn, updateChecklistIn } from '../checklists/checklist-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { createTemplateIn, updateTemplateIn } from '../templates/template-service.js';
import { createWindowIn, updateWindowIn } from '../windows/window-service.js';

/** What an apply did to each catalog section, by name; recorded in the `config.applied` event. */
export type CatalogChanges = Record<keyof CatalogConfig, { created: string[]; updated: string[] }>;

/** The keys of `wanted` whose values differ from `current`'s: the patch that makes one the other. */
function differences<T extends object, K extends keyof T>(current: T, wanted: T, keys: readonly K[]) {
  return Object.fromEntries(
    keys.filter((k) => !sameFieldValue(current[k], wanted[k])).map((k) => [k, wanted[k]]),
  ) as Partial<Pick<T, K>>;
}

const isEmpty = (patch: object) => Object.keys(patch).length === 0;

/**
 * Creates what the file declares and the tenant lacks, and updates what differs, in the caller's
 * transaction and in dependency order (groups, components, templates, checklists, windows), through
 * the same service steps (and audit actions) as the API. Items the file does not list are left alone.
 */
export async function applyCatalog(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  catalog: CatalogConfig,
): Promise<CatalogChanges> {
  await assertOwnerGroups(tx, actor, catalog);
  const changes = {} as CatalogChanges;
  const track = (section: keyof CatalogConfig) => {
    changes[section] = { created: [], updated: [] };
    return changes[section];
  };

  const groups = track('groups');
  for (const [i, wanted] of catalog.groups.entries()) {
    await atPath(`groups[${i}]`, async () => {
      let group = await findGroup(tx, actor.tenantId, wanted.name, { lockFor: deps.dialect });
      if (!group) {
        await createGroupIn(tx, deps, actor, wanted);
        groups.created.push(wanted.name);
        return;
      }
      const patch = differences(group, wanted, ['description', 'idpGroups'] as const);
      const changed = !isEmpty(patch) || !sameFieldValue(group.members, wanted.members);
      if (!isEmpty(patch)) group = await updateGroupIn(tx, deps, actor, group, patch);
      for (const member of wanted.members.filter((m) => !group?.members.includes(m)))
        group = await addGroupMemberIn(tx, deps, actor, group, member);
      for (const member of group.members.filter((m) => !wanted.members.includes(m)))
        group = await removeGroupMemberIn(tx, deps, actor, group, member);
      if (changed) groups.updated.push(wanted.name);
    });
  }

  const components = track('components');
  for (const [i, wanted] of catalog.components.entries()) {
    await atPath(`components[${i}]`, async () => {
      const component = await findComponent(tx, actor.tenantId, wanted.name, { lockFor: deps.dialect });
      if (!component) {
        await createComponentIn(tx, deps, actor, wanted);
        components.created.push(wanted.name);
        return;
      }
      const patch = differences(component, wanted, [
        'ownerGroup',
        'criticality',
        'environments',
        'description',
      ] as const);
      if (isEmpty(patch)) return;
      await updateComponentIn(tx, deps, actor, component, patch);
      components.updated.push(wanted.name);
    });
  }

  const templates = track('templates');
  for (const [i, wanted] of catalog.templates.entries()) {
    await atPath(`templates[${i}]`, async () => {
      const template = await findTemplate(tx, actor.tenantId, wanted.name);
      if (!template) {
        await createTemplateIn(tx, deps, actor, wanted);
        templates.created.push(wanted.name);
        return;
      }
      const { presets, ...patch } = differences(template, wanted, [
        'title',
        'presets',
        'components',
        'environments',
        'maxRisk',
      ] as const);
      if (isEmpty(patch) && presets === undefined) return;
      // Presets patch key by key: the ones the file no longer gives are cleared.
      const cleared = Object.fromEntries(Object.keys(template.presets).map((k) => [k, null]));
      await updateTemplateIn(tx, deps, actor, template, {
        ...patch,
        ...(presets === undefined ? {} : { presets: { ...cleared, ...presets } }),
      });
      templates.updated.push(wanted.name);
    });
  }

  const checklists = track('checklists');
  for (const [i, wanted] of catalog.checklists.entries()) {
    await atPath(`checklists[${i}]`, async () => {
      const checklist = await findChecklist(tx, actor.tenantId, wanted.category);
      if (!checklist) {
        await createChecklistIn(tx, deps, actor, wanted);
        checklists.created.push(wanted.category);
        return;
      }
      const patch = differences(checklist, wanted, ['items', 'description'] as const);
      if (isEmpty(patch)) return;
      await updateChecklistIn(tx, deps, actor, checklist, patch);
      checklists.updated.push(wanted.category);
    });
  }

  const windows = track('windows');
  for (const [i, wanted] of catalog.windows.entries()) {
    const path = `windows[${i}]`;
    await atPath(path, async () => {
      const window = await findWindow(tx, actor.tenantId, wanted.name);
      if (!window) {
        const now = deps.now();
        await createWindowIn(tx, deps, actor, windowDefinition(wanted, path, now, null), now);
        windows.created.push(wanted.name);
        return;
      }
      const keepFrom = window.schedule.type === 'recurring' ? window.schedule.from : null;
      const definition = windowDefinition(wanted, path, deps.now(), keepFrom);
      const keys = ['kind', 'schedule', 'environments', 'components', 'reason'] as const;
      if (isEmpty(differences<WindowDefinition, (typeof keys)[number]>(window, definition, keys))) return;
      await updateWindowIn(tx, deps, actor, window, definition);
      windows.updated.push(wanted.name);
    });
  }
  return changes;
}

/**
 * Checked before anything is written: a component's owner group must be declared in the file or
 * exist already, and the error says so, rather than the API's advice to create it by command.
 */
async function assertOwnerGroups(tx: DbOrTx, actor: Actor, catalog: CatalogConfig): Promise<void> {
  if (catalog.components.length === 0) return;
  const existing = (await listGroups(tx, actor.tenantId)).map((g) => g.name);
  const known = new Set([...catalog.groups.map((g) => g.name), ...existing]);
  for (const [i, component] of catalog.components.entries()) {
    if (known.has(component.ownerGroup)) continue;
    const field = `components[${i}].ownerGroup`;
    throw new AppError(
      'invalid_input',
      `${field}: group '${component.ownerGroup}' is neither under groups: in this file nor an existing group; declare it under groups: (or fix the name${known.size ? `; known groups: ${[...known].sort().join(', ')}` : ''})`,
      { field, validValues: [...known].sort() },
    );
  }
}
