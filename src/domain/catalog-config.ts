import { type TemplateFields, validateTemplateCreate } from './change-template.js';
import { type ChecklistFields, validateChecklistCreate } from './checklist.js';
import { type ComponentFields, validateComponentCreate } from './component.js';
import { absent, mapping, sequence } from './config-shape.js';
import { AppError, invalidField } from './errors.js';
import { type GroupFields, validateGroupCreate } from './group.js';
import { validateWindow } from './window-input.js';
import type { WindowDefinition } from './windows.js';

/**
 * The ownership registry and change models declared in changegate.yaml (docs/configuration-file.md):
 * each entry has the fields of the API's create body and is checked by the same validator, its errors
 * moved under the entry's path (`components[3].ownerGroup`). Applying creates what is missing and
 * updates what differs; what the file does not list is left alone.
 */

export const catalogConfigKeys = ['groups', 'components', 'templates', 'checklists', 'windows'] as const;

/** A window as the file declares it. */
export interface WindowConfig {
  name: string;
  /** Validated with a placeholder creation date: `schedule.from` is only final when `fromGiven`. */
  definition: WindowDefinition;
  /** The entry as written, read again when it is applied, once its default first day is known. */
  input: Record<string, unknown>;
  /** Whether a recurring window names its first day; if not, applying keeps the existing one's. */
  fromGiven: boolean;
}

export interface CatalogConfig {
  groups: GroupFields[];
  components: ComponentFields[];
  templates: TemplateFields[];
  checklists: ChecklistFields[];
  windows: WindowConfig[];
}

export const emptyCatalogConfig: CatalogConfig = Object.freeze({
  groups: Object.freeze([]) as unknown as GroupFields[],
  components: Object.freeze([]) as unknown as ComponentFields[],
  templates: Object.freeze([]) as unknown as TemplateFields[],
  checklists: Object.freeze([]) as unknown as ChecklistFields[],
  windows: Object.freeze([]) as unknown as WindowConfig[],
});

/** Parses the five catalog sections of a changegate.yaml root mapping; absent sections are empty. */
export function parseCatalogConfig(root: Record<string, unknown>): CatalogConfig {
  return {
    groups: section(root.groups, 'groups', 'name', validateGroupCreate),
    components: section(root.components, 'components', 'name', validateComponentCreate),
    templates: section(root.templates, 'templates', 'name', validateTemplateCreate),
    checklists: section(root.checklists, 'checklists', 'category', validateChecklistCreate),
    windows: section(root.windows, 'windows', 'name', parseWindow),
  };
}

function parseWindow(input: Record<string, unknown>): WindowConfig {
  const definition = validateWindow(input, 0);
  const fromGiven = !absent(input.from) && input.from !== '';
  return { name: definition.name, definition, input, fromGiven };
}

/**
 * The window an entry declares, as of `createdAt` (when a new window is created, or when the
 * existing one was). A recurring entry without `from` keeps `keepFrom`, the existing window's first
 * day, so applying the same file again changes nothing.
 */
export function windowDefinition(
  window: WindowConfig,
  path: string,
  createdAt: number,
  keepFrom: string | null,
): WindowDefinition {
  const keep = !window.fromGiven && keepFrom !== null && window.definition.schedule.type === 'recurring';
  const input = keep ? { ...window.input, from: keepFrom } : window.input;
  return atPath(path, () => validateWindow(input, createdAt));
}

function section<T extends Record<K, string>, K extends string>(
  value: unknown,
  key: (typeof catalogConfigKeys)[number],
  nameKey: K,
  validate: (input: Record<string, unknown>) => T,
): T[] {
  if (absent(value)) return [];
  const list = sequence(key, value, `a list of ${key} (- ${nameKey}: … with the fields of the API)`);
  const firstUse = new Map<string, number>();
  return list.map((item, i) => {
    const path = `${key}[${i}]`;
    const parsed = atPath(path, () => validate(mapping(path, item)));
    const name = parsed[nameKey];
    const previous = firstUse.get(name);
    if (previous !== undefined)
      throw invalidField(
        `${path}.${nameKey}`,
        `'${name}' is already used by ${key}[${previous}]; each ${nameKey} may appear once in ${key}`,
      );
    firstUse.set(name, i);
    return parsed;
  });
}

/**
 * Runs a validator (or a service step) for the entry at `path`, moving its errors under that path:
 * `ownerGroup: …` becomes `components[3].ownerGroup: …`, with `details.field` to match.
 */
export function atPath<T>(path: string, run: () => T): T {
  try {
    const result = run();
    if (result instanceof Promise)
      return result.catch((error) => Promise.reject(underPath(path, error))) as T;
    return result;
  } catch (error) {
    throw underPath(path, error);
  }
}

export function underPath(path: string, error: unknown): unknown {
  if (!(error instanceof AppError)) return error;
  const field = typeof error.details.field === 'string' ? error.details.field : null;
  if (field !== null && (field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`)))
    return error;
  const message =
    field !== null && error.message.startsWith(`${field}:`)
      ? `${path}.${error.message}`
      : `${path}: ${error.message}`;
  return new AppError(error.code, message, {
    ...error.details,
    field: field === null ? path : `${path}.${field}`,
  });
}

/** For `config show`: how many of each the file declares; nothing when it declares none. */
export function describeCatalogConfig(catalog: CatalogConfig): string[] {
  if (catalogConfigKeys.every((key) => catalog[key].length === 0)) return [];
  const counts = catalogConfigKeys.map((key) => {
    const n = catalog[key].length;
    return `${n} ${n === 1 ? key.slice(0, -1) : key}`;
  });
  return [
    `declared in the file: ${counts.join(', ')} (created or updated on apply; others are left as they are)`,
  ];
}
