import { join } from 'node:path';
import { genesisHash } from '../../domain/audit-chain.js';
import { AppError } from '../../domain/errors.js';
import { readAuditPage } from '../../store/audit-log.js';
import { inTransaction } from '../../store/database.js';
import {
  auditPurgeEnd,
  changeRequestChildren,
  deleteSelectedRows,
  incidentChildren,
  insertAuditCut,
  latestAuditCut,
  purgeAuditEventsThroughCut,
  purgeableChangeRequests,
  purgeableIncidents,
  type RowSelection,
  readSelectedRows,
  type SkippedRecord,
} from '../../store/retention.js';
import { recordAudit } from '../audit/record-audit.js';
import { loadTenantConfig } from '../config/config-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { writeRetentionArchive } from './retention-archive.js';

export interface RetentionReport {
  dryRun: boolean;
  days: number;
  /** Records closed, canceled or resolved before this instant are purged. */
  cutoff: string;
  /** Rows purged (or, on a dry run, that would be), per table. */
  counts: Record<string, number>;
  changeRequests: string[];
  incidents: string[];
  skipped: SkippedRecord[];
  /** The last purged audit event; null when no event goes. */
  cut: { seq: number; hash: string } | null;
  /** The run's archive directory; null on a dry run or when nothing was purged. */
  archive: string | null;
}

export interface RetentionOptions {
  dryRun?: boolean;
  /** `<CHANGEGATE_HOME>/archive`: used unless the policy names an archiveDir. */
  defaultArchiveDir: string;
}

const day = 86_400_000;

/**
 * Archives, then purges, what the tenant's retention policy says is old enough (docs/audit-trail.md#retention).
 * One transaction: read what goes, write and fsync the archive, record the cut, delete, and append
 * `retention.purged` to the chain after the cut. A second run finds nothing and writes nothing.
 */
export async function runRetention(
  deps: ServiceDeps,
  actor: Actor,
  options: RetentionOptions,
): Promise<RetentionReport> {
  const { config } = await loadTenantConfig(deps.db, actor.tenantId);
  const policy = config.retention;
  if (!policy) {
    throw new AppError(
      'conflict',
      `tenant '${actor.tenantSlug}' has no retention policy; add \`retention: { days: 365 }\` to changegate.yaml and apply it`,
      { field: 'retention' },
    );
  }
  const now = deps.now();
  const cutoff = now - policy.days * day;
  return inTransaction(deps.db, async (tx) => {
    const incidents = await purgeableIncidents(tx, actor.tenantId, cutoff);
    const incidentIds = incidents.purge.map((i) => i.id);
    const crs = await purgeableChangeRequests(tx, actor.tenantId, cutoff, incidentIds);
    const crIds = crs.purge.map((c) => c.id);
    const previous = await latestAuditCut(tx, actor.tenantId);
    const previousCut = previous ? { seq: previous.seq, hash: previous.hash } : { seq: 0, hash: genesisHash };
    const last = await auditPurgeEnd(tx, actor.tenantId, previousCut.seq, cutoff, [...crIds, ...incidentIds]);
    const events = last ? await readEvents(tx, actor.tenantId, previousCut.seq, last.seq) : [];

    const selections = selectionsFor(crIds, incidentIds);
    const tables: Record<string, unknown[]> = {};
    for (const s of selections) tables[s.table] = await readSelectedRows(tx, actor.tenantId, s);
    tables.audit_events = events;
    const counts = Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.length]));
    const report: RetentionReport = {
      dryRun: options.dryRun === true,
      days: policy.days,
      cutoff: new Date(cutoff).toISOString(),
      counts,
      changeRequests: crs.purge.map((c) => c.number),
      incidents: incidents.purge.map((i) => i.number),
      skipped: [...crs.skipped, ...incidents.skipped],
      cut: last ? { seq: last.seq, hash: last.hash } : null,
      archive: null,
    };
    const nothing = crIds.length === 0 && incidentIds.length === 0 && events.length === 0;
    if (report.dryRun || nothing) return report;

    const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
    const archive = join(
      policy.archiveDir ?? options.defaultArchiveDir,
      actor.tenantSlug,
      `retention-${stamp}`,
    );
    writeRetentionArchive(archive, tables, {
      tenant: actor.tenantSlug,
      createdAt: new Date(now).toISOString(),
      cutoff: report.cutoff,
      cut: report.cut,
      previousCut,
      counts,
    });
    for (const s of selections) await deleteSelectedRows(tx, actor.tenantId, s);
    if (last) {
      await insertAuditCut(tx, actor.tenantId, { seq: last.seq, hash: last.hash, at: last.at, archive }, now);
      await purgeAuditEventsThroughCut(tx, deps.dialect, actor.tenantId, last.seq);
    }
    await recordAudit(tx, deps, actor, {
      action: 'retention.purged',
      entityType: 'tenant',
      entityId: actor.tenantId,
      after: {
        archive,
        cutoff: report.cutoff,
        cut: report.cut,
        counts,
        changeRequests: report.changeRequests,
        incidents: report.incidents,
      },
    });
    return { ...report, archive };
  });
}

/** What goes with the purged CRs and incidents, children before parents. */
function selectionsFor(crIds: readonly string[], incidentIds: readonly string[]): RowSelection[] {
  const children = [...new Set<string>([...changeRequestChildren, ...incidentChildren])];
  return [
    ...children.map((table) => ({
      table,
      where: [
        { column: 'change_request_id', ids: crIds },
        ...((incidentChildren as readonly string[]).includes(table)
          ? [{ column: 'incident_id', ids: incidentIds }]
          : []),
      ],
    })),
    { table: 'change_requests', where: [{ column: 'id', ids: crIds }] },
    { table: 'incidents', where: [{ column: 'id', ids: incidentIds }] },
  ];
}

async function readEvents(
  tx: Parameters<typeof readAuditPage>[0],
  tenantId: string,
  after: number,
  through: number,
) {
  const events = [];
  let from = after;
  while (from < through) {
    const page = await readAuditPage(tx, tenantId, from, Math.min(5000, through - from));
    if (page.length === 0) break;
    events.push(...page);
    from = page[page.length - 1]?.seq ?? through;
  }
  return events;
}
