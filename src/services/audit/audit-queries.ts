import { type AuditEvent, type ChainBreak, ChainVerifier } from '../../domain/audit-chain.js';
import { changeRef } from '../../domain/change-request.js';
import { AppError, notFound } from '../../domain/errors.js';
import { readAuditHead, readAuditPage } from '../../store/audit-log.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { type AuditCut, latestAuditCut } from '../../store/retention.js';
import type { Actor, ServiceDeps } from '../context.js';

export interface AuditLogQuery {
  changeRequest?: string;
  afterSeq?: number;
  limit?: number;
}

/** Events in sequence order; with a CR, only the events about that CR. */
export async function readAuditLog(
  deps: ServiceDeps,
  actor: Actor,
  query: AuditLogQuery,
): Promise<AuditEvent[]> {
  let entityIds: string[] | undefined;
  if (query.changeRequest) {
    const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(query.changeRequest));
    if (!cr) throw notFound('change request', query.changeRequest);
    entityIds = [cr.id];
  }
  const limit = query.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new AppError(
      'invalid_input',
      `limit: '${String(query.limit)}' must be a whole number from 1 to 10000`,
      {
        field: 'limit',
      },
    );
  }
  const afterSeq = query.afterSeq ?? 0;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new AppError(
      'invalid_input',
      `after: '${String(query.afterSeq)}' must be a sequence number (0 or more)`,
      {
        field: 'afterSeq',
      },
    );
  }
  return readAuditPage(deps.db, actor.tenantId, afterSeq, limit, { entityIds });
}

export interface ChainReport {
  ok: boolean;
  tenant: string;
  /** Events checked and found intact (up to the first break). */
  count: number;
  head: { seq: number; hash: string } | null;
  firstBad: ChainBreak | null;
  /** The latest retention cut the walk started from (the first kept event links to its hash); null: genesis. */
  cut: AuditCut | null;
}

const pageSize = 5000;

/**
 * Re-hashes the tenant's whole chain from genesis, or from the latest retention cut (the first kept
 * event must follow it: seq + 1, linking to its hash), and names the first event that does not hold.
 * The recorded head is read before and after: events committed meanwhile are verified like the rest,
 * and rows beyond the head (a lowered head hiding a tampered tail) are a break.
 */
export async function verifyAuditChain(deps: ServiceDeps, actor: Actor): Promise<ChainReport> {
  const cut = await latestAuditCut(deps.db, actor.tenantId);
  const verifier = new ChainVerifier(await readAuditHead(deps.db, actor.tenantId), cut);
  let after = cut?.seq ?? 0;
  for (;;) {
    const page = await readAuditPage(deps.db, actor.tenantId, after, pageSize);
    for (const event of page) if (!verifier.push(event)) break;
    const last = page.at(-1);
    if (verifier.broken || page.length < pageSize || !last) break;
    after = last.seq;
  }
  const firstBad = verifier.finish(await readAuditHead(deps.db, actor.tenantId));
  return {
    ok: firstBad === null,
    tenant: actor.tenantSlug,
    count: verifier.count,
    head: verifier.count > 0 || cut ? verifier.head : null,
    firstBad,
    cut,
  };
}
