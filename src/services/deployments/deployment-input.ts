import { ulid } from 'ulid';
import { invalidField } from '../../domain/errors.js';
import { isReservedLabel } from '../../domain/inventory.js';
import { nonNegativeInt, text } from '../../domain/validate.js';

/** Options a deployment run is started with, validated the same way for deploy and rollback. */

export const defaultLockTtlSeconds = 900;

/** The approver recorded when the tenant's auto-approval policy approves a pipeline CR. */
export const autoApprover = 'changegate:auto-approval';

export function flag(field: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalidField(field, 'must be true or false');
  return value;
}

export function lockTtlMs(value: unknown): number {
  if (value === undefined || value === null) return defaultLockTtlSeconds * 1000;
  const seconds = nonNegativeInt('lockTtlSeconds', value, 86_400);
  if (seconds < 1) throw invalidField('lockTtlSeconds', 'must be at least 1 second');
  return seconds * 1000;
}

export function pipelineRunIdOf(value: unknown): string {
  if (value === undefined || value === null || value === '') return `run-${ulid().toLowerCase()}`;
  const id = text('pipelineRunId', value, { min: 1, max: 200 });
  // The run id labels the target revision; it must not pose as <env>_latest or a CR number.
  if (isReservedLabel(id))
    throw invalidField(
      'pipelineRunId',
      `'${id}' looks like one of changegate's own labels (<env>_latest or a CR number); use your CI system's run id`,
    );
  return id;
}
