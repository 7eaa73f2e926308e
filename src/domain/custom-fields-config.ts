import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { childPath, describe, isPlainObject } from './config-shape.js';
import { AppError, invalidField } from './errors.js';

/**
 * A tenant's custom CR fields: a JSON Schema (draft-07, object at the root) under `customFields:` in
 * changegate.yaml (docs/custom-fields.md). Checked whole when applied, so a bad schema is refused with
 * its path instead of failing every CR later; compiled once per distinct schema.
 */
export interface CustomFieldsConfig {
  /** The schema as applied. */
  schema: Record<string, unknown>;
  /** The declared fields, in the schema's order, for `changegate config show` and error messages. */
  fields: CustomFieldInfo[];
  validate: ValidateFunction;
}

export interface CustomFieldInfo {
  name: string;
  required: boolean;
  /** e.g. "one of pii, internal, public", "string matching ^[A-Z]+-\d+$". */
  allowed: string;
  description: string | null;
  default: unknown;
}

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext resolution.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** Parses `customFields:`; every error names the path inside the schema (customFields.properties.x.enum). */
export function parseCustomFieldsConfig(value: unknown, path = 'customFields'): CustomFieldsConfig {
  if (!isPlainObject(value))
    throw invalidField(
      path,
      `must be a JSON Schema of an object (type: object, properties: …), not ${describe(value)}`,
    );
  if (value.type !== 'object')
    throw invalidField(
      `${path}.type`,
      `must be 'object': custom fields are the properties of one object (e.g. properties: {dataClass: {enum: [pii, internal, public]}})`,
    );
  checkReferencesAndPatterns(path, value);
  const validate = compile(path, value);
  return { schema: value, fields: describeFields(value), validate };
}

