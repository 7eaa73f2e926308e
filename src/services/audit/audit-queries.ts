import { type AuditEvent, type ChainBreak, ChainVerifier } from '../../domain/audit-chain.js';
import { AppError, notFound } from '../../domain/errors.js';
import { readAuditHead, readAuditPage } from '../../store/audit-log.js';
import { findChangeRequest } from '../../store/change-requests.js';
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
    const cr = await findChangeRequest(deps.db, actor.tenantId, query.changeRequest);
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
  return readAuditPage(deps.db, actor.tenantId, query.afterSeq ?? 0, limit, { entityIds });
}

export interface ChainReport {
  ok: boolean;
  tenant: string;
  /** Events checked and found intact (up to the first break). */
  count: number;
  head: { seq: number; hash: string } | null;
  firstBad: ChainBreak | null;
}

const pageSize = 5000;

/**
 * Re-hashes the tenant's whole chain from genesis and names the first event that does not hold.
 * The head is read first and only events up to it are checked: an event and the head advance in one
 * transaction, so writes committed while verifying are simply not part of this verification.
 */
export async function verifyAuditChain(deps: ServiceDeps, actor: Actor): Promise<ChainReport> {
  const head = await readAuditHead(deps.db, actor.tenantId);
  const verifier = new ChainVerifier();
  let after = 0;
  for (;;) {
    const page = await readAuditPage(deps.db, actor.tenantId, after, pageSize, { uptoSeq: head?.seq ?? 0 });
    for (const event of page) if (!verifier.push(event)) break;
    const last = page.at(-1);
    if (verifier.broken || page.length < pageSize || !last) break;
    after = last.seq;
  }
  const firstBad = verifier.finish(head);
  return {
    ok: firstBad === null,
    tenant: actor.tenantSlug,
    count: verifier.count,
    head: verifier.count > 0 ? verifier.head : null,
    firstBad,
  };
}
