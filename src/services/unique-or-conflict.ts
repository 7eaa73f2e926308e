import { AppError } from '../domain/errors.js';
import { isUniqueViolation } from '../store/database.js';

/**
 * A check-then-insert can race with another writer; the unique constraint is the real guard.
 * Turns its violation into the same `conflict` the check would have given.
 */
export async function uniqueOrConflict<T>(write: Promise<T>, message: string, field: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', message, { field });
    throw error;
  }
}
