import type {
  ChangeChecklistDto,
  ChecklistDto,
  ChecklistStateDto,
  TemplateDto,
} from '../api/template-schemas.js';
import { table } from './output.js';

/** Human renderings of templates and checklists; --json prints the shapes themselves. */

const field = (label: string, value: string | null) =>
  value === null || value === '' ? [] : [`  ${label.padEnd(17)} ${value}`];
const scope = (names: string[]) => (names.length ? names.join(', ') : 'any');

export function renderTemplate(t: TemplateDto): string[] {
  return [
    `template ${t.name}`,
    ...field('title', t.title),
    ...Object.entries(t.fields).map(([k, v]) => `  ${k.padEnd(17)} ${String(v)}`),
    ...field('environments', scope(t.environments)),
    ...field('components', scope(t.components)),
    ...field('max risk', t.maxRisk),
    ...field('id', t.id),
  ];
}

export function renderTemplates(items: TemplateDto[]): string[] {
  if (items.length === 0)
    return ['no templates; create one with: changegate template create <name> --title … --max-risk low'];
  return table(
    ['NAME', 'ENVIRONMENTS', 'COMPONENTS', 'MAX RISK', 'TITLE'],
    items.map((t) => [t.name, scope(t.environments), scope(t.components), t.maxRisk, t.title]),
  );
}

export function renderChecklist(c: ChecklistDto): string[] {
  return [
    `checklist ${c.category}`,
    ...field('items', c.items.join(', ')),
    ...field('description', c.description),
    ...field('id', c.id),
  ];
}

export function renderChecklists(items: ChecklistDto[]): string[] {
  if (items.length === 0)
    return ['no checklists; create one with: changegate checklist create <category> --item <item>'];
  return table(
    ['CATEGORY', 'ITEMS', 'DESCRIPTION'],
    items.map((c) => [c.category, c.items.join(','), c.description ?? '']),
  );
}

/** One line per item: [x] done (by, at, note) or [ ] open. */
export function renderChecklistState(s: ChecklistStateDto): string[] {
  return [
    `  checklist ${s.category}: ${s.open.length ? `${s.open.length} open` : 'complete'}`,
    ...s.items.map((i) =>
      i.done
        ? `    [x] ${i.item} (by ${i.checkedBy} at ${i.checkedAt}${i.note ? `: ${i.note}` : ''})`
        : `    [ ] ${i.item}`,
    ),
  ];
}

export function renderChangeChecklist(c: ChangeChecklistDto): string[] {
  if (!c.checklist)
    return [
      c.category
        ? `${c.number}: category ${c.category} has no checklist`
        : `${c.number} has no category, so no checklist (set one with --category)`,
    ];
  return [`${c.number}`, ...renderChecklistState(c.checklist)];
}
