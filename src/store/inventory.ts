import type { InventoryEntry, InventoryRevision } from '../domain/inventory.js';
import type { DbOrTx } from './database.js';
import type { InventoryEntriesTable, InventoryRevisionsTable } from './schema.js';

type EntryRow = Omit<InventoryEntriesTable, 'sbom_json'> & { has_sbom: number };

function toEntry(row: EntryRow): InventoryEntry {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    artifact: row.artifact,
    type: row.type,
    sha256: row.sha256,
    commitSha: row.commit_sha,
    committedAt: row.committed_at ?? null,
    repositoryUrl: row.repository_url,
    buildNumber: row.build_number,
    pipelineRunId: row.pipeline_run_id,
    provenance: row.provenance,
    signature: row.signature,
    appArtifacts: row.app_artifacts_json
      ? (JSON.parse(row.app_artifacts_json) as Record<string, unknown>)
      : null,
    hasSbom: Number(row.has_sbom) === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function toRevision(row: InventoryRevisionsTable): InventoryRevision {
  return {
    id: row.id,
    environment: row.environment,
    seq: row.seq,
    entries: JSON.parse(row.entries_json) as Record<string, string>,
    reason: row.reason as InventoryRevision['reason'],
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function insertEntry(
  db: DbOrTx,
  tenantId: string,
  entry: InventoryEntry,
  sbomJson: string | null,
): Promise<void> {
  await db
    .insertInto('inventory_entries')
    .values({
      id: entry.id,
      tenant_id: tenantId,
      name: entry.name,
      version: entry.version,
      artifact: entry.artifact,
      type: entry.type,
      sha256: entry.sha256,
      commit_sha: entry.commitSha,
      committed_at: entry.committedAt ?? null,
      repository_url: entry.repositoryUrl,
      build_number: entry.buildNumber,
      pipeline_run_id: entry.pipelineRunId,
      provenance: entry.provenance,
      signature: entry.signature,
      app_artifacts_json: entry.appArtifacts === null ? null : JSON.stringify(entry.appArtifacts),
      sbom_json: sbomJson,
      created_by: entry.createdBy,
      created_at: entry.createdAt,
    })
    .execute();
}

/** Entries by id (without their SBOM text); order follows the ids given. */
export async function findEntries(db: DbOrTx, tenantId: string, ids: string[]): Promise<InventoryEntry[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('inventory_entries')
    .select([
      'id',
      'tenant_id',
      'name',
      'version',
      'artifact',
      'type',
      'sha256',
      'commit_sha',
      'repository_url',
      'build_number',
      'pipeline_run_id',
      'provenance',
      'signature',
      'app_artifacts_json',
      'created_by',
      'created_at',
    ])
    .select((eb) => eb.case().when('sbom_json', 'is not', null).then(1).else(0).end().as('has_sbom'))
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, toEntry(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The stored SBOM documents (JSON text) of the entries that have one, by entry id. */
export async function findSboms(db: DbOrTx, tenantId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('inventory_entries')
    .select(['id', 'sbom_json'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .where('sbom_json', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.id, r.sbom_json as string]));
}

export async function insertRevision(db: DbOrTx, tenantId: string, rev: InventoryRevision): Promise<void> {
  await db
    .insertInto('inventory_revisions')
    .values({
      id: rev.id,
      tenant_id: tenantId,
      environment: rev.environment,
      seq: rev.seq,
      entries_json: JSON.stringify(rev.entries),
      reason: rev.reason,
      created_by: rev.createdBy,
      created_at: rev.createdAt,
    })
    .execute();
}

export async function latestRevision(
  db: DbOrTx,
  tenantId: string,
  environment: string,
): Promise<InventoryRevision | undefined> {
  const row = await db
    .selectFrom('inventory_revisions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toRevision(row);
}

export async function findRevision(
  db: DbOrTx,
  tenantId: string,
  id: string,
): Promise<InventoryRevision | undefined> {
  const row = await db
    .selectFrom('inventory_revisions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toRevision(row);
}

export interface InventoryLabel {
  environment: string;
  label: string;
  revisionId: string;
  revisionSeq: number;
  updatedBy: string;
  updatedAt: number;
}

/** Points a label at a revision, moving it if it exists (labels name revisions; `<env>_latest` moves). */
export async function setLabel(
  db: DbOrTx,
  tenantId: string,
  label: { environment: string; label: string; revisionId: string; updatedBy: string; updatedAt: number },
): Promise<void> {
  await db
    .insertInto('inventory_labels')
    .values({
      tenant_id: tenantId,
      environment: label.environment,
      label: label.label,
      revision_id: label.revisionId,
      updated_by: label.updatedBy,
      updated_at: label.updatedAt,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'environment', 'label']).doUpdateSet({
        revision_id: label.revisionId,
        updated_by: label.updatedBy,
        updated_at: label.updatedAt,
      }),
    )
    .execute();
}

export async function listLabels(
  db: DbOrTx,
  tenantId: string,
  environment: string,
  label?: string,
): Promise<InventoryLabel[]> {
  let q = db
    .selectFrom('inventory_labels as l')
    .innerJoin('inventory_revisions as r', (j) =>
      j.onRef('r.id', '=', 'l.revision_id').onRef('r.tenant_id', '=', 'l.tenant_id'),
    )
    .select(['l.environment', 'l.label', 'l.revision_id', 'r.seq', 'l.updated_by', 'l.updated_at'])
    .where('l.tenant_id', '=', tenantId)
    .where('l.environment', '=', environment);
  if (label !== undefined) q = q.where('l.label', '=', label);
  const rows = await q.orderBy('l.updated_at', 'desc').orderBy('l.label').execute();
  return rows.map((r) => ({
    environment: r.environment,
    label: r.label,
    revisionId: r.revision_id,
    revisionSeq: Number(r.seq),
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  }));
}

/** Names of the inventories (CI's and the environments') that hold at least one revision. */
export async function inventoryNames(db: DbOrTx, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('inventory_revisions')
    .select('environment')
    .distinct()
    .where('tenant_id', '=', tenantId)
    .orderBy('environment')
    .execute();
  return rows.map((r) => r.environment);
}
