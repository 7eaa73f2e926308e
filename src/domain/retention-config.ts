import { absent, describe, mapping, onlyKeys } from './config-shape.js';
import { invalidField } from './errors.js';
import { text } from './validate.js';

/** `retention:` in changegate.yaml (docs/audit-trail.md#retention): purge what is older than `days`. */
export interface RetentionConfig {
  days: number;
  /** Where each run's archive goes; null: `<CHANGEGATE_HOME>/archive`. */
  archiveDir: string | null;
}

/** Audit and change records are kept at least this long: a shorter policy is refused. */
export const minRetentionDays = 30;

export const retentionConfigKeys = ['days', 'archiveDir'] as const;

export function parseRetentionConfig(value: unknown, path = 'retention'): RetentionConfig | null {
  if (absent(value)) return null;
  const root = mapping(path, value);
  onlyKeys(path, root, retentionConfigKeys);
  const days = root.days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < minRetentionDays || days > 36_500) {
    throw invalidField(
      `${path}.days`,
      `must be a whole number of days from ${minRetentionDays} to 36500, not ${describe(days)}; records younger than ${minRetentionDays} days are never purged`,
    );
  }
  const archiveDir = absent(root.archiveDir)
    ? null
    : text(`${path}.archiveDir`, root.archiveDir, { min: 1, max: 4096 });
  return { days, archiveDir };
}
