import { AppError, invalidField } from '../../domain/errors.js';
import { ciInventory, type InventoryEntry, type InventoryRevision } from '../../domain/inventory.js';
import {
  type EntryFields,
  inEntry,
  inEntryAsync,
  inventoryUpdateDecision,
  validateEntryInput,
} from '../../domain/inventory-input.js';
import { oneOf, slug } from '../../domain/validate.js';
import { parseSbom } from '../../integrations/cyclonedx/parse-sbom.js';
import { nextCounterValue } from '../../store/counters.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { findEnvironment } from '../../store/environments.js';
import {
  findEntries,
  findRevision,
  type InventoryLabel,
  insertEntry,
  insertRevision,
  latestRevision,
  listLabels,
} from '../../store/inventory.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';

export interface InventoryAddInput {
  environment?: unknown;
  ciStatus?: unknown;
  skipInventoryUpdateOnFailure?: unknown;
  entries: unknown;
}

export interface InventoryAddResult {
  updated: boolean;
  reason: string | null;
  environment: string;
  revision: InventoryRevision | null;
  entries: InventoryEntry[];
}

/**
 * CI records what it built: one or more entries, validated as a whole, appended as one new revision
 * of the inventory (the previous revision's entries plus these, by name). A failed CI run records
 * nothing unless skipping is turned off, and says why.
 */
export async function addInventoryEntries(
  deps: ServiceDeps,
  actor: Actor,
  input: InventoryAddInput,
): Promise<InventoryAddResult> {
  const environment = input.environment === undefined ? ciInventory : slug('environment', input.environment);
  const ciStatus =
    input.ciStatus === undefined
      ? 'success'
      : oneOf('ciStatus', input.ciStatus, ['success', 'failure'] as const);
  const skip = input.skipInventoryUpdateOnFailure;
  if (
    skip !== undefined &&
    (typeof skip !== 'string' || !['', '0', '1', 'true', 'false'].includes(skip.trim()))
  )
    throw invalidField(
      'skipInventoryUpdateOnFailure',
      `'${String(skip)}' must be 1 (skip, the default), 0 or empty (record anyway)`,
    );
  if (!Array.isArray(input.entries) || input.entries.length === 0)
    throw invalidField('entries', 'give at least one inventory entry');
  const batch = input.entries.length > 1;
  const parsed: { fields: EntryFields; sbomJson: string | null }[] = [];
  for (const [i, raw] of input.entries.entries()) {
    const record = inEntry(i, batch, () => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw invalidField('entry', 'must be a JSON object');
      return raw as Record<string, unknown>;
    });
    const fields = inEntry(i, batch, () => validateEntryInput(record, deps.now()));
    let sbomJson: string | null = null;
    if (record.sbom !== undefined && record.sbom !== null) {
      if (typeof record.sbom === 'string' && !/^\s*\{/.test(record.sbom)) {
        throw inEntry(i, batch, () => {
          throw invalidField(
            'sbom',
            'give the CycloneDX document itself (a JSON object), not a file name or other text',
          );
        });
      }
      const text = typeof record.sbom === 'string' ? record.sbom : JSON.stringify(record.sbom);
      sbomJson = JSON.stringify(await inEntryAsync(i, batch, () => parseSbom(text, 'sbom')));
    }
    parsed.push({ fields, sbomJson });
  }
  const seen = new Map<string, number>();
  parsed.forEach((p, i) => {
    const first = seen.get(p.fields.name);
    if (first !== undefined) {
      throw new AppError(
        'invalid_input',
        `entries[${i}].name: '${p.fields.name}' is also entries[${first}]; names are unique in an inventory`,
        {
          field: `entries[${i}].name`,
        },
      );
    }
    seen.set(p.fields.name, i);
  });
  const decision = inventoryUpdateDecision(ciStatus, typeof skip === 'string' ? skip : undefined);
  if (!decision.updated) {
    return { updated: false, reason: decision.reason, environment, revision: null, entries: [] };
  }
  return inTransaction(deps.db, async (tx) => {
    const now = deps.now();
    const entries: InventoryEntry[] = [];
    for (const p of parsed) {
      const entry: InventoryEntry = {
        id: deps.newId(),
        ...p.fields,
        hasSbom: p.sbomJson !== null,
        createdBy: actor.name,
        createdAt: now,
      };
      await insertEntry(tx, actor.tenantId, entry, p.sbomJson);
      entries.push(entry);
    }
    const revision = await appendRevision(tx, deps, actor, environment, 'ci', (current) => {
      for (const e of entries) current[e.name] = e.id;
      return current;
    });
    await recordAudit(tx, deps, actor, {
      action: 'inventory.updated',
      entityType: 'inventory',
      entityId: `${environment}#${revision.seq}`,
      after: {
        environment,
        revision: revision.seq,
        ciStatus,
        entries: entries.map((e) => ({
          name: e.name,
          version: e.version,
          artifact: e.artifact,
          commitSha: e.commitSha,
        })),
      },
    });
    return { updated: true, reason: decision.reason, environment, revision, entries };
  });
}

