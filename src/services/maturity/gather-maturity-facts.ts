import type { MaturityFacts } from '../../domain/maturity/maturity-facts.js';
import type { TenantConfig } from '../../domain/tenant-config.js';
import type { DbOrTx } from '../../store/database.js';
import {
  aggregateApprovalSteps,
  aggregateAudit,
  aggregateChangeRequests,
  aggregateConfigVersions,
  aggregateDeployments,
  aggregateEnvironments,
  aggregateIncidents,
  aggregateRetrospectiveApprovals,
  countCatalog,
} from '../../store/maturity-facts.js';

/** Reads every fact the maturity criteria need: SQL aggregates plus what the configuration says. */
export async function gatherMaturityFacts(
  db: DbOrTx,
  tenantId: string,
  config: TenantConfig,
  now: number,
): Promise<MaturityFacts> {
  const versions = await aggregateConfigVersions(db, tenantId, now);
  return {
    changes: await aggregateChangeRequests(db, tenantId),
    deployments: await aggregateDeployments(db, tenantId, now),
    approvals: await aggregateApprovalSteps(db, tenantId, now),
    retrospective: await aggregateRetrospectiveApprovals(db, tenantId, now),
    incidents: await aggregateIncidents(db, tenantId),
    environments: await aggregateEnvironments(db, tenantId),
    catalog: await countCatalog(db, tenantId),
    config: {
      ...versions,
      approvalPolicy: config.approvalPolicy !== null,
      riskModel: config.risk !== null,
      riskHistory: config.risk?.history != null,
      evidenceChecks: config.evidenceChecks !== null,
      complianceProfile: config.complianceProfile !== null,
    },
    audit: await aggregateAudit(db, tenantId),
    answers: config.maturity?.answers ?? {},
  };
}
