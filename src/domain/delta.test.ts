import { describe, expect, it } from 'vitest';
import { computeDelta, sameContent } from './delta.js';
import type { InventoryEntry } from './inventory.js';

function entry(name: string, version = '1.0.0', overrides: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    id: `ent-${name}-${version}`,
    name,
    version,
    artifact: `docker://icr.io/acme/${name}:${version}`,
    type: 'image',
    sha256: 'd'.repeat(64),
    commitSha: 'a'.repeat(40),
    repositoryUrl: `https://github.com/acme/${name}.git`,
    buildNumber: '1',
    pipelineRunId: 'run-1',
    provenance: null,
    signature: null,
    appArtifacts: null,
    hasSbom: false,
    createdBy: 'ci@example.com',
    createdAt: 1,
    ...overrides,
  };
}

const summary = (items: ReturnType<typeof computeDelta>) =>
  items.map((i) => `${i.change} ${i.name} ${i.fromVersion ?? '-'} → ${i.toVersion ?? '-'}`);

describe('computeDelta', () => {
  it('treats everything as added when nothing was deployed yet, sorted by name', () => {
    const delta = computeDelta([entry('web'), entry('api'), entry('Zeta')], null);
    expect(summary(delta)).toEqual(['added Zeta - → 1.0.0', 'added api - → 1.0.0', 'added web - → 1.0.0']);
    expect(delta.every((i) => i.from === null && i.to !== null)).toBe(true);
  });

  it('lists added, changed and removed entries and leaves unchanged ones out', () => {
    const latest = [entry('api', '1.0.0'), entry('db', '2.0.0'), entry('old', '0.9.0')];
    const target = [entry('web', '1.0.0'), entry('api', '1.1.0'), entry('db', '2.0.0', { id: 'another-id' })];
    const delta = computeDelta(target, latest);
    expect(summary(delta)).toEqual([
      'changed api 1.0.0 → 1.1.0',
      'removed old 0.9.0 → -',
      'added web - → 1.0.0',
    ]);
    const [changed, removed] = delta;
    expect(changed?.from?.version).toBe('1.0.0');
    expect(changed?.to?.version).toBe('1.1.0');
    expect(removed?.to).toBeNull();
    expect(removed?.from?.name).toBe('old');
  });

  it('is empty when the target equals the latest deployment', () => {
    const same = [entry('api'), entry('web')];
    expect(
      computeDelta(
        same,
        same.map((e) => ({ ...e, id: `copy-${e.id}`, createdAt: 99 })),
      ),
    ).toEqual([]);
    expect(computeDelta([], [])).toEqual([]);
  });

  it('removes everything when the target is empty', () => {
    expect(summary(computeDelta([], [entry('api')]))).toEqual(['removed api 1.0.0 → -']);
  });
});

describe('sameContent', () => {
  const base = entry('api');

  it.each([
    ['version', { version: '1.0.1' }],
    ['artifact', { artifact: 'docker://icr.io/acme/api:other' }],
    ['sha256', { sha256: 'e'.repeat(64) }],
    ['sha256 becoming unknown', { sha256: null }],
    ['commitSha', { commitSha: 'b'.repeat(40) }],
    ['repositoryUrl', { repositoryUrl: 'https://github.com/acme/api-fork.git' }],
  ])('sees a change of %s', (_field, change) => {
    expect(sameContent(base, { ...base, ...change })).toBe(false);
  });

  it('ignores id, bookkeeping fields and the spelling of the repository URL', () => {
    expect(
      sameContent(base, {
        ...base,
        id: 'x',
        buildNumber: '2',
        pipelineRunId: 'run-2',
        createdAt: 5,
        createdBy: 'someone@example.com',
        repositoryUrl: 'https://GitHub.com/acme/api/',
      }),
    ).toBe(true);
  });
});
