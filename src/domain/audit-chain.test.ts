import { describe, expect, it } from 'vitest';
import { type AuditEvent, ChainVerifier, chainHash, genesisHash } from './audit-chain.js';

function chain(n: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = genesisHash;
  for (let seq = 1; seq <= n; seq++) {
    const body = {
      tenantId: 't1',
      seq,
      id: `e${seq}`,
      at: 1_700_000_000_000 + seq,
      actor: 'alice',
      action: 'change_request.updated',
      entityType: 'change_request',
      entityId: 'cr1',
      before: { risk: 'low' },
      after: { risk: 'high' },
    };
    const hash = chainHash(prev, body);
    events.push({ ...body, prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

const recordedHead = () => {
  const last = chain(5).at(-1);
  return { seq: 5, hash: last?.hash ?? '' };
};

function verify(events: AuditEvent[], head: { seq: number; hash: string } | null = recordedHead()) {
  const v = new ChainVerifier(head);
  for (const e of events) if (!v.push(e)) break;
  return v.finish(head);
}

describe('audit chain verifier', () => {
  it('accepts an intact chain', () => {
    const events = chain(5);
    expect(verify(events)).toBeNull();
  });

  it('hashes key order independently (canonical JSON)', () => {
    const [e] = chain(1);
    if (!e) throw new Error('no event');
    const reordered = {
      after: e.after,
      before: e.before,
      entityId: e.entityId,
      entityType: e.entityType,
      action: e.action,
      actor: e.actor,
      at: e.at,
      id: e.id,
      seq: e.seq,
      tenantId: e.tenantId,
    };
    expect(chainHash(genesisHash, reordered)).toBe(e.hash);
  });

  it('finds an edit, a deletion, a swap and a truncated tail', () => {
    const edited = chain(5).map((e) => (e.seq === 3 ? { ...e, after: { risk: 'low' } } : e));
    expect(verify(edited)).toMatchObject({ kind: 'edited', seq: 3 });
    const deleted = chain(5).filter((e) => e.seq !== 2);
    expect(verify(deleted)).toMatchObject({ kind: 'missing', seq: 2 });
    const [a, b, c, d, e] = chain(5);
    if (!a || !b || !c || !d || !e) throw new Error('short chain');
    expect(verify([a, { ...c, seq: 2 }, { ...b, seq: 3 }, d, e])).toMatchObject({
      kind: 'reordered',
      seq: 2,
    });
    expect(verify([a, b, c])).toMatchObject({ kind: 'missing', seq: 4 });
    expect(
      verify([a, b, c, d, { ...e, actor: 'mallory', hash: chainHash(d.hash, { ...e, actor: 'mallory' }) }]),
    ).toMatchObject({
      kind: 'edited',
      seq: 5,
    });
    expect(verify([a, b, c, d, e], { seq: 3, hash: c.hash })).toMatchObject({ kind: 'edited', seq: 4 });
    expect(verify([a, b, c, d, e], null)).toMatchObject({ kind: 'edited', seq: 1 });
  });
});
