import type { ChangeRequest } from './change-request.js';
import type { Evidence } from './evidence.js';
import type { DeltaItem, InventoryEntry } from './inventory.js';
import type { Readiness } from './readiness.js';

/**
 * The documents a deployment attaches to its CR (DESIGN.md §4 attachments). Plain JSON, built from
 * values, so the same inputs always give the same bytes and an auditor can diff them.
 */

export interface DeploymentTarget {
  environment: string;
  region: string;
  revision: { id: string; seq: number };
  pipelineRunId: string;
}

/** Deployment BOM: every entry being deployed, with what proves its identity and origin. */
export function deploymentBom(target: DeploymentTarget, entries: InventoryEntry[]) {
  return {
    kind: 'changegate.deployment_bom/v1',
    ...target,
    entries: [...entries]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => ({
        name: e.name,
        version: e.version,
        artifact: e.artifact,
        type: e.type,
        digest: e.sha256 ? `sha256:${e.sha256}` : null,
        commitSha: e.commitSha,
        repositoryUrl: e.repositoryUrl,
        buildNumber: e.buildNumber,
        pipelineRunId: e.pipelineRunId,
        signature: e.signature,
        provenance: e.provenance,
      })),
  };
}

/** Delta Summary: each delta entry with its from/to version and its evidence posture per rule. */
export function deltaSummary(target: DeploymentTarget, delta: DeltaItem[], readiness: Readiness) {
  const byName = new Map(readiness.entries.map((e) => [e.name, e]));
  return {
    kind: 'changegate.delta_summary/v1',
    ...target,
    deploymentReady: readiness.ready,
    mode: readiness.mode,
    summary: readiness.summary,
    warnings: readiness.warnings,
    delta: delta.map((d) => ({
      name: d.name,
      change: d.change,
      fromVersion: d.fromVersion,
      toVersion: d.toVersion,
      ready: byName.get(d.name)?.ready ?? d.change === 'removed',
      checks: byName.get(d.name)?.outcomes ?? [],
    })),
  };
}

/** Closing Summary: the evidence of every entry at the deployed (or restored) revision, CD scope included. */
export function closingSummary(input: {
  target: DeploymentTarget;
  outcome: string;
  changeRequest: Pick<ChangeRequest, 'number'>;
  entries: { entry: InventoryEntry; evidence: Evidence[] }[];
  readiness: Readiness;
}) {
  return {
    kind: 'changegate.closing_summary/v1',
    ...input.target,
    changeRequest: input.changeRequest.number,
    outcome: input.outcome,
    deploymentReady: input.readiness.ready,
    summary: input.readiness.summary,
    warnings: input.readiness.warnings,
    entries: input.entries
      .slice()
      .sort((a, b) => a.entry.name.localeCompare(b.entry.name))
      .map(({ entry, evidence }) => ({
        name: entry.name,
        version: entry.version,
        artifact: entry.artifact,
        commitSha: entry.commitSha,
        evidence: evidence.map((e) => ({
          id: e.id,
          evidenceTypeId: e.evidenceTypeId,
          result: e.result,
          tool: e.tool,
          environment: e.environment,
          pipelineRunId: e.pipelineRunId,
          date: new Date(e.date).toISOString(),
          findings: e.findings.length,
        })),
        checks: input.readiness.entries.find((r) => r.name === entry.name)?.outcomes ?? [],
      })),
  };
}
