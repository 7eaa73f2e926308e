import { AppError, invalidField } from './errors.js';
import { distinctList } from './group.js';
import { nullable, rejectUnknown, requireFields, slug, text } from './validate.js';

/** A tenant's checklist for a category of change: items that must be completed before implement. */
export interface Checklist {
  id: string;
  tenantId: string;
  category: string;
  /** Required item slugs, sorted. */
  items: string[];
  description: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** One completed item of a CR's checklist: who, when, and an optional note. */
export interface ChecklistCheck {
  changeRequestId: string;
  item: string;
  note: string | null;
  checkedBy: string;
  checkedAt: number;
}

export type ChecklistFields = Pick<Checklist, 'category' | 'items' | 'description'>;

export const checklistCreateFields = ['category', 'items', 'description'] as const;

/** Validates a new checklist: a category slug and at least one item slug. */
export function validateChecklistCreate(input: Record<string, unknown>): ChecklistFields {
  rejectUnknown(input, checklistCreateFields);
  requireFields(input, ['category', 'items']);
  const items = checklistItems(input.items);
  return { category: slug('category', input.category), items, description: description(input.description) };
}

export type ChecklistPatch = Partial<Pick<Checklist, 'items' | 'description'>>;

export const checklistUpdateFields = ['items', 'description'] as const;

/** Validates a PATCH: `items` replaces the list (at least one), description null clears it. */
export function validateChecklistUpdate(input: Record<string, unknown>): ChecklistPatch {
  rejectUnknown(input, checklistUpdateFields);
  if (Object.keys(input).length === 0)
    throw new AppError(
      'invalid_input',
      `nothing to update; give at least one of: ${checklistUpdateFields.join(', ')}`,
    );
  if (input.items === null) throw invalidField('items', 'is required and cannot be cleared');
  const patch: ChecklistPatch = {};
  if (input.items !== undefined) patch.items = checklistItems(input.items);
  if ('description' in input) patch.description = description(input.description);
  return patch;
}

function checklistItems(value: unknown): string[] {
  const items = distinctList('items', value, slug);
  if (items.length === 0) throw invalidField('items', 'a checklist needs at least one item');
  return items;
}

const description = (value: unknown) =>
  value === undefined || value === '' ? null : nullable(value, (v) => text('description', v, { max: 500 }));

export interface ChecklistItemState {
  item: string;
  done: boolean;
  note: string | null;
  checkedBy: string | null;
  checkedAt: number | null;
}

/** A CR's checklist as it stands: every required item with its completion, and the open ones. */
export interface ChecklistState {
  category: string;
  items: ChecklistItemState[];
  open: string[];
}

/** Joins a checklist's items with a CR's checks; checks of items no longer required are left out. */
export function checklistState(checklist: Checklist, checks: readonly ChecklistCheck[]): ChecklistState {
  const byItem = new Map(checks.map((c) => [c.item, c]));
  const items = checklist.items.map((item) => {
    const check = byItem.get(item);
    return {
      item,
      done: check !== undefined,
      note: check?.note ?? null,
      checkedBy: check?.checkedBy ?? null,
      checkedAt: check?.checkedAt ?? null,
    };
  });
  return { category: checklist.category, items, open: items.filter((i) => !i.done).map((i) => i.item) };
}

/** The refusal of `implement` while required items are open: names them and the command that completes each. */
export function checklistIncomplete(number: string, state: ChecklistState): AppError {
  return new AppError(
    'illegal_transition',
    `${number} cannot enter implement: its ${state.category} checklist has ${state.open.length} open item${state.open.length > 1 ? 's' : ''}: ${state.open.join(', ')}. Complete ${state.open.length > 1 ? 'each' : 'it'} with: ${state.open.map((i) => `changegate cr check ${number} ${i} --note "…"`).join('; ')}`,
    { field: 'checklist', category: state.category, open: state.open },
  );
}
