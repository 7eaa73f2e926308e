import {
  assembleComplianceReport,
  type ComplianceReport,
} from '../../domain/compliance/compliance-report.js';
import { invalidField } from '../../domain/errors.js';
import { instant } from '../../domain/validate.js';
import {
  changeOutcomes,
  changeVolume,
  deploymentCounts,
  evidenceGaps,
  freezeBypasses,
  lateRetrospectiveApprovals,
  separationOfDuties,
  unapprovedDeployments,
} from '../../store/compliance.js';
import { readOnly } from '../../store/database.js';
import { listUnauthorizedChanges } from '../../store/observations.js';
import type { Actor, ServiceDeps } from '../context.js';

const dayMs = 86_400_000;
const maxPeriodMs = 3_660 * dayMs;

/** The period [since, until): until defaults to now, since to 30 days before until. */
export function reportPeriod(input: { since?: unknown; until?: unknown }, now: number) {
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  const until = blank(input.until) ? now : instant('until', input.until);
  const since = blank(input.since) ? until - 30 * dayMs : instant('since', input.since);
  if (since >= until) throw invalidField('since', 'must be before until');
  if (until - since > maxPeriodMs) throw invalidField('since', 'the period may span at most ten years');
  return { since, until };
}

/**
 * The compliance report of docs/compliance.md for the actor's tenant. Reads only; on PostgreSQL the
 * queries share one transaction (one snapshot); on SQLite a transaction would take the write lock.
 */
export async function buildComplianceReport(
  deps: ServiceDeps,
  actor: Actor,
  input: { since?: unknown; until?: unknown },
): Promise<ComplianceReport> {
  const asOf = deps.now();
  const { since, until } = reportPeriod(input, asOf);
  const p = { tenantId: actor.tenantId, since, until };
  const facts = await readOnly(deps.db, deps.dialect, async (tx) => ({
    since,
    until,
    asOf,
    volume: await changeVolume(tx, p),
    outcomes: await changeOutcomes(tx, p),
    deployments: await deploymentCounts(tx, p),
    unapprovedDeployments: await unapprovedDeployments(tx, p),
    separation: await separationOfDuties(tx, p),
    retrospective: await lateRetrospectiveApprovals(tx, p, asOf),
    freeze: await freezeBypasses(tx, p),
    evidence: await evidenceGaps(tx, p),
    unauthorized: await listUnauthorizedChanges(tx, actor.tenantId, { since, until }),
  }));
  return assembleComplianceReport(facts);
}
