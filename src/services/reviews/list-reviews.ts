import { AppError } from '../../domain/errors.js';
import { listReviewObligations, type ReviewObligation } from '../../store/attribution.js';
import type { Actor, ServiceDeps } from '../context.js';

const flag = (field: string, value: unknown): boolean => {
  if (value === undefined || value === null || value === '' || value === false || value === 'false')
    return false;
  if (value === true || value === 'true') return true;
  throw new AppError('invalid_input', `${field}: '${String(value)}' must be true or false`, { field });
};

/**
 * Post-incident reviews owed by changes, the earliest due first: all of them, only the open ones, or
 * only the overdue ones (open and past their due date).
 */
export async function listReviews(
  deps: ServiceDeps,
  actor: Actor,
  query: { open?: unknown; overdue?: unknown } = {},
): Promise<ReviewObligation[]> {
  const overdue = flag('overdue', query.overdue);
  return listReviewObligations(deps.db, actor.tenantId, {
    open: flag('open', query.open),
    overdueAt: overdue ? deps.now() : undefined,
  });
}
