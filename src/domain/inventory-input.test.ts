import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { inEntry, inEntryAsync, inventoryUpdateDecision, validateEntryInput } from './inventory-input.js';

const sha = 'a1b2c3d4'.repeat(5);
const digest = '0f'.repeat(32);

const valid = {
  name: 'payments-api',
  version: '2.4.1',
  artifact: `docker://icr.io/acme/payments-api@sha256:${digest}`,
  commitSha: sha,
  repositoryUrl: 'https://github.com/acme/payments-api',
  pipelineRunId: 'ci-42',
};

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an error');
}

describe('validateEntryInput', () => {
  it('accepts the required fields and sets the optional ones to null', () => {
    expect(validateEntryInput(valid)).toEqual({
      ...valid,
      type: null,
      sha256: null,
      committedAt: null,
      buildNumber: null,
      provenance: null,
      signature: null,
      appArtifacts: null,
    });
  });

  it('takes when the commit was made, refusing a bad time and one ahead of the server beyond clock skew', () => {
    const at = Date.parse('2026-11-20T09:30:00Z');
    expect(validateEntryInput({ ...valid, committedAt: '2026-11-20T10:30:00+01:00' }).committedAt).toBe(at);
    expect(validateEntryInput({ ...valid, committedAt: '' }).committedAt).toBeNull();
    expect(errorOf(() => validateEntryInput({ ...valid, committedAt: 'yesterday' })).details.field).toBe(
      'committedAt',
    );
    // Four minutes ahead is clock skew; ten minutes ahead is refused, naming the field.
    expect(validateEntryInput({ ...valid, committedAt: at }, at - 4 * 60_000).committedAt).toBe(at);
    const ahead = errorOf(() => validateEntryInput({ ...valid, committedAt: at }, at - 10 * 60_000));
    expect(ahead.details.field).toBe('committedAt');
    expect(ahead.message).toMatch(/is in the future/);
  });

  it('names the missing required fields', () => {
    const e = errorOf(() => validateEntryInput({ name: 'api' }));
    expect(e.message).toBe(
      'missing required fields: version, artifact, commitSha, repositoryUrl, pipelineRunId',
    );
    expect(e.details.field).toBe('version');
  });

  it('accepts an upper-case commit sha and stores it lower-cased', () => {
    expect(validateEntryInput({ ...valid, commitSha: sha.toUpperCase() }).commitSha).toBe(sha);
  });

  it.each([
    ['short', sha.slice(0, 39)],
    ['long', `${sha}0`],
    ['abbreviated', 'a1b2c3d'],
    ['non-hex', `${sha.slice(0, 39)}g`],
  ])('refuses a %s commit sha', (_what, commitSha) => {
    const e = errorOf(() => validateEntryInput({ ...valid, commitSha }));
    expect(e.details.field).toBe('commitSha');
    expect(e.message).toMatch(/is not a commit sha; give the full 40 hexadecimal characters/);
  });

  it('accepts a sha256 digest with or without the sha256: prefix, in either case, and stores the bare hex', () => {
    expect(validateEntryInput({ ...valid, sha256: digest }).sha256).toBe(digest);
    expect(validateEntryInput({ ...valid, sha256: `sha256:${digest}` }).sha256).toBe(digest);
    expect(validateEntryInput({ ...valid, sha256: `SHA256:${digest.toUpperCase()}` }).sha256).toBe(digest);
    expect(validateEntryInput({ ...valid, sha256: '' }).sha256).toBeNull();
  });

  it.each([
    ['short', digest.slice(2)],
    ['another algorithm', `sha512:${digest}`],
    ['non-hex', `${digest.slice(1)}z`],
  ])('refuses a %s sha256', (_what, sha256) => {
    const e = errorOf(() => validateEntryInput({ ...valid, sha256 }));
    expect(e.details.field).toBe('sha256');
    expect(e.message).toMatch(/is not a sha256 digest; give 64 hexadecimal characters/);
  });

  it('refuses a repository URL that is not a URL', () => {
    const e = errorOf(() => validateEntryInput({ ...valid, repositoryUrl: 'github.com/acme/api' }));
    expect(e.details.field).toBe('repositoryUrl');
    expect(e.message).toMatch(/is not a URL such as https:\/\/github.com\/acme\/api/);
  });

  it('accepts names with letters, digits and . _ - / @, starting with a letter or digit', () => {
    for (const name of ['api', 'API.v2', 'acme/api', 'a_b-c@1', '9lives'])
      expect(validateEntryInput({ ...valid, name }).name).toBe(name);
    expect(validateEntryInput({ ...valid, name: '  api  ' }).name).toBe('api');
  });

  it.each(['-api', '.hidden', '@scope/api', 'my api', 'api#1', 'x'.repeat(201)])(
    'refuses the name %j',
    (name) => {
      expect(errorOf(() => validateEntryInput({ ...valid, name })).details.field).toBe('name');
    },
  );

  it('keeps appArtifacts when it is an object and refuses anything else', () => {
    expect(validateEntryInput({ ...valid, appArtifacts: { chart: 'v1' } }).appArtifacts).toEqual({
      chart: 'v1',
    });
    expect(errorOf(() => validateEntryInput({ ...valid, appArtifacts: ['a'] })).details.field).toBe(
      'appArtifacts',
    );
    expect(errorOf(() => validateEntryInput({ ...valid, appArtifacts: 'a' })).details.field).toBe(
      'appArtifacts',
    );
  });

  it('refuses unknown fields and accepts an sbom key (validated elsewhere)', () => {
    expect(errorOf(() => validateEntryInput({ ...valid, colour: 'red' })).details.field).toBe('colour');
    expect(() => validateEntryInput({ ...valid, sbom: { bomFormat: 'CycloneDX' } })).not.toThrow();
  });
});

