import { describe, expect, it } from 'vitest';
import { parseCustomFieldsConfig, validateCustomFieldValues } from './custom-fields-config.js';
import { AppError } from './errors.js';
import { parseTenantConfig } from './tenant-config.js';

const schema = {
  type: 'object',
  properties: {
    dataClass: { enum: ['pii', 'internal', 'public'], description: 'What data the change touches' },
    ticket: { type: 'string', pattern: '^[A-Z]+-\\d+$' },
    reviewers: { type: 'integer', minimum: 1, default: 1 },
  },
  required: ['dataClass'],
  additionalProperties: false,
};

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('custom fields schema', () => {
  it('parses a schema and describes its fields', () => {
    const config = parseCustomFieldsConfig(schema);
    expect(config.fields).toEqual([
      {
        name: 'dataClass',
        required: true,
        allowed: 'one of pii, internal, public',
        description: 'What data the change touches',
        default: null,
      },
      {
        name: 'ticket',
        required: false,
        allowed: 'string matching ^[A-Z]+-\\d+$',
        description: null,
        default: null,
      },
      { name: 'reviewers', required: false, allowed: 'integer at least 1', description: null, default: 1 },
    ]);
  });

  it.each([
    [
      { ...schema, properties: { dataClass: { enum: 'pii' } } },
      'customFields.properties.dataClass.enum: must be array',
    ],
    [{ properties: {} }, "customFields.type: must be 'object'"],
    [
      { type: 'object', properties: { dataClass: { enm: ['pii'] } } },
      "customFields.properties.dataClass.enm: 'enm' is not a JSON Schema keyword",
    ],
    [
      { type: 'object', properties: { owner: { $ref: 'https://example.com/owner.json' } } },
      "customFields.properties.owner.$ref: 'https://example.com/owner.json' refers outside the schema; remote references are refused",
    ],
    [
      { type: 'object', properties: { ticket: { type: 'string', pattern: '([' } } },
      'customFields.properties.ticket.pattern: is not a valid regular expression',
    ],
    [
      { type: 'object', properties: { when: { type: 'string', format: 'someday' } } },
      "customFields.properties.when.format: unknown format 'someday'",
    ],
  ])('refuses an invalid schema with its path (%#)', (bad, message) => {
    const error = refusal(() => parseCustomFieldsConfig(bad));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(message);
  });

  it('is refused at config parse time, inside the whole document', () => {
    const error = refusal(() =>
      parseTenantConfig({ customFields: { type: 'object', properties: { dataClass: { enum: 3 } } } }),
    );
    expect(error.details.field).toBe('customFields.properties.dataClass.enum');
  });

  it('allows references inside the schema', () => {
    const config = parseCustomFieldsConfig({
      type: 'object',
      definitions: { level: { enum: ['a', 'b'] } },
      properties: { level: { $ref: '#/definitions/level' } },
    });
    expect(() => validateCustomFieldValues(config, { level: 'c' })).toThrow(
      'customFields.level: must be one of a, b',
    );
  });
});

describe('custom field values', () => {
  const config = parseCustomFieldsConfig(schema);

  it('accepts valid values and fills in defaults', () => {
    expect(validateCustomFieldValues(config, { dataClass: 'pii' })).toEqual({
      dataClass: 'pii',
      reviewers: 1,
    });
  });

  it('lists every problem with its path and what is allowed', () => {
    const error = refusal(() =>
      validateCustomFieldValues(config, { dataClass: 'secret', ticket: 'abc', reviewers: 'two', extra: 1 }),
    );
    expect(error.message).toBe(
      [
        'customFields.extra: is not a custom field of this tenant; known fields: dataClass, ticket, reviewers',
        "customFields.dataClass: must be one of pii, internal, public (got 'secret')",
        "customFields.ticket: must match ^[A-Z]+-\\d+$ (got 'abc')",
        "customFields.reviewers: must be a whole number (got 'two')",
      ].join('; '),
    );
    expect((error.details.problems as { path: string }[]).map((p) => p.path)).toEqual([
      'customFields.extra',
      'customFields.dataClass',
      'customFields.ticket',
      'customFields.reviewers',
    ]);
  });

  it('requires required fields, except for the pipeline', () => {
    expect(() => validateCustomFieldValues(config, {})).toThrow(
      'customFields.dataClass: is required (one of pii, internal, public)',
    );
    expect(validateCustomFieldValues(config, {}, { enforceRequired: false })).toEqual({ reviewers: 1 });
    expect(() => validateCustomFieldValues(config, { dataClass: 'x' }, { enforceRequired: false })).toThrow(
      'must be one of pii, internal, public',
    );
  });

  it('does not change the values it was given', () => {
    const values = { dataClass: 'pii' };
    validateCustomFieldValues(config, values);
    expect(values).toEqual({ dataClass: 'pii' });
  });
});
