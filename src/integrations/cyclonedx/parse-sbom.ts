import { Version } from '@cyclonedx/cyclonedx-library/Spec';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import { AppError } from '../../domain/errors.js';

/**
 * The CycloneDX versions an inventory entry's SBOM may use. 1.7 is left out on purpose: the merged
 * deployment SBOM is 1.6, and a 1.7 component copied into it could use fields 1.6 does not know.
 */
export const supportedSpecVersions = ['1.2', '1.3', '1.4', '1.5', '1.6'] as const;
export type CycloneDxSpecVersion = (typeof supportedSpecVersions)[number];

const libraryVersion: Record<CycloneDxSpecVersion, Version> = {
  '1.2': Version.v1dot2,
  '1.3': Version.v1dot3,
  '1.4': Version.v1dot4,
  '1.5': Version.v1dot5,
  '1.6': Version.v1dot6,
};

/**
 * A CycloneDX component as JSON. Only the fields changegate reads are typed; everything else the
 * schema allows is kept untouched, because the library has no JSON-to-model deserializer.
 */
export interface CycloneDxComponent {
  type: string;
  name: string;
  'bom-ref'?: string;
  group?: string;
  version?: string;
  purl?: string;
  components?: CycloneDxComponent[];
  [key: string]: unknown;
}

export interface CycloneDxService {
  name: string;
  'bom-ref'?: string;
  group?: string;
  version?: string;
  services?: CycloneDxService[];
  [key: string]: unknown;
}

export interface CycloneDxDependency {
  ref: string;
  dependsOn?: string[];
  [key: string]: unknown;
}

/** A CycloneDX JSON BOM that passed the schema of its `specVersion`. */
export interface CycloneDxDocument {
  bomFormat: 'CycloneDX';
  specVersion: CycloneDxSpecVersion;
  serialNumber?: string;
  version?: number;
  metadata?: { component?: CycloneDxComponent; [key: string]: unknown };
  components?: CycloneDxComponent[];
  services?: CycloneDxService[];
  dependencies?: CycloneDxDependency[];
  [key: string]: unknown;
}

// Compiling one schema takes a few hundred milliseconds; the library keeps the compiled form inside
// the validator instance, so one instance per version serves every later SBOM.
const validators = new Map<CycloneDxSpecVersion, JsonStrictValidator>();

function validatorFor(version: CycloneDxSpecVersion): JsonStrictValidator {
  let validator = validators.get(version);
  if (!validator) {
    // Strict: for 1.2 and 1.3 the plain schema allows unknown properties, which the 1.6 merge
    // would copy into a document whose schema forbids them.
    validator = new JsonStrictValidator(libraryVersion[version]);
    validators.set(version, validator);
  }
  return validator;
}

function isSupported(value: unknown): value is CycloneDxSpecVersion {
  return (supportedSpecVersions as readonly unknown[]).includes(value);
}

/**
 * Parses and schema-validates a CycloneDX JSON BOM (spec 1.2–1.6). Anything else is refused with an
 * `invalid_input` error naming what is wrong, and for a schema violation the JSON path of the first one.
 * Async because the library's validator loads and compiles its schemas lazily.
 */
export async function parseSbom(text: string, field = 'sbom'): Promise<CycloneDxDocument> {
  const refuse = (message: string, details: Record<string, unknown> = {}) =>
    new AppError('invalid_input', `${field}: ${message}`, { field, ...details });

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const hint = text.trimStart().startsWith('<')
      ? ' (it looks like XML; changegate takes CycloneDX JSON)'
      : '';
    throw refuse(`is not JSON${hint}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw refuse('is not a CycloneDX BOM: expected a JSON object');
  }
  const doc = data as Record<string, unknown>;
  if (doc.bomFormat !== 'CycloneDX') {
    const hint = 'spdxVersion' in doc ? ' (this is an SPDX document)' : '';
    throw refuse(
      `is not a CycloneDX BOM${hint}: bomFormat is ${JSON.stringify(doc.bomFormat) ?? 'missing'}, expected "CycloneDX"`,
    );
  }
  if (!isSupported(doc.specVersion)) {
    throw refuse(
      `CycloneDX specVersion ${JSON.stringify(doc.specVersion) ?? 'missing'} is not supported; ` +
        `use one of ${supportedSpecVersions.join(', ')} (e.g. cyclonedx-npm --spec-version 1.6)`,
      { validValues: supportedSpecVersions },
    );
  }
  const errors: unknown = await validatorFor(doc.specVersion).validate(text);
  if (errors !== null) {
    const { path, message } = describeSchemaError(errors);
    throw refuse(`does not conform to the CycloneDX ${doc.specVersion} JSON schema: at ${path}: ${message}`, {
      path,
    });
  }
  return doc as CycloneDxDocument;
}

/** How many components an SBOM lists, nested ones included (its `metadata.component` is not counted). */
export function sbomComponentCount(doc: CycloneDxDocument): number {
  const count = (components: CycloneDxComponent[] | undefined): number =>
    (components ?? []).reduce((n, c) => n + 1 + count(c.components), 0);
  return count(doc.components);
}

interface AjvLikeError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

function isAjvLikeError(value: unknown): value is AjvLikeError {
  return (
    typeof value === 'object' && value !== null && typeof (value as AjvLikeError).instancePath === 'string'
  );
}

/**
 * The library types validation errors as "something"; today that is Ajv's error list. Read the first
 * entry defensively so a change of validator degrades the message instead of crashing.
 */
function describeSchemaError(errors: unknown): { path: string; message: string } {
  const first: unknown = Array.isArray(errors) ? errors[0] : errors;
  if (!isAjvLikeError(first)) {
    return { path: '$', message: JSON.stringify(errors).slice(0, 300) };
  }
  let message = first.message ?? 'is invalid';
  const params = first.params ?? {};
  if (typeof params.additionalProperty === 'string') {
    message += ` ('${params.additionalProperty}')`;
  } else if (Array.isArray(params.allowedValues)) {
    // SPDX license ids are an enum of hundreds of values: show a few, not all.
    const shown = params.allowedValues.slice(0, 8).map((v) => JSON.stringify(v));
    message += `: ${shown.join(', ')}${params.allowedValues.length > 8 ? ', …' : ''}`;
  }
  return { path: jsonPath(first.instancePath), message };
}

/** Turns a JSON Pointer (`/components/3/bom-ref`) into a JSONPath (`$.components[3]["bom-ref"]`). */
function jsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, key) => {
      if (/^(0|[1-9]\d*)$/.test(key)) return `${path}[${key}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}.${key}`;
      return `${path}[${JSON.stringify(key)}]`;
    }, '$');
}
