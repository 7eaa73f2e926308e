import { readFileSync } from 'node:fs';
import { Version } from '@cyclonedx/cyclonedx-library/Spec';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { parseSbom, sbomComponentCount } from './parse-sbom.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/sbom/${name}`, import.meta.url), 'utf8');

/** The refusal parseSbom throws for `text`, so tests can look at code, message and details at once. */
async function refusal(text: string, field?: string): Promise<AppError> {
  const error = await parseSbom(text, field).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.code).toBe('invalid_input');
  return error;
}

/** The svc-api fixture (cyclonedx-npm, spec 1.5) with fields of one of its components replaced. */
function apiSbomWith(index: number, patch: Record<string, unknown>): string {
  const doc = JSON.parse(fixture('svc-api.cdx-1.5.json')) as { components: Record<string, unknown>[] };
  const component = doc.components[index];
  if (!component) throw new Error(`the fixture has no component ${index}`);
  Object.assign(component, patch);
  return JSON.stringify(doc);
}

describe('parseSbom', () => {
  it.each([
    ['svc-api.cdx-1.2.json', '1.2', 6],
    ['svc-api.cdx-1.5.json', '1.5', 6],
    ['svc-worker.cdx-1.6.json', '1.6', 12],
  ])('accepts the cyclonedx-npm SBOM %s and counts nested components too', async (name, version, count) => {
    const doc = await parseSbom(fixture(name));
    expect(doc.specVersion).toBe(version);
    expect(doc.metadata?.component?.name).toMatch(/^svc-/);
    expect(sbomComponentCount(doc)).toBe(count);
  });

  it('refuses text that is not JSON, and says so when it looks like CycloneDX XML', async () => {
    expect((await refusal('{"bomFormat": "CycloneDX",')).message).toMatch(/^sbom: is not JSON: /);
    const xml = await refusal('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>');
    expect(xml.message).toMatch(/^sbom: is not JSON \(it looks like XML; changegate takes CycloneDX JSON\)/);
  });

  it('refuses JSON that is not a CycloneDX BOM, naming SPDX when it is SPDX', async () => {
    expect((await refusal('[1, 2]')).message).toBe('sbom: is not a CycloneDX BOM: expected a JSON object');
    const spdx = await refusal(JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT' }));
    expect(spdx.message).toBe(
      'sbom: is not a CycloneDX BOM (this is an SPDX document): bomFormat is missing, expected "CycloneDX"',
    );
    expect((await refusal('{"bomFormat": "SPDX"}')).message).toMatch(
      /bomFormat is "SPDX", expected "CycloneDX"/,
    );
  });

  it('refuses CycloneDX 1.7, which the library itself finds valid, because the merged SBOM is 1.6', async () => {
    // A real BOM CycloneDX ships in the @cyclonedx/yarn-plugin-cyclonedx package: valid, but 1.7.
    const text = fixture('yarn-plugin-cyclonedx-3.4.0.cdx-1.7.json');
    expect(await new JsonStrictValidator(Version.v1dot7).validate(text)).toBeNull();
    const error = await refusal(text, 'entries[0].sbom');
    expect(error.message).toBe(
      'entries[0].sbom: CycloneDX specVersion "1.7" is not supported; use one of 1.2, 1.3, 1.4, 1.5, 1.6 ' +
        '(e.g. cyclonedx-npm --spec-version 1.6)',
    );
    expect(error.details).toMatchObject({ field: 'entries[0].sbom' });
    expect((await refusal('{"bomFormat": "CycloneDX"}')).message).toMatch(
      /specVersion missing is not supported/,
    );
  });

  it('names the first schema violation with its JSON path', async () => {
    const badHash = await refusal(apiSbomWith(3, { hashes: [{ alg: 'SHA-256', content: 'not-a-hash' }] }));
    expect(badHash.message).toBe(
      'sbom: does not conform to the CycloneDX 1.5 JSON schema: at $.components[3].hashes[0].content: ' +
        'must match pattern "^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$"',
    );
    expect(badHash.details).toEqual({ field: 'sbom', path: '$.components[3].hashes[0].content' });

    const unknownField = await refusal(apiSbomWith(1, { colour: 'blue' }));
    expect(unknownField.message).toMatch(
      /at \$\.components\[1\]: must NOT have additional properties \('colour'\)$/,
    );

    const badType = await refusal(apiSbomWith(0, { type: 'gadget' }));
    expect(badType.message).toMatch(
      /at \$\.components\[0\]\.type: must be equal to one of the allowed values: "application", /,
    );
  });

  it('quotes path segments that are not identifiers', async () => {
    const error = await refusal(apiSbomWith(2, { 'bom-ref': '' }));
    expect(error.details.path).toBe('$.components[2]["bom-ref"]');
  });

  it('refuses garbage that only pretends to be CycloneDX', async () => {
    const error = await refusal(
      JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: 'lots' }),
    );
    expect(error.message).toBe(
      'sbom: does not conform to the CycloneDX 1.6 JSON schema: at $.components: must be array',
    );
  });

  it('uses the strict schema for 1.2, whose plain schema would let unknown properties through', async () => {
    const doc = JSON.parse(fixture('svc-api.cdx-1.2.json'));
    doc.components[0]['x-vendor'] = true;
    expect((await refusal(JSON.stringify(doc))).details.path).toBe('$.components[0]');
  });
});
