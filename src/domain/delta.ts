import type { DeltaItem, InventoryEntry } from './inventory.js';
import { sameRepositoryUrl } from './readiness.js';

/**
 * The delta of DESIGN.md §4: what deploying a target revision changes compared with `<env>_latest`.
 */

/** Whether two entries describe the same deployable content; ids and bookkeeping fields are ignored. */
export function sameContent(a: InventoryEntry, b: InventoryEntry): boolean {
  return (
    a.version === b.version &&
    a.artifact === b.artifact &&
    a.sha256 === b.sha256 &&
    a.commitSha.toLowerCase() === b.commitSha.toLowerCase() &&
    // `…/app.git` and `…/app` are one repository; a spelling change is not a deployment.
    sameRepositoryUrl(a.repositoryUrl, b.repositoryUrl)
  );
}

/** Entries added or changed in `target` and names removed from `latest`, sorted by name; null latest: all added. */
export function computeDelta(target: InventoryEntry[], latest: InventoryEntry[] | null): DeltaItem[] {
  const before = new Map((latest ?? []).map((e) => [e.name, e]));
  const after = new Map(target.map((e) => [e.name, e]));
  const items: DeltaItem[] = [];
  for (const to of after.values()) {
    const from = before.get(to.name);
    if (!from)
      items.push({
        name: to.name,
        change: 'added',
        fromVersion: null,
        toVersion: to.version,
        from: null,
        to,
      });
    else if (!sameContent(from, to))
      items.push({
        name: to.name,
        change: 'changed',
        fromVersion: from.version,
        toVersion: to.version,
        from,
        to,
      });
  }
  for (const from of before.values()) {
    if (!after.has(from.name))
      items.push({
        name: from.name,
        change: 'removed',
        fromVersion: from.version,
        toVersion: null,
        from,
        to: null,
      });
  }
  // Code-unit order, not locale order: the same delta must sort the same on every machine.
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Where the metrics' lead time for changes starts for a deployment (docs/metrics.md): the earliest
 * commit among the entries it brings — each entry's commit time when CI gave one, else its build time
 * (`createdAt`). Null when the delta deploys nothing new.
 */
export function leadTimeStart(
  delta: { to: { createdAt: number; committedAt?: number | null } | null }[],
): number | null {
  const starts = delta.flatMap((item) => (item.to ? [item.to.committedAt ?? item.to.createdAt] : []));
  return starts.length > 0 ? Math.min(...starts) : null;
}
