import { AppError, invalidField } from './errors.js';

/**
 * Shape checks for configuration documents (changegate.yaml): each error names the path of the bad
 * field, says what was found, and for an unknown key suggests the key that was probably meant.
 */

export function childPath(parent: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return parent === '' || parent === '$' ? segment : `${parent}.${segment}`;
}

export function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function mapping(path: string, value: unknown): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  const where = path === '$' ? 'the configuration' : path;
  throw new AppError('invalid_input', `${where}: must be a mapping (key: value), not ${describe(value)}`, {
    field: path,
  });
}

export function sequence(path: string, value: unknown, expected: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw invalidField(path, `must be ${expected}, not ${describe(value)}`);
}

export function boolean(path: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalidField(path, `must be true or false, not ${describe(value)}`);
}

export function onlyKeys(path: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    const where = path === '' ? 'the configuration' : path;
    throw new AppError(
      'invalid_input',
      `${childPath(path, key)}: unknown key${hint ? ` (did you mean '${hint}'?)` : ''}; valid keys in ${where}: ${known.join(', ')}`,
      { field: childPath(path, key), validValues: known },
    );
  }
}

/** The known key a typo most likely meant: same letters ignoring case and separators, or 2 edits away. */
export function closest(key: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const same = known.find((k) => norm(k) === norm(key));
  if (same) return same;
  let best: { key: string; distance: number } | null = null;
  for (const k of known) {
    const distance = editDistance(norm(k), norm(key));
    if (distance <= 2 && (best === null || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key ?? null;
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text '${show(value)}'`;
  if (typeof value === 'number') return `the number ${show(value)}`;
  if (typeof value === 'boolean') return `${value}`;
  if (isPlainObject(value)) return 'a mapping';
  if (value instanceof Uint8Array) return 'binary data';
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}

export function show(value: unknown): string {
  const s = String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
