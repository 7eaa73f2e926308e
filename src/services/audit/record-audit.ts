import { type AuditEvent, chainHash, genesisHash } from '../../domain/audit-chain.js';
import { appendAuditEvent, type ChainRule } from '../../store/audit-log.js';
import type { DbOrTx } from '../../store/database.js';
import type { Actor, ServiceDeps } from '../context.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: object | null;
  after?: object | null;
}

/** Writes one audit event in the caller's transaction: the change and its record commit together. */
export function recordAudit(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  entry: AuditEntry,
): Promise<AuditEvent> {
  return appendAuditEvent(
    tx,
    {
      tenantId: actor.tenantId,
      id: deps.newId(),
      at: deps.now(),
      actor: actor.name,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: (entry.before ?? null) as Record<string, unknown> | null,
      after: (entry.after ?? null) as Record<string, unknown> | null,
    },
    auditChainRule,
  );
}

/** DESIGN.md §7: hash = sha256(prev_hash || canonical event), from a genesis of zeros. */
export const auditChainRule: ChainRule = { genesis: genesisHash, link: chainHash };
