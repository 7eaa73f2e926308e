import { readFileSync } from 'node:fs';
import { Version } from '@cyclonedx/cyclonedx-library/Spec';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import { describe, expect, it } from 'vitest';
import { type MergeSbomsEntry, type MergeSbomsInput, mergeSboms } from './merge-sboms.js';
import { type CycloneDxComponent, type CycloneDxDocument, parseSbom } from './parse-sbom.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/sbom/${name}`, import.meta.url), 'utf8');

const schema16 = new JsonStrictValidator(Version.v1dot6);

/** Merges, checks the result against the CycloneDX 1.6 schema, and returns it parsed for inspection. */
async function mergeValid(input: MergeSbomsInput): Promise<MergedDoc> {
  const text = mergeSboms(input);
  expect(await schema16.validate(text)).toBeNull();
  return JSON.parse(text) as MergedDoc;
}

interface MergedDoc {
  serialNumber: string;
  metadata: {
    timestamp: string;
    component: CycloneDxComponent;
    properties: { name: string; value: string }[];
  };
  components: CycloneDxComponent[];
  services?: { 'bom-ref': string; name: string }[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

const deployment = {
  name: 'shop',
  version: '2026.11.3',
  environment: 'prod',
  timestamp: new Date('2026-11-21T10:00:00Z'),
};
const sha = (char: string) => char.repeat(64);

function entry(
  name: string,
  sbom: CycloneDxDocument | null,
  extra: Partial<MergeSbomsEntry> = {},
): MergeSbomsEntry {
  return {
    name,
    version: '1.0.0',
    artifact: `docker://registry.example/${name}@sha256:${sha('a')}`,
    sha256: null,
    sbom,
    ...extra,
  };
}

const componentsOf = (doc: MergedDoc) => new Map(doc.components.map((c) => [c['bom-ref'], c]));
const dependsOn = (doc: MergedDoc, ref: string) => doc.dependencies.find((d) => d.ref === ref)?.dependsOn;

/** Real cyclonedx-npm output: svc-api (spec 1.5) and svc-worker (1.6) both ship ajv 8.20.0. */
async function realEntries(): Promise<MergeSbomsEntry[]> {
  return [
    entry('svc-api', await parseSbom(fixture('svc-api.cdx-1.5.json')), {
      version: '1.4.0',
      sha256: sha('b'),
    }),
    entry('svc-worker', await parseSbom(fixture('svc-worker.cdx-1.6.json')), { version: '2.0.1' }),
  ];
}

/** A small SBOM made through parseSbom, so synthetic inputs are held to the same schema as real ones. */
async function sbom(doc: Record<string, unknown>, specVersion = '1.6'): Promise<CycloneDxDocument> {
  return parseSbom(JSON.stringify({ bomFormat: 'CycloneDX', specVersion, version: 1, ...doc }));
}

const lib = (name: string, version: string, extra: Record<string, unknown> = {}) => ({
  type: 'library',
  name,
  version,
  'bom-ref': `ref-${name}`,
  purl: `pkg:npm/${name}@${version}`,
  ...extra,
});

describe('mergeSboms', () => {
  it('merges real cyclonedx-npm SBOMs into one valid CycloneDX 1.6 document', async () => {
    const doc = await mergeValid({ deployment, entries: await realEntries() });
    expect(doc.metadata.timestamp).toBe('2026-11-21T10:00:00.000Z');
    expect(doc.metadata.component).toMatchObject({
      type: 'application',
      name: 'shop',
      version: '2026.11.3',
      'bom-ref': 'changegate:deployment:shop@2026.11.3',
    });
    expect(doc.metadata.properties).toEqual([{ name: 'changegate:environment', value: 'prod' }]);
    expect(dependsOn(doc, 'changegate:deployment:shop@2026.11.3')).toEqual([
      'changegate:entry:svc-api@1.4.0',
      'changegate:entry:svc-worker@2.0.1',
    ]);
    const api = componentsOf(doc).get('changegate:entry:svc-api@1.4.0');
    expect(api).toMatchObject({
      name: 'svc-api',
      version: '1.4.0',
      hashes: [{ alg: 'SHA-256', content: sha('b') }],
      // cyclonedx-npm gives the root a purl; the entry component keeps it.
      purl: 'pkg:npm/svc-api@1.4.0',
    });
    expect(api?.externalReferences).toContainEqual({
      url: `docker://registry.example/svc-api@sha256:${sha('a')}`,
      type: 'distribution',
      comment: 'inventory artifact',
    });
    const sourceSerial = JSON.parse(fixture('svc-api.cdx-1.5.json')).serialNumber.replace('urn:uuid:', '');
    expect(api?.externalReferences).toContainEqual({
      url: `urn:cdx:${sourceSerial}/1`,
      type: 'bom',
      comment: 'entry SBOM',
    });
    // 6 in svc-api + 12 in svc-worker, 5 of them the same packages (ajv 8 and its four), + 2 entries.
    expect(doc.components).toHaveLength(6 + 12 - 5 + 2);
  });

  it('keeps one component per purl across SBOMs, with the dependency edges of both', async () => {
    const doc = await mergeValid({ deployment, entries: await realEntries() });
    const ajv8 = doc.components.filter((c) => c.purl === 'pkg:npm/ajv@8.20.0');
    expect(ajv8).toHaveLength(1);
    expect(ajv8[0]?.['bom-ref']).toBe('pkg:npm/ajv@8.20.0');
    // Top-level in svc-api, nested under ajv-formats in svc-worker: both edges point at the one component.
    expect(dependsOn(doc, 'changegate:entry:svc-api@1.4.0')).toEqual([
      'pkg:npm/ajv@8.20.0',
      'pkg:npm/yaml@2.9.1',
    ]);
    expect(dependsOn(doc, 'pkg:npm/ajv-formats@3.0.1')).toEqual(['pkg:npm/ajv@8.20.0']);
    expect(dependsOn(doc, 'pkg:npm/ajv@8.20.0')).toEqual([
      'pkg:npm/fast-deep-equal@3.1.3',
      'pkg:npm/fast-uri@3.1.9',
      'pkg:npm/json-schema-traverse@1.0.0',
      'pkg:npm/require-from-string@2.0.2',
    ]);
    // Shared by ajv 6 (svc-worker only) and ajv 8 (both): still one component.
    expect(doc.components.filter((c) => c.name === 'fast-deep-equal')).toHaveLength(1);
    // Nested components are flattened: nothing in the output nests.
    expect(doc.components.every((c) => c.components === undefined)).toBe(true);
    // Every ref in the graph names a component of the document.
    const refs = new Set([doc.metadata.component['bom-ref'], ...doc.components.map((c) => c['bom-ref'])]);
    for (const { ref, dependsOn: targets = [] } of doc.dependencies) {
      expect(refs.has(ref)).toBe(true);
      for (const target of targets) expect(refs.has(target), `${ref} → ${target}`).toBe(true);
    }
  });

  it('lists an entry without an SBOM as a component whose dependencies are unknown', async () => {
    const doc = await mergeValid({
      deployment,
      entries: [
        entry('db-migrations', null, { version: '41', sha256: `sha256:${sha('C')}` }),
        entry('edge-proxy', null, {
          artifact: `pkg:oci/edge-proxy@sha256%3A${sha('d')}`,
          sha256: 'not-a-sha',
        }),
      ],
    });
    expect(doc.components).toEqual([
      {
        type: 'application',
        name: 'db-migrations',
        version: '41',
        'bom-ref': 'changegate:entry:db-migrations@41',
        hashes: [{ alg: 'SHA-256', content: sha('c') }],
        externalReferences: [
          {
            url: `docker://registry.example/db-migrations@sha256:${sha('a')}`,
            type: 'distribution',
            comment: 'inventory artifact',
          },
        ],
      },
      {
        type: 'application',
        name: 'edge-proxy',
        version: '1.0.0',
        'bom-ref': 'changegate:entry:edge-proxy@1.0.0',
        purl: `pkg:oci/edge-proxy@sha256%3A${sha('d')}`,
        properties: [{ name: 'changegate:sha256', value: 'not-a-sha' }],
      },
    ]);
    // Absent from the graph means "unknown"; an empty dependsOn would claim "depends on nothing".
    expect(doc.dependencies.map((d) => d.ref)).toEqual(['changegate:deployment:shop@2026.11.3']);
  });

  it('gives the same bytes for the same input, derives the serial from the content, sorts by bom-ref', async () => {
    const input = { deployment, entries: await realEntries() };
    const first = mergeSboms(input);
    expect(mergeSboms({ deployment, entries: [...input.entries].reverse() })).toBe(first);
    const doc = JSON.parse(first) as MergedDoc;
    expect(doc.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const refs = doc.components.map((c) => c['bom-ref'] as string);
    expect(refs).toEqual([...refs].sort());
    const later = mergeSboms({
      ...input,
      deployment: { ...deployment, timestamp: new Date('2026-11-22T00:00:00Z') },
    });
    expect(JSON.parse(later).serialNumber).not.toBe(doc.serialNumber);

    const serialNumber = 'urn:uuid:0190f1d2-7c3b-7a41-9d2e-5b6c7d8e9f01';
    expect(
      JSON.parse(mergeSboms({ ...input, deployment: { ...deployment, serialNumber } })).serialNumber,
    ).toBe(serialNumber);
    expect(() => mergeSboms({ ...input, deployment: { ...deployment, serialNumber: 'CHG0000042' } })).toThrow(
      /serialNumber: must look like urn:uuid:/,
    );
  });

  it('carries components of an old 1.2 SBOM into the 1.6 document unchanged', async () => {
    const legacy = await parseSbom(fixture('svc-api.cdx-1.2.json'));
    const doc = await mergeValid({ deployment, entries: [entry('svc-api', legacy, { version: '1.4.0' })] });
    const yaml = legacy.components?.find((c) => c.name === 'yaml');
    expect(componentsOf(doc).get('pkg:npm/yaml@2.9.1')).toEqual({ ...yaml, 'bom-ref': 'pkg:npm/yaml@2.9.1' });
  });

  it('does not change the SBOMs it is given', async () => {
    const entries = await realEntries();
    const before = JSON.stringify(entries);
    mergeSboms({ deployment, entries });
    expect(JSON.stringify(entries)).toBe(before);
  });

  it('falls back to the top-level components when the SBOM has no graph entry for its root', async () => {
    const doc = await mergeValid({
      deployment,
      entries: [
        entry(
          'tool',
          await sbom({
            metadata: { component: { type: 'application', name: 'tool', 'bom-ref': 'root' } },
            components: [
              lib('left-pad', '1.3.0', { components: [lib('inner', '0.1.0')] }),
              lib('chalk', '5.3.0'),
            ],
            dependencies: [{ ref: 'ref-left-pad', dependsOn: ['ref-inner', 'nowhere'] }],
          }),
        ),
      ],
    });
    expect(dependsOn(doc, 'changegate:entry:tool@1.0.0')).toEqual([
      'pkg:npm/chalk@5.3.0',
      'pkg:npm/left-pad@1.3.0',
    ]);
    // The dangling "nowhere" is dropped; the nested component is listed flat.
    expect(dependsOn(doc, 'pkg:npm/left-pad@1.3.0')).toEqual(['pkg:npm/inner@0.1.0']);
    expect(componentsOf(doc).has('pkg:npm/inner@0.1.0')).toBe(true);
  });

  it('dedups components without purl by group, name and version, filling fields the first copy lacks', async () => {
    const vendored = { type: 'library', group: 'acme', name: 'crypto', version: '3' };
    const doc = await mergeValid({
      deployment,
      entries: [
        entry('a', await sbom({ components: [{ ...vendored, 'bom-ref': 'x', description: 'from a' }] })),
        entry(
          'b',
          await sbom({
            components: [
              { ...vendored, 'bom-ref': 'y', description: 'from b', licenses: [{ license: { id: 'MIT' } }] },
            ],
          }),
        ),
        entry('c', await sbom({ components: [{ ...vendored, version: '4', 'bom-ref': 'x' }] })),
      ],
    });
    const crypto = doc.components.filter((c) => c.name === 'crypto');
    expect(crypto.map((c) => c['bom-ref'])).toEqual([
      'changegate:component:acme/crypto@3',
      'changegate:component:acme/crypto@4',
    ]);
    expect(crypto[0]).toMatchObject({ description: 'from a', licenses: [{ license: { id: 'MIT' } }] });
  });

  it('points SBOM components that are themselves inventory entries at the entry component', async () => {
    const imagePurl = `pkg:oci/api@sha256%3A${sha('e')}`;
    const doc = await mergeValid({
      deployment,
      entries: [
        entry('api-image', null, { artifact: imagePurl }),
        entry(
          'api-chart',
          await sbom({
            metadata: { component: { type: 'application', name: 'api-chart', 'bom-ref': 'chart' } },
            components: [{ type: 'container', name: 'api', 'bom-ref': 'img', purl: imagePurl }],
            dependencies: [{ ref: 'chart', dependsOn: ['img'] }],
          }),
        ),
      ],
    });
    expect(doc.components.filter((c) => c.purl === imagePurl).map((c) => c['bom-ref'])).toEqual([
      'changegate:entry:api-image@1.0.0',
    ]);
    expect(dependsOn(doc, 'changegate:entry:api-chart@1.0.0')).toEqual(['changegate:entry:api-image@1.0.0']);
  });

  it('flattens and dedups services, and keeps bom-refs nested in components unique', async () => {
    const withPedigree = (who: string) =>
      lib('patched', '1.0.0', {
        'bom-ref': `${who}-patched`,
        pedigree: {
          ancestors: [{ type: 'library', name: 'patched', version: '0.9.0', 'bom-ref': 'ancestor' }],
        },
      });
    const gateway = {
      'bom-ref': 'gw',
      name: 'gateway',
      version: '2',
      services: [{ 'bom-ref': 'auth', name: 'auth' }],
    };
    const doc = await mergeValid({
      deployment,
      entries: [
        entry(
          'a',
          await sbom({
            components: [
              withPedigree('a'),
              lib('other', '1.0.0', {
                pedigree: { ancestors: [{ type: 'library', name: 'o', 'bom-ref': 'ancestor' }] },
              }),
            ],
            services: [gateway],
            dependencies: [{ ref: 'gw', dependsOn: ['auth', 'a-patched'] }],
          }),
        ),
        entry('b', await sbom({ components: [withPedigree('b')], services: [gateway] })),
      ],
    });
    expect(doc.services?.map((s) => s['bom-ref'])).toEqual([
      'changegate:service:auth@',
      'changegate:service:gateway@2',
    ]);
    expect(doc.services?.every((s) => !('services' in s))).toBe(true);
    expect(dependsOn(doc, 'changegate:service:gateway@2')).toEqual([
      'changegate:service:auth@',
      'pkg:npm/patched@1.0.0',
    ]);
    const ancestorRefs = doc.components.flatMap(
      (c) =>
        (c.pedigree as { ancestors?: { 'bom-ref': string }[] } | undefined)?.ancestors?.map(
          (a) => a['bom-ref'],
        ) ?? [],
    );
    expect(ancestorRefs).toEqual(['pkg:npm/other@1.0.0|ancestor', 'pkg:npm/patched@1.0.0|ancestor']);
  });

  it('writes a valid document for a deployment without entries, depending on nothing', async () => {
    const doc = await mergeValid({ deployment, entries: [] });
    expect(doc.components).toEqual([]);
    expect(doc.dependencies).toEqual([{ ref: 'changegate:deployment:shop@2026.11.3' }]);
  });

  it('refuses two entries with the same name', () => {
    expect(() =>
      mergeSboms({ deployment, entries: [entry('api', null), entry('api', null, { version: '2' })] }),
    ).toThrow("entries: 'api' appears more than once");
  });

  it('merges 20 entries of 200 components each, half of them shared', async () => {
    const shared = Array.from({ length: 100 }, (_, i) => lib(`shared-${i}`, '1.0.0'));
    const entries = await Promise.all(
      Array.from({ length: 20 }, async (_, e) => {
        const own = Array.from({ length: 100 }, (_, i) => lib(`own-${e}-${i}`, '2.0.0'));
        const components = [...shared, ...own];
        const doc = await sbom(
          {
            metadata: { component: { type: 'application', name: `svc-${e}`, 'bom-ref': 'root' } },
            components,
            dependencies: [
              { ref: 'root', dependsOn: components.slice(0, 10).map((c) => c['bom-ref']) },
              ...components.map((c, i) => ({
                ref: c['bom-ref'],
                dependsOn: [components[(i + 1) % 200]?.['bom-ref']],
              })),
            ],
          },
          '1.5',
        );
        return entry(`svc-${String(e).padStart(2, '0')}`, doc);
      }),
    );
    const doc = await mergeValid({ deployment, entries });
    expect(doc.components).toHaveLength(100 + 20 * 100 + 20);
    expect(doc.dependencies).toHaveLength(1 + 20 + 100 + 20 * 100);
    // shared-99 is followed by a different own-e-0 in each SBOM: twenty edges on one component.
    expect(dependsOn(doc, 'pkg:npm/shared-99@1.0.0')).toHaveLength(20);
  });
});
