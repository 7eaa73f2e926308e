import { describe, expect, it } from 'vitest';
import { assetKey } from './evidence.js';
import { entryAssets } from './inventory.js';
import { sameRepositoryUrl } from './readiness.js';

const commit = 'A1B2C3D4'.repeat(5);

describe('assetKey', () => {
  it('matches a repository asset written with another case of scheme and host, .git or a trailing /', () => {
    const key = `https://github.com/Acme/Api#${commit.toLowerCase()}`;
    for (const uri of [
      `https://github.com/Acme/Api#${commit}`,
      `HTTPS://GitHub.COM/Acme/Api#${commit}`,
      `https://github.com/Acme/Api.git#${commit}`,
      `https://github.com/Acme/Api/#${commit}`,
      `https://github.com/Acme/Api///#${commit}`,
      `https://github.com/Acme/Api.git/#${commit}`,
    ])
      expect(assetKey(uri), uri).toBe(key);
  });

  it('keeps the path case: repositories whose paths differ are different assets', () => {
    expect(assetKey(`https://github.com/acme/api#${commit}`)).not.toBe(
      assetKey(`https://github.com/Acme/Api#${commit}`),
    );
  });

  it('matches artifact URIs (no #) exactly', () => {
    const image = `docker://ICR.io/acme/api@sha256:${'AB'.repeat(32)}`;
    expect(assetKey(image)).toBe(image);
    expect(assetKey('pkg:npm/left-pad@1.3.0')).toBe('pkg:npm/left-pad@1.3.0');
  });

  it("leaves a URI that is not scheme://host alone apart from the commit's case", () => {
    expect(assetKey(`git@github.com:Acme/Api.git#${commit}`)).toBe(
      `git@github.com:Acme/Api#${commit.toLowerCase()}`,
    );
  });

  it("gives an entry's repository asset the same key as evidence naming the commit", () => {
    const entry = {
      artifact: 'docker://r/a',
      repositoryUrl: 'https://github.com/acme/api.git',
      commitSha: commit,
    };
    expect(assetKey(entryAssets(entry).repo)).toBe(assetKey(`https://GITHUB.com/acme/api/#${commit}`));
  });

  // Readiness (normalizeRepoUrl) and the delta (sameRepositoryUrl) treat `.GIT` like `.git`, but the evidence
  // index keyed by assetKey does not, so such evidence is never even fetched for the entry.
  it('agrees with sameRepositoryUrl about a .GIT suffix (the evidence index and readiness must match)', () => {
    expect(sameRepositoryUrl('https://github.com/acme/api.GIT', 'https://github.com/acme/api')).toBe(true);
    expect(assetKey(`https://github.com/acme/api.GIT#${commit}`)).toBe(
      assetKey(`https://github.com/acme/api#${commit}`),
    );
  });
});
