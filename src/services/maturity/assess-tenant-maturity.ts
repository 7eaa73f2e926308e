import { assessMaturity, type MaturityAssessment } from '../../domain/maturity/assess-maturity.js';
import type { MaturityFacts } from '../../domain/maturity/maturity-facts.js';
import { readOnly } from '../../store/database.js';
import { reportSession } from '../../store/metrics.js';
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
  // One read snapshot on PostgreSQL (no JIT for these aggregates: store/metrics.ts reportSession).
  return readOnly(deps.db, deps.dialect, async (tx) => {
    await reportSession(tx, deps.dialect);
    const { config, version } = await loadTenantConfig(tx, actor.tenantId);
    const facts = await gatherMaturityFacts(tx, actor.tenantId, config, assessedAt);
    return { ...assessMaturity(facts), assessedAt, configVersion: version, facts };
  });
}
