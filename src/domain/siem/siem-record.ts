import type { AuditEvent } from '../audit-chain.js';

/** What a SIEM receives for one audit event: the event as the API shows it, with its tenant's slug. */
export interface SiemRecord {
  tenant: string;
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

export function siemRecord(e: AuditEvent, tenant: string): SiemRecord {
  return {
    tenant,
    seq: e.seq,
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    before: e.before,
    after: e.after,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** One JSON object per event, no line breaks inside (JSON.stringify escapes them). */
export function formatJsonLine(e: AuditEvent, tenant: string): string {
  return JSON.stringify(siemRecord(e, tenant));
}