/** Only references inside the schema (#/definitions/…): the system of record never fetches a URL. */
function checkReferencesAndPatterns(path: string, node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      checkReferencesAndPatterns(`${path}[${i}]`, item);
    });
    return;
  }
  if (!isPlainObject(node)) return;
  for (const [key, item] of Object.entries(node)) {
    const at = childPath(path, key);
    if (key === '$ref' && typeof item === 'string' && !item.startsWith('#'))
      throw invalidField(
        at,
        `'${item}' refers outside the schema; remote references are refused (changegate never fetches them): copy the definition under definitions and use '#/definitions/…'`,
      );
    if (key === 'pattern' && typeof item === 'string') {
      try {
        new RegExp(item, 'u');
      } catch (error) {
        throw invalidField(at, `is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples')
      checkReferencesAndPatterns(at, item);
  }
}

// Compiling costs milliseconds and the configuration is parsed on every load, so compiled schemas are
// kept by their text (a pure memo: the same schema always compiles to the same validator).
const compiled = new Map<string, ValidateFunction>();
const maxCompiled = 64;

function compile(path: string, schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  const ajv = new Ajv({
    allErrors: true,
    // The offending value goes into the error message.
    verbose: true,
    useDefaults: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
  });
  addFormats(ajv);
  if (!ajv.validateSchema(structuredClone(schema))) {
    const [first] = ajv.errors ?? [];
    throw invalidField(schemaErrorPath(path, first?.instancePath ?? ''), first?.message ?? 'is not valid');
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(structuredClone(schema));
  } catch (error) {
    throw compileError(path, schema, (error as Error).message);
  }
  if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, validate);
  return validate;
}

/** Ajv's JSON pointer (/properties/dataClass/enum) as a config path (customFields.properties.dataClass.enum). */
function schemaErrorPath(root: string, pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((p, segment) => (/^\d+$/.test(segment) ? `${p}[${segment}]` : childPath(p, segment)), root);
}

/** Strict mode names the unknown keyword but not where it is: find it, so the error has a path. */
function compileError(path: string, schema: Record<string, unknown>, message: string): AppError {
  const keyword = /unknown keyword: "([^"]+)"/.exec(message)?.[1];
  const format = /unknown format "([^"]+)"/.exec(message)?.[1];
  if (keyword) {
    const at = findKey(path, schema, keyword) ?? path;
    return invalidField(
      at,
      `'${keyword}' is not a JSON Schema keyword (draft-07); a misspelt keyword would silently allow anything`,
    );
  }
  if (format) {
    const at = findValue(path, schema, 'format', format) ?? path;
    return invalidField(
      at,
      `unknown format '${format}'; use one of date, date-time, time, email, hostname, ipv4, ipv6, uri, uuid, regex`,
    );
  }
  return new AppError('invalid_input', `${path}: ${message}`, { field: path });
}

function findKey(path: string, node: unknown, key: string): string | null {
  return findPath(path, node, (k) => k === key);
}

function findValue(path: string, node: unknown, key: string, value: unknown): string | null {
  return findPath(path, node, (k, v) => k === key && v === value);
}

function findPath(
  path: string,
  node: unknown,
  match: (key: string, value: unknown) => boolean,
): string | null {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      const found = findPath(`${path}[${i}]`, item, match);
      if (found) return found;
    }
    return null;
  }
  if (!isPlainObject(node)) return null;
  for (const [k, v] of Object.entries(node)) {
    if (match(k, v)) return childPath(path, k);
    const found = findPath(childPath(path, k), v, match);
    if (found) return found;
  }
  return null;
}

function describeFields(schema: Record<string, unknown>): CustomFieldInfo[] {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(properties).map(([name, p]) => {
    const prop = isPlainObject(p) ? p : {};
    return {
      name,
      required: required.includes(name),
      allowed: allowedText(prop),
      description: typeof prop.description === 'string' ? prop.description : null,
      default: prop.default ?? null,
    };
  });
}

function allowedText(prop: Record<string, unknown>): string {
  if (Array.isArray(prop.enum)) return `one of ${prop.enum.map(String).join(', ')}`;
  if ('const' in prop) return `exactly ${String(prop.const)}`;
  const type = Array.isArray(prop.type) ? prop.type.join(' or ') : String(prop.type ?? 'any value');
  const extras = [
    typeof prop.pattern === 'string' ? `matching ${prop.pattern}` : null,
    typeof prop.format === 'string' ? `in ${prop.format} format` : null,
    typeof prop.minimum === 'number' ? `at least ${prop.minimum}` : null,
    typeof prop.maximum === 'number' ? `at most ${prop.maximum}` : null,
    typeof prop.maxLength === 'number' ? `up to ${prop.maxLength} characters` : null,
  ].filter((e) => e !== null);
  return [type, ...extras].join(' ');
}

export interface CustomFieldProblem {
  path: string;
  message: string;
}

/**
 * Checks a CR's custom field values against the tenant's schema; returns them with the schema's
 * defaults filled in. `enforceRequired: false` is for CRs the pipeline creates, which carry no values
 * a person could have given (docs/custom-fields.md): what they do carry must still be valid.
 * Throws one invalid_input error listing every problem with its path and what is allowed.
 */
export function validateCustomFieldValues(
  config: CustomFieldsConfig,
  values: Record<string, unknown>,
  { enforceRequired = true } = {},
): Record<string, unknown> {
  const copy = structuredClone(values);
  if (config.validate(copy)) return copy;
  const problems = (config.validate.errors ?? [])
    .filter((e) => enforceRequired || !(e.keyword === 'required' && e.instancePath === ''))
    .map((e) => problemOf(config, e));
  if (problems.length === 0) return copy;
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.message === p.message) === i);
  throw new AppError('invalid_input', unique.map((p) => p.message).join('; '), {
    field: unique[0]?.path ?? 'customFields',
    problems: unique,
  });
}

function problemOf(config: CustomFieldsConfig, e: ErrorObject): CustomFieldProblem {
  const at = schemaErrorPath('customFields', e.instancePath);
  const p = e.params as Record<string, unknown>;
  const fieldAt = (name: unknown) => childPath(at, String(name));
  switch (e.keyword) {
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String).join(', ');
      return { path: at, message: `${at}: must be one of ${allowed} (got ${shown(e.data)})` };
    }
    case 'required': {
      const path = fieldAt(p.missingProperty);
      return {
        path,
        message: `${path}: is required (${config.fields.find((f) => f.name === p.missingProperty && at === 'customFields')?.allowed ?? 'see changegate config show'})`,
      };
    }
    case 'additionalProperties': {
      const path = fieldAt(p.additionalProperty);
      if (at !== 'customFields') return { path, message: `${path}: is not allowed here by the schema` };
      const known = config.fields.map((f) => f.name);
      return {
        path,
        message: `${path}: is not a custom field of this tenant${known.length ? `; known fields: ${known.join(', ')}` : ''}`,
      };
    }
    case 'type':
      return { path: at, message: `${at}: must be ${article(String(p.type))} (got ${shown(e.data)})` };
    case 'pattern':
      return { path: at, message: `${at}: must match ${String(p.pattern)} (got ${shown(e.data)})` };
    case 'const':
      return { path: at, message: `${at}: must be ${shown(p.allowedValue)} (got ${shown(e.data)})` };
    default:
      return { path: at, message: `${at}: ${e.message ?? 'is not valid'} (got ${shown(e.data)})` };
  }
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    object: 'an object',
    array: 'a list',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `changegate config show`: each declared field with what it allows. */
export function describeCustomFields(config: CustomFieldsConfig): string {
  const fields = config.fields.map(
    (f) =>
      `  ${f.name}${f.required ? ' (required)' : ''}: ${f.allowed}${f.default !== null ? `, default ${JSON.stringify(f.default)}` : ''}`,
  );
  return ['custom fields (docs/custom-fields.md):', ...(fields.length ? fields : ['  none declared'])].join(
    '\n',
  );
}
