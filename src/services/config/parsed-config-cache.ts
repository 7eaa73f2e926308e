/** A tenant's configuration document and what it parses to. */
export interface ParsedDocument<T> {
  config: T;
  document: unknown;
}

interface Entry<T> {
  version: number;
  text: string;
  parsed: ParsedDocument<T>;
}

/**
 * Parsed tenant configurations, so the configuration in force is not parsed and validated again on
 * every request. One entry per tenant: the version, the document text it was parsed from, and the
 * result. It answers only for the same version and the same text, so a new `config apply` (a new
 * version, read from the database by every process) is picked up at once, and a version number that
 * names another document (an apply rolled back after a read in its own transaction, another database
 * in the same process) is parsed afresh. A pure memo: the same text always parses to the same value.
 * Results are frozen, as they are shared by every caller. Bounded: past `max` tenants, the one used
 * least recently goes.
 */
export class ParsedConfigCache<T> {
  readonly #entries = new Map<string, Entry<T>>();

  constructor(readonly max: number) {}

  parsed(
    tenantId: string,
    version: number,
    text: string,
    parse: (text: string) => ParsedDocument<T>,
  ): ParsedDocument<T> {
    const hit = this.#entries.get(tenantId);
    this.#entries.delete(tenantId);
    if (hit && hit.version === version && hit.text === text) {
      this.#entries.set(tenantId, hit);
      return hit.parsed;
    }
    const parsed = deepFreeze(parse(text));
    this.#entries.set(tenantId, { version, text, parsed });
    if (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value as string);
    return parsed;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Freezes plain objects and arrays all the way down; anything else (a compiled validator) stays as it is. */
function deepFreeze<V>(value: V): V {
  if (!isPlainData(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

function isPlainData(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
