import { AppError, invalidField } from './errors.js';
import type { InventoryEntry } from './inventory.js';
import { instant, rejectUnknown, requireFields, text } from './validate.js';

/** Validation of what CI sends to `inventory add`; errors name the field (and the entry, in a batch). */

export const entryInputFields = [
  'name',
  'version',
  'artifact',
  'type',
  'sha256',
  'commitSha',
  'committedAt',
  'repositoryUrl',
  'buildNumber',
  'pipelineRunId',
  'provenance',
  'signature',
  'appArtifacts',
  'sbom',
] as const;

export type EntryFields = Omit<InventoryEntry, 'id' | 'hasSbom' | 'createdBy' | 'createdAt'>;

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._/@-]*$/;
const shaPattern = /^[0-9a-f]{40}$/;
const sha256Pattern = /^(sha256:)?[0-9a-f]{64}$/;

const optional = (field: string, value: unknown, max = 2_000): string | null =>
  value === undefined || value === null || value === '' ? null : text(field, value, { min: 1, max });

/** An entry name (also a component name): letters, digits, '.', '_', '-', '/' and '@'. */
export function inventoryName(field: string, value: unknown): string {
  const name = text(field, value, { min: 1, max: 200 });
  if (!namePattern.test(name))
    throw invalidField(
      field,
      `'${name}' may hold letters, digits, '.', '_', '-', '/' and '@', starting with a letter or digit`,
    );
  return name;
}

/** How far ahead of the server's clock a commit time may be (clock skew between CI and changegate). */
const commitSkewMs = 5 * 60_000;

/**
 * One entry; the SBOM is validated separately (it needs the CycloneDX library). With `now`, a commit
 * time later than now (beyond a few minutes of clock skew) is refused.
 */
export function validateEntryInput(input: Record<string, unknown>, now?: number): EntryFields {
  rejectUnknown(input, entryInputFields);
  requireFields(input, ['name', 'version', 'artifact', 'commitSha', 'repositoryUrl', 'pipelineRunId']);
  const name = inventoryName('name', input.name);
  const commitSha = text('commitSha', input.commitSha, { min: 1, max: 64 }).toLowerCase();
  if (!shaPattern.test(commitSha))
    throw invalidField(
      'commitSha',
      `'${commitSha}' is not a commit sha; give the full 40 hexadecimal characters`,
    );
  const sha256 = optional('sha256', input.sha256, 80)?.toLowerCase() ?? null;
  if (sha256 !== null && !sha256Pattern.test(sha256))
    throw invalidField(
      'sha256',
      `'${sha256}' is not a sha256 digest; give 64 hexadecimal characters, optionally prefixed 'sha256:'`,
    );
  const repositoryUrl = text('repositoryUrl', input.repositoryUrl, { min: 1, max: 2_000 });
  if (!URL.canParse(repositoryUrl))
    throw invalidField(
      'repositoryUrl',
      `'${repositoryUrl}' is not a URL such as https://github.com/acme/api`,
    );
  const committedAt =
    input.committedAt === undefined || input.committedAt === null || input.committedAt === ''
      ? null
      : instant('committedAt', input.committedAt);
  if (committedAt !== null && now !== undefined && committedAt > now + commitSkewMs)
    throw invalidField(
      'committedAt',
      `${new Date(committedAt).toISOString()} is in the future (server time ${new Date(now).toISOString()}); give when the commit was made`,
    );
  const appArtifacts = input.appArtifacts;
  if (
    appArtifacts !== undefined &&
    appArtifacts !== null &&
    (typeof appArtifacts !== 'object' || Array.isArray(appArtifacts))
  )
    throw invalidField('appArtifacts', 'must be a JSON object');
  return {
    name,
    version: text('version', input.version, { min: 1, max: 200 }),
    artifact: text('artifact', input.artifact, { min: 1, max: 2_000 }),
    type: optional('type', input.type, 100),
    sha256: sha256?.replace(/^sha256:/, '') ?? null,
    commitSha,
    committedAt,
    repositoryUrl,
    buildNumber: optional('buildNumber', input.buildNumber, 100),
    pipelineRunId: text('pipelineRunId', input.pipelineRunId, { min: 1, max: 200 }),
    provenance: optional('provenance', input.provenance),
    signature: optional('signature', input.signature, 20_000),
    appArtifacts: (appArtifacts ?? null) as Record<string, unknown> | null,
  };
}

/** Runs a validator on one entry of a batch, prefixing the field path with the entry's position. */
export function inEntry<T>(index: number, batch: boolean, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!batch || !(error instanceof AppError)) throw error;
    const field = `entries[${index}]${error.details.field ? `.${error.details.field}` : ''}`;
    throw new AppError(error.code, `entries[${index}]: ${error.message}`, { ...error.details, field });
  }
}

/** The same for asynchronous validators (the SBOM's schema check). */
export async function inEntryAsync<T>(index: number, batch: boolean, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    return inEntry(index, batch, () => {
      throw error;
    });
  }
}

/** Whether a CI run's result lets it update the inventory (`--skip-inventory-update-on-failure`). */
export function inventoryUpdateDecision(
  ciStatus: 'success' | 'failure',
  skipOnFailure: string | undefined,
): { updated: boolean; reason: string | null } {
  if (ciStatus === 'success') return { updated: true, reason: null };
  const skip = skipOnFailure === undefined ? true : !['', '0', 'false'].includes(skipOnFailure.trim());
  if (skip) {
    return {
      updated: false,
      reason:
        'the CI run failed (ci-status failure) and skip-inventory-update-on-failure is on; set it to 0 or empty to record this build anyway (for example an emergency fix)',
    };
  }
  return {
    updated: true,
    reason: 'the CI run failed, but skip-inventory-update-on-failure is off: recorded anyway',
  };
}
