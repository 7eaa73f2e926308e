import { computeDelta } from '../../domain/delta.js';
import { AppError } from '../../domain/errors.js';
import { regionLatestLabel } from '../../domain/inventory.js';
import { deploymentRegion } from '../../domain/tenant-config.js';
import { slug } from '../../domain/validate.js';
import { listLabels } from '../../store/inventory.js';
import { lastPromotion } from '../../store/promotions.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import {
  assessReadiness,
  requireEnvironment,
  requireRevision,
  revisionEntries,
} from '../deployments/deployment-support.js';

/**
 * The readiness preview of what `deploy --env` would deploy now: the last promotion's revision against
 * what was last deployed, with the per-rule explanation. Reads only; nothing is locked or created.
 */
export async function evidenceSummary(
  deps: ServiceDeps,
  actor: Actor,
  environmentInput: unknown,
  regionInput?: unknown,
) {
  const environment = slug('environment', environmentInput);
  const db = deps.db;
  const env = await requireEnvironment(db, actor, environment);
  const region = deploymentRegion(env, typeof regionInput === 'string' ? regionInput : null);
  const promotion = await lastPromotion(db, actor.tenantId, environment);
  if (!promotion) {
    throw new AppError(
      'invalid_input',
      `nothing has been promoted to '${environment}' yet, so there is nothing to assess; promote first with 'changegate promote --target ${environment} …'`,
      {
        field: 'environment',
      },
    );
  }
  const { config } = await loadTenantConfig(db, actor.tenantId);
  const targetRevision = await requireRevision(db, actor, promotion.targetRevisionId);
  const [latest] = await listLabels(db, actor.tenantId, environment, regionLatestLabel(environment, region));
  const baseRevision = latest ? await requireRevision(db, actor, latest.revisionId) : null;
  const targetEntries = await revisionEntries(db, actor, targetRevision);
  const delta = computeDelta(
    targetEntries,
    baseRevision ? await revisionEntries(db, actor, baseRevision) : null,
  );
  const names = new Set(delta.map((d) => d.name));
  const readiness = await assessReadiness(db, actor, {
    entries: delta.length === 0 ? targetEntries : targetEntries.filter((e) => names.has(e.name)),
    config,
    phases: ['pre-deployment'],
    source: promotion.source,
    target: environment,
  });
  return {
    environment,
    source: promotion.source,
    promotionId: promotion.id,
    targetRevision,
    baseRevision,
    delta,
    readiness,
  };
}
