/**
 * Inventory model of DESIGN.md §4: per environment an append-only list of revisions; a revision is the
 * full set of entries by name. `master` is where CI writes; deployment targets are configured environments.
 */

/** The inventory CI writes to unless told otherwise. */
export const ciInventory = 'master';

/** One deployable component at one version, as the DevSecOps inventory records it. */
export interface InventoryEntry {
  id: string;
  name: string;
  version: string;
  /** Where the artifact lives, e.g. `docker://registry/app@sha256:…` or a package URL. */
  artifact: string;
  type: string | null;
  sha256: string | null;
  commitSha: string;
  /** When that commit was made, if CI said (`--committed-at`): where the metrics' lead time starts. */
  committedAt?: number | null;
  repositoryUrl: string;
  buildNumber: string | null;
  pipelineRunId: string;
  provenance: string | null;
  signature: string | null;
  appArtifacts: Record<string, unknown> | null;
  /** Whether a CycloneDX SBOM was stored with the entry. */
  hasSbom: boolean;
  createdBy: string;
  createdAt: number;
}

export interface InventoryRevision {
  id: string;
  environment: string;
  /** 1, 2, 3… per environment. */
  seq: number;
  /** Entry ids by entry name: the whole state of the environment's inventory at this revision. */
  entries: Record<string, string>;
  reason: 'ci' | 'promotion' | 'rollback';
  createdBy: string;
  createdAt: number;
}

export const deltaChanges = ['added', 'changed', 'removed'] as const;
export type DeltaChange = (typeof deltaChanges)[number];

/** One line of a delta: what a deployment changes in an environment. */
export interface DeltaItem {
  name: string;
  change: DeltaChange;
  fromVersion: string | null;
  toVersion: string | null;
  /** The entry before (null when added) and after (null when removed). */
  from: InventoryEntry | null;
  to: InventoryEntry | null;
}

/** The label that marks the last successful deployment to an environment. */
export function latestLabel(environment: string): string {
  return `${environment}_latest`;
}

/**
 * The label of the last successful deployment to one region: `<env>_latest` for an environment without
 * regions, `<env>_<region>_latest` otherwise (each region is deployed, and rolled back, on its own).
 * `<env>_latest` also moves with every region's deployment: it is what a promotion from the environment takes.
 */
export function regionLatestLabel(environment: string, region: string): string {
  return region === 'default' ? latestLabel(environment) : `${environment}_${region}_latest`;
}

/** Whether a name is reserved for changegate's own labels, so a pipeline run id cannot pose as one. */
export function isReservedLabel(name: string): boolean {
  return /_latest$/.test(name) || /^CHG\d+$/i.test(name);
}

/** The asset URIs evidence may name for an entry: its artifact, and its commit in its repository. */
export function entryAssets(entry: Pick<InventoryEntry, 'artifact' | 'repositoryUrl' | 'commitSha'>): {
  artifact: string;
  repo: string;
} {
  return {
    artifact: entry.artifact,
    repo: `${entry.repositoryUrl.replace(/\.git$/, '')}#${entry.commitSha}`,
  };
}