/** Appends a revision built from the latest one; revisions are never edited. */
export async function appendRevision(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  environment: string,
  reason: InventoryRevision['reason'],
  build: (entries: Record<string, string>) => Record<string, string>,
): Promise<InventoryRevision> {
  // Serialise writers of one inventory on its counter row first, so the latest revision read below is
  // the one this revision builds on (two concurrent writers would otherwise both build on the same one).
  await nextCounterValue(tx, actor.tenantId, `inventory:${environment}`);
  const previous = await latestRevision(tx, actor.tenantId, environment);
  const revision: InventoryRevision = {
    id: deps.newId(),
    environment,
    seq: (previous?.seq ?? 0) + 1,
    entries: build({ ...(previous?.entries ?? {}) }),
    reason,
    createdBy: actor.name,
    createdAt: deps.now(),
  };
  await insertRevision(tx, actor.tenantId, revision);
  return revision;
}

export interface InventoryView {
  environment: string;
  revision: InventoryRevision | null;
  labels: string[];
  entries: InventoryEntry[];
}

/** An inventory at its latest revision, or at the revision a label names. */
export async function getInventory(
  deps: ServiceDeps,
  actor: Actor,
  query: { environment?: unknown; label?: unknown },
): Promise<InventoryView> {
  const environment = query.environment === undefined ? ciInventory : slug('environment', query.environment);
  // CI's inventory always exists; any other must be a configured environment (a typo is not "empty").
  if (environment !== ciInventory && !(await findEnvironment(deps.db, actor.tenantId, environment)))
    throw unknownEnvironment(environment, [ciInventory, ...(await environmentNames(deps.db, actor))]);
  let revision: InventoryRevision | undefined;
  if (query.label !== undefined && query.label !== '') {
    const label = String(query.label);
    const [found] = await listLabels(deps.db, actor.tenantId, environment, label);
    if (!found) {
      const known = (await listLabels(deps.db, actor.tenantId, environment)).map((l) => l.label);
      throw new AppError(
        'not_found',
        `inventory '${environment}' has no label '${label}'${known.length ? `; its labels: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}` : ' (it has no labels yet)'}`,
        { field: 'label', validValues: known },
      );
    }
    revision = await findRevision(deps.db, actor.tenantId, found.revisionId);
  } else {
    revision = await latestRevision(deps.db, actor.tenantId, environment);
  }
  if (!revision) return { environment, revision: null, labels: [], entries: [] };
  return revisionView(deps.db, actor, revision);
}

export async function revisionView(
  db: DbOrTx,
  actor: Actor,
  revision: InventoryRevision,
): Promise<InventoryView> {
  const entries = await findEntries(db, actor.tenantId, Object.values(revision.entries));
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const labels = (await listLabels(db, actor.tenantId, revision.environment))
    .filter((l) => l.revisionId === revision.id)
    .map((l) => l.label)
    .sort();
  return { environment: revision.environment, revision, labels, entries };
}

export function inventoryLabels(
  deps: ServiceDeps,
  actor: Actor,
  environment: unknown,
): Promise<InventoryLabel[]> {
  return listLabels(deps.db, actor.tenantId, slug('environment', environment));
}
