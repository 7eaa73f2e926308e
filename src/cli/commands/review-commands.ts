import type { Command } from 'commander';
import type { ReviewDto } from '../../api/attribution-schemas.js';
import { run } from '../command-kit.js';

/** `reviews list`: the post-incident reviews owed by changes (docs/attribution.md). */
export function reviewCommands(program: Command): void {
  const reviews = program
    .command('reviews')
    .description('post-incident reviews owed by changes that caused an incident or failed');

  reviews
    .command('list')
    .description('post-incident reviews, the earliest due first')
    .option('--open', 'only open reviews')
    .option('--overdue', 'only open reviews past their due date')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).listReviews({ open: options.open === true, overdue: options.overdue === true }),
        (items, options) => renderReviews(items, options.overdue === true),
      ),
    );
}

function renderReviews(items: ReviewDto[], overdue: boolean): string[] {
  if (items.length === 0) return [overdue ? 'no overdue post-incident reviews' : 'no post-incident reviews'];
  return items.flatMap((r) => [
    `${r.changeRequest}  ${r.state}  due ${r.dueAt ?? 'never'}  ${r.title}`,
    ...(r.detail ? [`   ${r.detail}`] : []),
    ...(r.completedBy ? [`   done by ${r.completedBy} at ${r.completedAt}`] : []),
    ...(r.state === 'open'
      ? [`   complete: changegate cr follow-up ${r.changeRequest} post_incident_review --note "…"`]
      : []),
  ]);
}
