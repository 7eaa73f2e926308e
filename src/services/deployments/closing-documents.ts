import type { Stage } from '../../domain/deployment.js';
import { closingSummary, type DeploymentTarget } from '../../domain/deployment-documents.js';
import { AppError } from '../../domain/errors.js';
import type { InventoryEntry } from '../../domain/inventory.js';
import { evidenceForEntry, latestPerTypeAndTool } from '../../domain/readiness.js';
import { oneOf, text } from '../../domain/validate.js';
import { mergeSboms } from '../../integrations/cyclonedx/merge-sboms.js';
import type { CycloneDxDocument } from '../../integrations/cyclonedx/parse-sbom.js';
import type { DbOrTx } from '../../store/database.js';
import { findSboms } from '../../store/inventory.js';
import type { Actor, ServiceDeps } from '../context.js';
import { candidateEvidence } from '../evidence/evidence-service.js';
import { type assessReadiness, attachDocument } from './deployment-support.js';

/** The stages the caller ran and timed (deploy, acceptance, rollback), validated. */
export function parseStages(value: unknown): Stage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new AppError('invalid_input', 'stages: must be a list of {name, status, durationMs}', {
      field: 'stages',
    });
  return value.map((s, i) => {
    const r = (s ?? {}) as Record<string, unknown>;
    const stage: Stage = {
      name: text(`stages[${i}].name`, r.name, { min: 1, max: 50 }),
      status: oneOf(`stages[${i}].status`, r.status, ['success', 'failure', 'skipped', 'waiting'] as const),
      durationMs: typeof r.durationMs === 'number' && r.durationMs >= 0 ? Math.round(r.durationMs) : 0,
    };
    if (typeof r.detail === 'string') stage.detail = text(`stages[${i}].detail`, r.detail, { max: 500 });
    return stage;
  });
}

/** Closing Summary and Merged SBOM of a revision: the deployed one, or the one a rollback restored. */
export async function attachClosingDocuments(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: { id: string; number: string },
  target: DeploymentTarget,
  entries: InventoryEntry[],
  readiness: Awaited<ReturnType<typeof assessReadiness>>,
  outcome: string,
): Promise<void> {
  const evidence = await candidateEvidence(tx, actor.tenantId, entries);
  await attachDocument(
    tx,
    deps,
    actor,
    cr,
    'closing_summary',
    'closing-summary.json',
    closingSummary({
      target,
      outcome,
      changeRequest: cr,
      entries: entries.map((entry) => ({
        entry,
        evidence: latestPerTypeAndTool(evidenceForEntry(entry, evidence)),
      })),
      readiness,
    }),
  );
  const sboms = await findSboms(
    tx,
    actor.tenantId,
    entries.map((e) => e.id),
  );
  const merged = mergeSboms({
    deployment: {
      name: `${target.environment}/${target.region}`,
      version: `revision-${target.revision.seq}`,
      environment: target.environment,
      timestamp: new Date(deps.now()),
    },
    entries: entries.map((e) => {
      const text = sboms.get(e.id);
      return {
        name: e.name,
        version: e.version,
        artifact: e.artifact,
        sha256: e.sha256,
        sbom: text ? (JSON.parse(text) as CycloneDxDocument) : null,
      };
    }),
  });
  await attachDocument(
    tx,
    deps,
    actor,
    cr,
    'merged_sbom',
    'merged-sbom.cdx.json',
    merged,
    'application/vnd.cyclonedx+json',
  );
}
