import { AppError } from '../../domain/errors.js';
import { inTransaction } from '../../store/database.js';
import {
  claimIdempotencyKey,
  findIdempotentResponse,
  purgeIdempotencyKeys,
  saveIdempotentResponse,
} from '../../store/idempotency-keys.js';
import type { Actor, ServiceDeps } from '../context.js';

export interface IdempotentOutcome {
  replayed: boolean;
  status: number;
  body: unknown;
}

/** How long a key answers retries: long enough for any retry after a crash or a timeout. */
export const idempotencyKeyTtlMs = 24 * 60 * 60 * 1000;

/**
 * Runs a write at most once per (tenant, key). The key is claimed in the write's own transaction and
 * the response stored with it, so both commit or neither does: a retry after a crash either replays
 * the committed answer or runs the write for the first time. `work` gets deps bound to that transaction.
 */
export async function runIdempotent(
  deps: ServiceDeps,
  actor: Actor,
  key: string,
  requestHash: string,
  work: (scoped: ServiceDeps) => Promise<{ status: number; body: unknown }>,
): Promise<IdempotentOutcome> {
  if (key.length > 200) {
    throw new AppError('invalid_input', 'Idempotency-Key: at most 200 characters', {
      field: 'Idempotency-Key',
    });
  }
  return inTransaction(deps.db, async (tx) => {
    if (!(await claimIdempotencyKey(tx, actor.tenantId, key, requestHash, deps.now()))) {
      const stored = await findIdempotentResponse(tx, actor.tenantId, key);
      if (!stored || stored.requestHash !== requestHash) {
        throw new AppError(
          'idempotency_conflict',
          `Idempotency-Key '${key}' was already used for a different request; use a new key`,
          { field: 'Idempotency-Key' },
        );
      }
      return { replayed: true, status: stored.statusCode, body: stored.body };
    }
    const { status, body } = await work({ ...deps, db: tx });
    await saveIdempotentResponse(tx, actor.tenantId, key, status, body);
    return { replayed: false, status, body };
  });
}

export function purgeExpiredIdempotencyKeys(deps: ServiceDeps): Promise<number> {
  return purgeIdempotencyKeys(deps.db, deps.now() - idempotencyKeyTtlMs);
}
