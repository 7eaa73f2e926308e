import { changeRef } from '../../domain/change-request.js';
import { assertEditable } from '../../domain/change-request-state.js';
import {
  type Checklist,
  type ChecklistCheck,
  type ChecklistFields,
  type ChecklistPatch,
  type ChecklistState,
  checklistState,
  validateChecklistCreate,
  validateChecklistUpdate,
} from '../../domain/checklist.js';
import { AppError, notFound } from '../../domain/errors.js';
import { nullable, slug, text } from '../../domain/validate.js';
import { findChangeRequest } from '../../store/change-requests.js';
import {
  deleteChecklist,
  findChecklist,
  insertCheck,
  insertChecklist,
  listChecklists,
  listChecks,
  updateChecklist,
} from '../../store/checklists.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import { createAuditedRecord, deleteAuditedRecord, updateAuditedRecord } from '../audited-record.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

const kind = { entityType: 'checklist', key: 'category' } as const;

/** Category checklists and the items completed on a CR (docs/templates-and-checklists.md). */
export async function createChecklist(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<Checklist> {
  const fields = validateChecklistCreate(input);
  return inTransaction(deps.db, (tx) => createChecklistIn(tx, deps, actor, fields));
}

/** Creates a validated checklist in the caller's transaction (the API's create and config apply). */
export function createChecklistIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  fields: ChecklistFields,
): Promise<Checklist> {
  return createAuditedRecord<Checklist>(tx, deps, actor, kind, {
    fields,
    exists: `a checklist for category '${fields.category}' already exists; change it with changegate checklist update ${fields.category}`,
    find: () => findChecklist(tx, actor.tenantId, fields.category),
    insert: (checklist) => insertChecklist(tx, checklist),
  });
}

/**
 * PATCH semantics (validateChecklistUpdate). CRs of the category keep the items they completed; an
 * added item is open on each of them, and a removed one no longer gates them.
 */
export async function updateChecklistFields(
  deps: ServiceDeps,
  actor: Actor,
  category: string,
  input: Record<string, unknown>,
): Promise<Checklist> {
  const patch = validateChecklistUpdate(input);
  return inTransaction(deps.db, async (tx) => {
    const checklist = await requireChecklist(tx, actor, category);
    return updateChecklistIn(tx, deps, actor, checklist, patch);
  });
}

/** Applies a validated patch to a checklist read in the caller's transaction. */
export function updateChecklistIn(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  checklist: Checklist,
  patch: ChecklistPatch,
): Promise<Checklist> {
  return updateAuditedRecord<Checklist>(tx, deps, actor, kind, {
    before: checklist,
    changes: patch,
    update: (updated) => updateChecklist(tx, checklist, updated),
  });
}

export function listTenantChecklists(deps: ServiceDeps, actor: Actor): Promise<Checklist[]> {
  return listChecklists(deps.db, actor.tenantId);
}

export function getChecklist(deps: ServiceDeps, actor: Actor, category: string): Promise<Checklist> {
  return requireChecklist(deps.db, actor, category);
}

/** CRs keep their category and their completed items; nothing gates them any more. */
export async function deleteChecklistByCategory(
  deps: ServiceDeps,
  actor: Actor,
  category: string,
): Promise<Checklist> {
  return inTransaction(deps.db, async (tx) => {
    const checklist = await requireChecklist(tx, actor, category);
    return deleteAuditedRecord(tx, deps, actor, kind, {
      record: checklist,
      remove: () => deleteChecklist(tx, checklist),
    });
  });
}

/** A CR's checklist, or null when it has no category or its category has no checklist. */
export async function changeChecklistState(
  db: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  cr: { id: string; category: string | null },
): Promise<ChecklistState | null> {
  if (cr.category === null) return null;
  const checklist = await findChecklist(db, actor.tenantId, cr.category);
  if (!checklist) return null;
  return checklistState(checklist, await listChecks(db, actor.tenantId, cr.id));
}

export interface ChangeChecklist {
  number: string;
  category: string | null;
  checklist: ChecklistState | null;
}

export async function getChangeChecklist(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ChangeChecklist> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  return {
    number: cr.number,
    category: cr.category,
    checklist: await changeChecklistState(deps.db, actor, cr),
  };
}

/** Completes one required item of a CR's checklist, audited with who, when and the note. */
export async function checkChecklistItem(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  item: unknown,
  note: unknown,
): Promise<ChangeChecklist> {
  const itemName = slug('item', item);
  const noteText =
    note === undefined || note === '' ? null : nullable(note, (v) => text('note', v, { max: 4000 }));
  return inTransaction(deps.db, async (tx) => {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    assertEditable(cr);
    const state = await changeChecklistState(tx, actor, cr);
    if (!state)
      throw new AppError(
        'invalid_input',
        cr.category === null
          ? `${cr.number} has no category, so it has no checklist; set one with changegate cr update ${cr.number} --category <category>`
          : `${cr.number}'s category '${cr.category}' has no checklist (changegate checklist list)`,
        { field: 'item' },
      );
    const entry = state.items.find((i) => i.item === itemName);
    if (!entry)
      throw new AppError(
        'invalid_input',
        `item: '${itemName}' is not on the ${state.category} checklist; its items are: ${state.items.map((i) => i.item).join(', ')}`,
        { field: 'item', validValues: state.items.map((i) => i.item) },
      );
    if (entry.done)
      throw new AppError(
        'conflict',
        `${cr.number}: '${itemName}' was already completed by ${entry.checkedBy} at ${new Date(entry.checkedAt ?? 0).toISOString()}`,
        { field: 'item' },
      );
    const check: ChecklistCheck = {
      changeRequestId: cr.id,
      item: itemName,
      note: noteText,
      checkedBy: actor.name,
      checkedAt: deps.now(),
    };
    await uniqueOrConflict(
      insertCheck(tx, actor.tenantId, check),
      `${cr.number}: '${itemName}' is already completed`,
      'item',
    );
    await recordAudit(tx, deps, actor, {
      action: 'change_request.checklist_item_completed',
      entityType: 'change_request',
      entityId: cr.id,
      after: { number: cr.number, category: state.category, item: itemName, note: noteText },
    });
    return { number: cr.number, category: cr.category, checklist: await changeChecklistState(tx, actor, cr) };
  });
}

async function requireChecklist(db: DbOrTx, actor: Pick<Actor, 'tenantId'>, category: string) {
  const found = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(category)
    ? await findChecklist(db, actor.tenantId, category)
    : undefined;
  if (!found) throw notFound('checklist', category.slice(0, 80));
  return found;
}
