import { validateCustomFieldValues } from '../../domain/custom-fields-config.js';
import type { TenantConfig } from '../../domain/tenant-config.js';

/**
 * A CR's custom field values checked against the tenant's schema, with its defaults filled in
 * (docs/custom-fields.md). Without a schema any values are kept as given. `byPipeline`: the CR is
 * created by a deployment or rollback, which has no way to supply values, so the schema's top-level
 * `required` list is not enforced (defaults still apply, and what is given must still be valid).
 */
export function checkedCustomFields(
  config: Pick<TenantConfig, 'customFields'>,
  values: Record<string, unknown>,
  { byPipeline = false } = {},
): Record<string, unknown> {
  if (config.customFields === null) return values;
  return validateCustomFieldValues(config.customFields, values, { enforceRequired: !byPipeline });
}
