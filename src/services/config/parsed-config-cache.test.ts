import { describe, expect, it } from 'vitest';
import { ParsedConfigCache, type ParsedDocument } from './parsed-config-cache.js';

/** A parser that counts its calls and keeps a function in its result, as a compiled validator is. */
function countingParser() {
  const calls: string[] = [];
  const parse = (text: string): ParsedDocument<{ value: unknown; check: () => boolean }> => {
    calls.push(text);
    const document: unknown = JSON.parse(text);
    return { config: { value: document, check: () => true }, document };
  };
  return { calls, parse };
}

describe('ParsedConfigCache', () => {
  it('parses a tenant version once, and again for a new version', () => {
    const cache = new ParsedConfigCache<{ value: unknown; check: () => boolean }>(10);
    const { calls, parse } = countingParser();
    const first = cache.parsed('t1', 1, '{"a":1}', parse);
    expect(cache.parsed('t1', 1, '{"a":1}', parse)).toBe(first);
    expect(calls).toEqual(['{"a":1}']);

    const second = cache.parsed('t1', 2, '{"a":2}', parse);
    expect(second.config.value).toEqual({ a: 2 });
    expect(calls).toEqual(['{"a":1}', '{"a":2}']);
    expect(cache.size).toBe(1);
  });

  it('parses again when the same version number names another document', () => {
    const cache = new ParsedConfigCache<{ value: unknown; check: () => boolean }>(10);
    const { calls, parse } = countingParser();
    cache.parsed('t1', 3, '{"rolled":"back"}', parse);
    expect(cache.parsed('t1', 3, '{"applied":true}', parse).config.value).toEqual({ applied: true });
    expect(calls).toHaveLength(2);
  });

  it('freezes the data it shares but not the functions in it', () => {
    const cache = new ParsedConfigCache<{ value: unknown; check: () => boolean }>(10);
    const { parse } = countingParser();
    const { config, document } = cache.parsed('t1', 1, '{"list":[{"x":1}]}', parse);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(document)).toBe(true);
    expect(Object.isFrozen((document as { list: object[] }).list[0])).toBe(true);
    expect(() => (document as { list: number[] }).list.push(2)).toThrow(TypeError);
    expect(Object.isFrozen(config.check)).toBe(false);
  });

  it('keeps at most max tenants, dropping the one used least recently', () => {
    const cache = new ParsedConfigCache<{ value: unknown; check: () => boolean }>(2);
    const { calls, parse } = countingParser();
    cache.parsed('t1', 1, '1', parse);
    cache.parsed('t2', 1, '2', parse);
    cache.parsed('t1', 1, '1', parse); // t1 is now the most recent
    cache.parsed('t3', 1, '3', parse); // so t2 goes
    expect(cache.size).toBe(2);
    cache.parsed('t1', 1, '1', parse);
    expect(calls).toEqual(['1', '2', '3']);
    cache.parsed('t2', 1, '2', parse);
    expect(calls).toEqual(['1', '2', '3', '2']);
  });
});
