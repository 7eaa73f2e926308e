import { createHash } from 'node:crypto';
import { ComponentType, ExternalReferenceType, HashAlgorithm } from '@cyclonedx/cyclonedx-library/Enums';
import {
  Bom,
  BomLinkDocument,
  Component,
  ExternalReference,
  Metadata,
  Property,
} from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import { Spec1dot6 } from '@cyclonedx/cyclonedx-library/Spec';
import { AppError } from '../../domain/errors.js';
import type { CycloneDxComponent, CycloneDxDocument, CycloneDxService } from './parse-sbom.js';

/** One inventory entry at the deployed revision, with the SBOM stored for it (if any). */
export interface MergeSbomsEntry {
  name: string;
  version: string;
  artifact: string;
  sha256: string | null;
  sbom: CycloneDxDocument | null;
}

export interface MergeSbomsInput {
  deployment: { name: string; version: string; environment: string; timestamp: Date; serialNumber?: string };
  entries: MergeSbomsEntry[];
}

/**
 * Merges the SBOMs of a deployment's inventory entries into one CycloneDX 1.6 JSON document (DESIGN.md
 * §5 "Merged SBOM"): the deployment is `metadata.component`, each entry is a component depending on its
 * SBOM's top-level components, and the SBOMs' components and services are flattened and deduplicated by
 * purl (else group/name/version). Nested components become top-level ones: CycloneDX nesting means
 * "is part of", which cannot survive dedup across SBOMs, while the dependency graph is kept and re-pointed.
 * The same input gives the same output byte for byte; without `serialNumber` one is derived from the content.
 */
export function mergeSboms(input: MergeSbomsInput): string {
  const { deployment } = input;
  const entries = [...input.entries].sort((a, b) => compareStrings(a.name, b.name));
  const duplicate = entries.find((entry, i) => entries[i + 1]?.name === entry.name);
  if (duplicate) {
    throw new AppError('invalid_input', `entries: '${duplicate.name}' appears more than once`, {
      field: 'entries',
    });
  }
  if (deployment.serialNumber !== undefined && !serialNumberPattern.test(deployment.serialNumber)) {
    throw new AppError('invalid_input', 'serialNumber: must look like urn:uuid:<lower-case uuid>', {
      field: 'serialNumber',
    });
  }

  const graph = new MergedGraph();
  const deploymentRef = `changegate:deployment:${deployment.name}@${deployment.version}`;
  const refed = entries.map((entry) => ({ entry, ref: `changegate:entry:${entry.name}@${entry.version}` }));
  // First pass: what names an entry itself (its artifact purl, its SBOM's root) resolves to the entry
  // component wherever another SBOM mentions it, e.g. a chart's SBOM listing the image it deploys.
  for (const { entry, ref } of refed) {
    if (entry.artifact.startsWith('pkg:')) graph.alias(entry.artifact, ref);
    const root = entry.sbom?.metadata?.component;
    if (root) graph.alias(componentKey(root), ref);
  }
  const deploymentDeps = graph.dependsOn(deploymentRef);
  for (const { entry, ref } of refed) {
    deploymentDeps.add(ref);
    if (entry.sbom) graph.addSbom(ref, entry.sbom);
  }

  const bom = new Bom({
    metadata: new Metadata({
      timestamp: deployment.timestamp,
      component: new Component(ComponentType.Application, deployment.name, {
        version: deployment.version,
        bomRef: deploymentRef,
      }),
    }),
  });
  bom.metadata.tools.components.add(new Component(ComponentType.Application, 'changegate'));
  bom.metadata.properties.add(new Property('changegate:environment', deployment.environment));
  for (const { entry, ref } of refed) bom.components.add(entryComponent(entry, ref));
  const body = new Serialize.JSON.Normalize.Factory(Spec1dot6)
    .makeForBom()
    .normalize(bom, { sortLists: true });

  const byRef = (a: { 'bom-ref'?: string }, b: { 'bom-ref'?: string }) =>
    compareStrings(a['bom-ref'] ?? '', b['bom-ref'] ?? '');
  const components = [...(body.components ?? []), ...graph.components.values()].sort(byRef);
  const services = [...graph.services.values()].sort(byRef);
  // The library would write the graph too, but only between components it models; the imported
  // components are plain JSON, so the whole graph is written here. A ref absent from it has unknown
  // dependencies, which CycloneDX distinguishes from an empty `dependsOn`.
  const dependencies = [...graph.edges]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([ref, targets]) =>
      targets.size > 0 ? { ref, dependsOn: [...targets].sort(compareStrings) } : { ref },
    );

  const doc = {
    $schema: body.$schema,
    bomFormat: body.bomFormat,
    specVersion: body.specVersion,
    serialNumber: '',
    version: body.version,
    metadata: body.metadata,
    components,
    ...(services.length > 0 ? { services } : {}),
    dependencies,
  };
  doc.serialNumber = deployment.serialNumber ?? contentSerialNumber(JSON.stringify(doc));
  return JSON.stringify(doc, null, 2);
}

