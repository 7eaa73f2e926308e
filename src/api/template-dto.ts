import type { ChangeTemplate } from '../domain/change-template.js';
import type { Checklist, ChecklistState } from '../domain/checklist.js';
import type { ChangeChecklist } from '../services/checklists/checklist-service.js';
import type { ChangeChecklistDto, ChecklistDto, ChecklistStateDto, TemplateDto } from './template-schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Keys in the schema's order, so local output matches the server's serialized JSON byte for byte. */
export function templateDto(t: ChangeTemplate): TemplateDto {
  return {
    id: t.id,
    name: t.name,
    title: t.title,
    fields: t.presets,
    components: t.components,
    environments: t.environments,
    maxRisk: t.maxRisk,
    createdBy: t.createdBy,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

export function checklistDto(c: Checklist): ChecklistDto {
  return {
    id: c.id,
    category: c.category,
    items: c.items,
    description: c.description,
    createdBy: c.createdBy,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

export function checklistStateDto(s: ChecklistState): ChecklistStateDto {
  return {
    category: s.category,
    items: s.items.map((i) => ({
      item: i.item,
      done: i.done,
      note: i.note,
      checkedBy: i.checkedBy,
      checkedAt: i.checkedAt === null ? null : iso(i.checkedAt),
    })),
    open: s.open,
  };
}

export function changeChecklistDto(c: ChangeChecklist): ChangeChecklistDto {
  return { number: c.number, category: c.category, checklist: c.checklist && checklistStateDto(c.checklist) };
}