describe('inEntry', () => {
  const bad = () => validateEntryInput({ ...valid, commitSha: 'nope' });

  it('prefixes the field and message with the entry position in a batch', () => {
    const e = errorOf(() => inEntry(2, true, bad));
    expect(e.code).toBe('invalid_input');
    expect(e.details.field).toBe('entries[2].commitSha');
    expect(e.message).toMatch(/^entries\[2\]: commitSha: 'nope' is not a commit sha/);
  });

  it('uses the entry alone when the error names no field', () => {
    const e = errorOf(() =>
      inEntry(0, true, () => {
        throw new AppError('invalid_input', 'broken');
      }),
    );
    expect(e.details.field).toBe('entries[0]');
    expect(e.message).toBe('entries[0]: broken');
  });

  it('leaves a single entry error as it is, and other errors untouched', () => {
    expect(errorOf(() => inEntry(0, false, bad)).details.field).toBe('commitSha');
    const plain = new TypeError('boom');
    expect(() =>
      inEntry(1, true, () => {
        throw plain;
      }),
    ).toThrow(plain);
    expect(inEntry(3, true, () => 'fine')).toBe('fine');
  });

  it('does the same for asynchronous validators', async () => {
    await expect(
      inEntryAsync(4, true, async () => {
        throw new AppError('invalid_input', 'sbom: not CycloneDX', { field: 'sbom' });
      }),
    ).rejects.toMatchObject({
      details: { field: 'entries[4].sbom' },
      message: 'entries[4]: sbom: not CycloneDX',
    });
    await expect(inEntryAsync(0, true, async () => 5)).resolves.toBe(5);
  });
});

describe('inventoryUpdateDecision', () => {
  it('records a successful CI run whatever the option says', () => {
    for (const skip of [undefined, '1', '0', '', 'true', 'false'])
      expect(inventoryUpdateDecision('success', skip)).toEqual({ updated: true, reason: null });
  });

  it.each([
    [undefined, false],
    ['1', false],
    ['true', false],
    ['0', true],
    ['', true],
    ['false', true],
    [' 0 ', true],
  ])('a failed CI run with skip-on-failure %j is recorded: %s', (skip, updated) => {
    const decision = inventoryUpdateDecision('failure', skip);
    expect(decision.updated).toBe(updated);
    expect(decision.reason).toMatch(
      updated ? /skip-inventory-update-on-failure is off: recorded anyway/ : /set it to 0 or empty/,
    );
  });
});