const serialNumberPattern = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The components and services of all SBOMs under their merged bom-refs, and the dependency graph. */
class MergedGraph {
  readonly components = new Map<string, CycloneDxComponent>();
  readonly services = new Map<string, CycloneDxService>();
  /** bom-ref → direct dependencies. */
  readonly edges = new Map<string, Set<string>>();
  /** Identity key → entry bom-ref, for things that are inventory entries themselves. */
  readonly #aliases = new Map<string, string>();

  alias(key: string, ref: string): void {
    // Entries are visited in name order, so when two claim the same purl the first one keeps it.
    if (!this.#aliases.has(key)) this.#aliases.set(key, ref);
  }

  dependsOn(ref: string): Set<string> {
    let targets = this.edges.get(ref);
    if (!targets) {
      targets = new Set();
      this.edges.set(ref, targets);
    }
    return targets;
  }

  /** Adds one entry's SBOM: its bom-refs are local to it, so they are translated through `local`. */
  addSbom(entryRef: string, sbom: CycloneDxDocument): void {
    const local = new Map<string, string>();
    const root = sbom.metadata?.component;
    // The SBOM describes the entry's artifact: its root is the entry component.
    if (root?.['bom-ref']) local.set(root['bom-ref'], entryRef);
    const addComponents = (list: CycloneDxComponent[] | undefined) => {
      for (const component of list ?? []) {
        const ref = this.#addComponent(component);
        if (component['bom-ref']) local.set(component['bom-ref'], ref);
        addComponents(component.components);
      }
    };
    const addServices = (list: CycloneDxService[] | undefined) => {
      for (const service of list ?? []) {
        const ref = serviceKey(service);
        const existing = this.services.get(ref);
        if (existing) absorb(existing, service, ref, 'services');
        else this.services.set(ref, absorb({} as CycloneDxService, service, ref, 'services'));
        if (service['bom-ref']) local.set(service['bom-ref'], ref);
        addServices(service.services);
      }
    };
    addComponents(root?.components);
    addComponents(sbom.components);
    addServices(sbom.services);

    let rootListed = false;
    for (const dependency of sbom.dependencies ?? []) {
      const from = local.get(dependency.ref);
      // A ref the SBOM never defined dangles in the source already; there is nothing to point it at.
      if (from === undefined) continue;
      if (dependency.ref === root?.['bom-ref']) rootListed = true;
      const targets = this.dependsOn(from);
      for (const target of dependency.dependsOn ?? []) {
        const to = local.get(target);
        if (to !== undefined && to !== from) targets.add(to);
      }
    }
    if (!rootListed) {
      // Without a graph entry for its root, an SBOM's top-level components are what the entry ships.
      const targets = this.dependsOn(entryRef);
      for (const component of sbom.components ?? []) {
        const to = this.#refOf(component);
        if (to !== entryRef) targets.add(to);
      }
    }
  }

  #refOf(component: CycloneDxComponent): string {
    const key = componentKey(component);
    return this.#aliases.get(key) ?? key;
  }

  #addComponent(component: CycloneDxComponent): string {
    const ref = componentKey(component);
    const entryRef = this.#aliases.get(ref);
    if (entryRef !== undefined) return entryRef; // an inventory entry: it is a component already
    const existing = this.components.get(ref);
    if (existing) absorb(existing, component, ref, 'components');
    else this.components.set(ref, absorb({} as CycloneDxComponent, component, ref, 'components'));
    return ref;
  }
}

