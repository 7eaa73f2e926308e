import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** One link of a tenant's hash chain (DESIGN.md §7): hash = sha256(prev_hash || canonical event). */
export interface AuditEventBody {
  tenantId: string;
  seq: number;
  id: string;
  at: number;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditEvent extends AuditEventBody {
  prevHash: string;
  hash: string;
}

/** The chain starts from 64 zeros so the first event has a prev_hash like every other. */
export const genesisHash = '0'.repeat(64);

/** RFC 8785 canonical JSON of the event without its hashes: the bytes that are chained. */
export function canonicalEvent(e: AuditEventBody): string {
  const body: AuditEventBody = {
    tenantId: e.tenantId,
    seq: e.seq,
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    before: e.before,
    after: e.after,
  };
  const text = canonicalize(body);
  if (text === undefined) throw new Error('audit event cannot be canonicalized');
  return text;
}

export function chainHash(prevHash: string, e: AuditEventBody): string {
  return createHash('sha256').update(prevHash).update(canonicalEvent(e)).digest('hex');
}

export type ChainBreak =
  | { kind: 'edited'; seq: number; id: string | null; message: string }
  | { kind: 'missing'; seq: number; id: string | null; message: string }
  | { kind: 'reordered'; seq: number; id: string; message: string };

type Head = { seq: number; hash: string };

/**
 * Walks events in sequence order, carrying what the next event must link to. Feed it pages; it stops
 * at the first break. Pure: the store streams rows into it.
 *
 * The head the store recorded is checked at both ends: read before the walk (`anchor`), the event at
 * its sequence must still carry its hash and the log must reach it; read after (`finish`), no event
 * may lie beyond it. Events committed during the walk sit between the two and are verified too.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = genesisHash;
  private seen = 0;
  private firstBreak: ChainBreak | null = null;

  /**
   * `start` resumes a walk mid-chain: the last event before the first one fed (its seq and hash), for
   * an exported excerpt of the chain whose first event's predecessor is recorded next to it.
   */
  constructor(
    private readonly anchor: Head | null = null,
    start: Head | null = null,
  ) {
    if (start) {
      this.expectedSeq = start.seq + 1;
      this.prevHash = start.hash;
    }
  }

  get count(): number {
    return this.seen;
  }

  get head(): Head {
    return { seq: this.expectedSeq - 1, hash: this.prevHash };
  }

  get broken(): ChainBreak | null {
    return this.firstBreak;
  }

  /** Returns false once the chain is broken (no need to read further). */
  push(e: AuditEvent): boolean {
    if (this.firstBreak) return false;
    this.firstBreak = this.check(e) ?? this.checkAnchor(e);
    if (this.firstBreak) return false;
    this.seen++;
    this.expectedSeq = e.seq + 1;
    this.prevHash = e.hash;
    return true;
  }

  /** After the last page, with the head as recorded now. */
  finish(headAfter: Head | null): ChainBreak | null {
    if (this.firstBreak) return this.firstBreak;
    const last = this.expectedSeq - 1;
    if (this.anchor && this.anchor.seq > last) {
      this.firstBreak = {
        kind: 'missing',
        seq: this.expectedSeq,
        id: null,
        message: `event ${this.expectedSeq} is missing: the log ends at ${last} but ${this.anchor.seq} events were written`,
      };
    } else if (last > 0 && (!headAfter || headAfter.seq < last)) {
      // Rows beyond the recorded head: the head was lowered or removed to hide a tampered tail.
      this.firstBreak = {
        kind: 'edited',
        seq: (headAfter?.seq ?? 0) + 1,
        id: null,
        message: `the recorded head (${headAfter ? `event ${headAfter.seq}` : 'none'}) is behind the log, which reaches event ${last}: the head was altered`,
      };
    }
    return this.firstBreak;
  }

  private checkAnchor(e: AuditEvent): ChainBreak | null {
    if (!this.anchor || e.seq !== this.anchor.seq || e.hash === this.anchor.hash) return null;
    // Rewritten with a recomputed hash, but the head written with it still holds the original.
    return {
      kind: 'edited',
      seq: e.seq,
      id: e.id,
      message: `event ${e.seq} (${e.id}) was edited: it no longer hashes to the head recorded when it was written`,
    };
  }

  private check(e: AuditEvent): ChainBreak | null {
    if (e.seq < this.expectedSeq) {
      return {
        kind: 'reordered',
        seq: e.seq,
        id: e.id,
        message: `event ${e.seq} (${e.id}) appears after event ${this.expectedSeq - 1}`,
      };
    }
    if (e.seq > this.expectedSeq) {
      return {
        kind: 'missing',
        seq: this.expectedSeq,
        id: null,
        message: `event ${this.expectedSeq} is missing: sequence jumps from ${this.expectedSeq - 1} to ${e.seq}`,
      };
    }
    if (e.prevHash !== this.prevHash) {
      // It does not link to its predecessor: it was moved here, or what came before it was replaced.
      return {
        kind: 'reordered',
        seq: e.seq,
        id: e.id,
        message: `event ${e.seq} (${e.id}) does not follow event ${e.seq - 1}: the chain was reordered or rewritten here`,
      };
    }
    if (chainHash(e.prevHash, e) !== e.hash) {
      return {
        kind: 'edited',
        seq: e.seq,
        id: e.id,
        message: `event ${e.seq} (${e.id}) was edited: its hash does not match its content`,
      };
    }
    return null;
  }
}
