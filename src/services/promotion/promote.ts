import picomatch from 'picomatch';
import { computeDelta, sameContent } from '../../domain/delta.js';
import { AppError } from '../../domain/errors.js';
import { ciInventory, type DeltaItem, latestLabel } from '../../domain/inventory.js';
import {
  type Promotion,
  validateGlobs,
  validateLabels,
  validatePromotionFields,
} from '../../domain/promotion.js';
import { slug } from '../../domain/validate.js';
import { inTransaction } from '../../store/database.js';
import { findEnvironment } from '../../store/environments.js';
import { findEntries, findRevision, latestRevision, listLabels } from '../../store/inventory.js';
import { insertPromotion } from '../../store/promotions.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';
import { appendRevision } from '../inventory/inventory-service.js';

export interface PromoteInput {
  source?: unknown;
  target?: unknown;
  include?: unknown;
  exclude?: unknown;
  fields?: unknown;
  labels?: unknown;
}

/**
 * A promotion is the merged promotion pull request: the source inventory's entries (filtered by the
 * globs) become a new revision of the target's inventory, and the CR fields travel with it to the
 * deployment. The source is CI's inventory at its latest revision, or an environment at what was last
 * deployed there (`<env>_latest`).
 */
export async function promote(
  deps: ServiceDeps,
  actor: Actor,
  input: PromoteInput,
): Promise<Promotion & { delta: DeltaItem[] }> {
  const source = input.source === undefined ? ciInventory : slug('source', input.source);
  const target = slug('target', input.target);
  if (source === target)
    throw new AppError(
      'invalid_input',
      `source and target are both '${target}'; promote from one inventory to another`,
      { field: 'target' },
    );
  const include = validateGlobs('include', input.include);
  const exclude = validateGlobs('exclude', input.exclude);
  if (typeof input.fields !== 'object' || input.fields === null || Array.isArray(input.fields))
    throw new AppError(
      'invalid_input',
      'fields: give the change request fields of the promotion (priority, assignee, customerImpact, deploymentImpact, …)',
      { field: 'fields' },
    );
  const fields = validatePromotionFields(input.fields as Record<string, unknown>);
  const labels = validateLabels(input.labels);
  const selected = picomatchFilter(include, exclude);

  return inTransaction(deps.db, async (tx) => {
    if (!(await findEnvironment(tx, actor.tenantId, target)))
      throw unknownEnvironment(target, await environmentNames(tx, actor));
    const sourceRevision =
      source === ciInventory
        ? await latestRevision(tx, actor.tenantId, source)
        : await deployedRevision(tx, actor, source);
    if (!sourceRevision) {
      throw new AppError(
        'invalid_input',
        source === ciInventory
          ? `source: the '${ciInventory}' inventory is empty; record builds first with 'changegate inventory add'`
          : `source: nothing has been deployed to '${source}' yet, so there is nothing to promote from it`,
        { field: 'source' },
      );
    }
    if ((include.length || exclude.length) && ![...Object.keys(sourceRevision.entries)].some(selected)) {
      throw new AppError(
        'invalid_input',
        `no entry of '${source}' matches ${[...include.map((g) => `--include ${g}`), ...exclude.map((g) => `--exclude ${g}`)].join(' ')}; it holds: ${Object.keys(sourceRevision.entries).sort().join(', ')}`,
        { field: include.length ? 'include' : 'exclude' },
      );
    }
    const current = await latestRevision(tx, actor.tenantId, target);
    const before = { ...(current?.entries ?? {}) };
    const after = { ...before };
    for (const [name, id] of Object.entries(sourceRevision.entries)) if (selected(name)) after[name] = id;
    for (const name of Object.keys(before))
      if (!(name in sourceRevision.entries) && selected(name)) delete after[name];
    // A rebuild with the same content (version, artifact, digest, commit) is not a change: keep the
    // entry the target already has, so promotion and deployment agree on what changed.
    const replaced = Object.keys(after).filter((n) => before[n] && after[n] && before[n] !== after[n]);
    if (replaced.length > 0) {
      const ids = replaced.flatMap((n) => [before[n] as string, after[n] as string]);
      const byId = new Map((await findEntries(tx, actor.tenantId, ids)).map((e) => [e.id, e]));
      for (const n of replaced) {
        const was = byId.get(before[n] as string);
        const now = byId.get(after[n] as string);
        if (was && now && sameContent(was, now)) after[n] = before[n] as string;
      }
    }
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((n) => before[n] !== after[n])
      .sort();
    if (names.length === 0) {
      throw new AppError(
        'conflict',
        `All changes have already been promoted: '${target}' already holds what '${source}' has${include.length || exclude.length ? ' for the selected names' : ''}`,
        {
          field: 'target',
        },
      );
    }
    const revision = await appendRevision(tx, deps, actor, target, 'promotion', () => after);
    const promotion: Promotion = {
      id: deps.newId(),
      source,
      target,
      sourceRevisionId: sourceRevision.id,
      targetRevisionId: revision.id,
      include,
      exclude,
      fields,
      labels,
      names,
      createdBy: actor.name,
      createdAt: deps.now(),
    };
    await insertPromotion(tx, actor.tenantId, promotion);
    const ids = [
      ...new Set(
        [...names.map((n) => before[n]), ...names.map((n) => after[n])].filter((x): x is string => !!x),
      ),
    ];
    const byId = new Map((await findEntries(tx, actor.tenantId, ids)).map((e) => [e.id, e]));
    const pick = (m: Record<string, string>) =>
      names.flatMap((n) => (m[n] ? [byId.get(m[n] as string)] : [])).filter((e) => e !== undefined);
    const delta = computeDelta(pick(after), pick(before));
    await recordAudit(tx, deps, actor, {
      action: 'promotion.created',
      entityType: 'promotion',
      entityId: promotion.id,
      after: { source, target, revision: revision.seq, include, exclude, labels, fields, changed: names },
    });
    return { ...promotion, delta };
  });
}

function picomatchFilter(include: string[], exclude: string[]): (name: string) => boolean {
  const inc = include.length ? picomatch(include) : () => true;
  const exc = exclude.length ? picomatch(exclude) : () => false;
  return (name) => inc(name) && !exc(name);
}

async function deployedRevision(tx: Parameters<typeof listLabels>[0], actor: Actor, environment: string) {
  const [label] = await listLabels(tx, actor.tenantId, environment, latestLabel(environment));
  return label ? findRevision(tx, actor.tenantId, label.revisionId) : undefined;
}