/**
 * The identity of a component across SBOMs. A purl names a package version in any tool's output; a
 * bom-ref only means something inside its own document, so it is never used across SBOMs.
 */
function componentKey(component: CycloneDxComponent): string {
  if (component.purl) return component.purl;
  const group = component.group ? `${component.group}/` : '';
  return `changegate:component:${group}${component.name}@${component.version ?? ''}`;
}

function serviceKey(service: CycloneDxService): string {
  const group = service.group ? `${service.group}/` : '';
  return `changegate:service:${group}${service.name}@${service.version ?? ''}`;
}

/**
 * Copies into `target` the fields of `source` it lacks (the first SBOM to describe a component wins,
 * later ones only fill gaps), leaving out the nested list that is flattened separately.
 */
function absorb<T extends Record<string, unknown>>(
  target: T,
  source: T,
  ref: string,
  nestedKey: 'components' | 'services',
): T {
  const fields = target as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (key !== nestedKey && !(key in fields)) fields[key] = prefixNestedRefs(structuredClone(value), ref);
  }
  fields['bom-ref'] = ref;
  return target;
}

/**
 * bom-refs inside a component (pedigree ancestors, evidence occurrences…) must stay unique once
 * components from many SBOMs share one document, so they are prefixed with their owner's merged ref.
 */
function prefixNestedRefs(value: unknown, owner: string): unknown {
  if (Array.isArray(value)) {
    for (const item of value) prefixNestedRefs(item, owner);
  } else if (typeof value === 'object' && value !== null) {
    const fields = value as Record<string, unknown>;
    for (const [key, field] of Object.entries(fields)) {
      if (key === 'bom-ref' && typeof field === 'string') fields[key] = `${owner}|${field}`;
      else prefixNestedRefs(field, owner);
    }
  }
  return value;
}

function entryComponent(entry: MergeSbomsEntry, ref: string): Component {
  const root = entry.sbom?.metadata?.component;
  const isPurl = entry.artifact.startsWith('pkg:');
  const component = new Component(
    root && Spec1dot6.supportsComponentType(root.type)
      ? (root.type as ComponentType)
      : ComponentType.Application,
    entry.name,
    { version: entry.version, bomRef: ref, purl: isPurl ? entry.artifact : root?.purl },
  );
  if (!isPurl) {
    component.externalReferences.add(
      new ExternalReference(entry.artifact, ExternalReferenceType.Distribution, {
        comment: 'inventory artifact',
      }),
    );
  }
  const sha256 = entry.sha256?.replace(/^sha256:/i, '').toLowerCase();
  if (sha256 && /^[0-9a-f]{64}$/.test(sha256)) {
    component.hashes.set(HashAlgorithm['SHA-256'], sha256);
  } else if (entry.sha256) {
    // Not a hash CycloneDX accepts; keep what the inventory says rather than write an invalid BOM.
    component.properties.add(new Property('changegate:sha256', entry.sha256));
  }
  const sbomSerial = entry.sbom?.serialNumber?.replace(/^urn:uuid:/, '');
  if (sbomSerial) {
    // A BOM-Link back to the SBOM stored with the entry, so the source of these components can be found.
    const link = `urn:cdx:${sbomSerial}/${entry.sbom?.version ?? 1}`;
    if (BomLinkDocument.isValid(link)) {
      component.externalReferences.add(
        new ExternalReference(new BomLinkDocument(link), ExternalReferenceType.BOM, {
          comment: 'entry SBOM',
        }),
      );
    }
  }
  return component;
}

// Any fixed UUID works as the RFC 4122 name-based namespace; this one is changegate's merged SBOMs.
const serialNamespace = Buffer.from('6f1c3a52e0a44c57a0a7b1f2d9c84e31', 'hex');

/** A UUID v5 (RFC 4122, SHA-1 name-based) of the document, so the same content gets the same serial. */
function contentSerialNumber(content: string): string {
  const hash = createHash('sha1').update(serialNamespace).update(content).digest().subarray(0, 16);
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Code-unit order: locale-independent, so the output does not depend on the machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
