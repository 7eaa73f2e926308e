import { assessMaturity, type MaturityAssessment } from '../../domain/maturity/assess-maturity.js';
import type { MaturityFacts } from '../../domain/maturity/maturity-facts.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { gatherMaturityFacts } from './gather-maturity-facts.js';

export interface TenantMaturity extends MaturityAssessment {
  assessedAt: number;
  /** The configuration version whose policy and answers were read (0: defaults). */
  configVersion: number;
  facts: MaturityFacts;
}

/**
 * The tenant's CMMI maturity for change management (docs/maturity.md): facts measured from its
 * records and configuration, scored by the criteria table. Read-only; no audit event.
 */
export async function assessTenantMaturity(deps: ServiceDeps, actor: Actor): Promise<TenantMaturity> {
  const assessedAt = deps.now();
  const { config, version } = await loadTenantConfig(deps.db, actor.tenantId);
  const facts = await gatherMaturityFacts(deps.db, deps.dialect, actor.tenantId, config, assessedAt);
  return { ...assessMaturity(facts), assessedAt, configVersion: version, facts };
}
