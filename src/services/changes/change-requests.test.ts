import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import type { Actor } from '../context.js';
import { createEnvironment } from '../environments/environment-service.js';
import {
  cancelChangeRequest,
  closeChangeRequest,
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
  updateChangeRequestFields,
} from './change-request-actions.js';
import { findChangeRequests, getChangeRequest } from './change-request-queries.js';
import { addComment, attachFile, listChangeAttachments, readAttachment } from './change-request-records.js';
import { createChangeRequest } from './create-change-request.js';

describe.each(dialects)('change requests on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let alice: Actor;
  let bob: Actor;

  beforeAll(async () => {
    t = await testApp(dialect, 'changes', { maxAttachmentBytes: 1024 });
    alice = await actorIn(t.app, 'default', 'alice@example.com', 'requester');
    bob = { ...alice, name: 'bob@example.com', role: 'approver' };
    await createEnvironment(t.app.deps, alice, { name: 'prod', purpose: 'production', detail: 'EU' });
  });
  afterAll(() => t?.close());

  const create = (input: Record<string, unknown> = {}) =>
    createChangeRequest(t.app.deps, alice, { ...validChange, ...input });

  it('creates a CR in state new with the environment purpose and detail copied on', async () => {
    const cr = await create({ environment: 'prod', risk: 'moderate', plannedStart: '2026-02-01T22:00:00Z' });
    expect(cr).toMatchObject({
      state: 'new',
      approval: 'not_requested',
      type: 'normal',
      targetEnvironmentPurpose: 'production',
      targetEnvironmentDetail: 'EU',
      requestedBy: 'alice@example.com',
      outageMinutes: 0,
      plannedStart: Date.parse('2026-02-01T22:00:00Z'),
    });
    expect(cr.number).toMatch(/^CHG\d{7}$/);
  });

  it('allocates numbers without gaps or duplicates under concurrent creates', async () => {
    const before = await findChangeRequests(t.app.deps, alice, { limit: 200 });
    const created = await Promise.all(Array.from({ length: 40 }, () => create()));
    const numbers = created.map((c) => Number(c.number.slice(3))).sort((a, b) => a - b);
    const start = before.items.length + 1;
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => start + i));
  });

  it('refuses bad input naming the field and valid values, and writes nothing', async () => {
    const { count } = await verifyAuditChain(t.app.deps, alice);
    await expect(create({ priority: 'urgent' })).rejects.toThrow(
      /priority: 'urgent' is not valid; use one of: critical, high, moderate, low, planning/,
    );
    await expect(create({ assignee: 'not-an-email' })).rejects.toThrow(
      /assignee: 'not-an-email' is not an email/,
    );
    await expect(create({ customerImpact: undefined })).rejects.toThrow(
      /missing required field: customerImpact/,
    );
    await expect(create({ environment: 'staging' })).rejects.toThrow(
      /environment: 'staging' does not exist; use one of: prod/,
    );
    await expect(create({ plannedStart: 'tomorrow' })).rejects.toThrow(
      /plannedStart: 'tomorrow' is not a date-time/,
    );
    await expect(create({ color: 'red' })).rejects.toThrow(/unknown field color/);
    expect((await verifyAuditChain(t.app.deps, alice)).count).toBe(count);
  });

  it('updates with PATCH semantics: value sets, absent leaves, null clears', async () => {
    const cr = await create({ description: 'first', risk: 'low' });
    const updated = await updateChangeRequestFields(t.app.deps, alice, cr.number, {
      description: 'second',
      risk: null,
    });
    expect(updated.description).toBe('second');
    expect(updated.risk).toBeNull();
    expect(updated.priority).toBe('high');
    await expect(updateChangeRequestFields(t.app.deps, alice, cr.number, { priority: null })).rejects.toThrow(
      /priority: is required and cannot be cleared/,
    );
    const events = await readAuditLog(t.app.deps, alice, { changeRequest: cr.number });
    expect(events.at(-1)).toMatchObject({
      action: 'change_request.updated',
      before: { description: 'first', risk: 'low' },
      after: { description: 'second', risk: null },
    });
  });

  it('walks the lifecycle and never lets the requester approve', async () => {
    const cr = await create({ environment: 'prod' });
    await requestApproval(t.app.deps, alice, cr.number);
    await expect(
      decideChangeApproval(t.app.deps, alice, cr.number, 'approved', 'mine'),
    ).rejects.toMatchObject({
      code: 'separation_of_duties',
    });
    expect((await getChangeRequest(t.app.deps, alice, cr.number)).changeRequest.approval).toBe('requested');
    const approved = await decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'looks good');
    expect(approved).toMatchObject({ state: 'scheduled', approval: 'approved' });
    await expect(transitionChangeRequest(t.app.deps, alice, cr.number, 'closed')).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    await expect(transitionChangeRequest(t.app.deps, alice, cr.number, 'sideways')).rejects.toThrow(
      /to: 'sideways' is not valid/,
    );
    await transitionChangeRequest(t.app.deps, alice, cr.number, 'implement');
    const closed = await closeChangeRequest(
      t.app.deps,
      alice,
      cr.number,
      'successful_with_issues',
      'slow rollout',
    );
    expect(closed).toMatchObject({
      state: 'closed',
      closeCategory: 'successful_with_issues',
      closeNotes: 'slow rollout',
    });
    const detail = await getChangeRequest(t.app.deps, alice, cr.id);
    expect(detail.approvals).toMatchObject([
      { approver: 'bob@example.com', decision: 'approved', comment: 'looks good' },
    ]);
    await expect(cancelChangeRequest(t.app.deps, alice, cr.number, 'too late')).rejects.toMatchObject({
      code: 'illegal_transition',
    });
  });

  it('lets only one of two concurrent decisions win; the other is refused and nothing is overwritten', async () => {
    const carol: Actor = { ...bob, name: 'carol@example.com' };
    for (let i = 0; i < 5; i++) {
      const cr = await create();
      await requestApproval(t.app.deps, alice, cr.number);
      const outcomes = await Promise.allSettled([
        decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'yes'),
        decideChangeApproval(t.app.deps, carol, cr.number, 'rejected', 'no'),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected');
      expect(lost?.status === 'rejected' && lost.reason).toMatchObject({ code: 'illegal_transition' });
      const detail = await getChangeRequest(t.app.deps, alice, cr.number);
      expect(detail.approvals).toHaveLength(1);
      const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
      expect(detail.changeRequest.approval).toBe(winner?.approval);
    }
  });

  it('withdraws an approval when an approved change is edited before implementation', async () => {
    const cr = await create({ environment: 'prod', risk: 'low' });
    await requestApproval(t.app.deps, alice, cr.number);
    await decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'ok for low risk');
    const renamed = await updateChangeRequestFields(t.app.deps, alice, cr.number, { title: 'clearer title' });
    expect(renamed).toMatchObject({ state: 'scheduled', approval: 'approved' });
    const riskier = await updateChangeRequestFields(t.app.deps, alice, cr.number, { risk: 'critical' });
    expect(riskier).toMatchObject({ state: 'assess', approval: 'not_requested', risk: 'critical' });
    await expect(transitionChangeRequest(t.app.deps, alice, cr.number, 'implement')).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    // Stepping back first does not keep the approval for a later edit either.
    await requestApproval(t.app.deps, alice, cr.number);
    await decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'critical is fine');
    await transitionChangeRequest(t.app.deps, alice, cr.number, 'authorize');
    await transitionChangeRequest(t.app.deps, alice, cr.number, 'assess');
    const edited = await updateChangeRequestFields(t.app.deps, alice, cr.number, { outageMinutes: 600 });
    expect(edited).toMatchObject({ state: 'assess', approval: 'not_requested' });
  });

  it('never lets whoever started the implementation approve the change afterwards', async () => {
    const cr = await create({ type: 'emergency' });
    await requestApproval(t.app.deps, alice, cr.number);
    await transitionChangeRequest(t.app.deps, bob, cr.number, 'implement');
    await expect(decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'mine')).rejects.toMatchObject({
      code: 'separation_of_duties',
    });
  });

  it('rejects with a comment and sends the CR back to assess', async () => {
    const cr = await create();
    await requestApproval(t.app.deps, alice, cr.number);
    await expect(decideChangeApproval(t.app.deps, bob, cr.number, 'rejected', '')).rejects.toThrow(
      /needs a comment/,
    );
    const rejected = await decideChangeApproval(t.app.deps, bob, cr.number, 'rejected', 'no backout plan');
    expect(rejected).toMatchObject({ state: 'assess', approval: 'rejected' });
  });

  it('lets an emergency change implement before approval and owe a retrospective one', async () => {
    const cr = await create({ type: 'emergency' });
    await requestApproval(t.app.deps, alice, cr.number);
    const normal = await create();
    await requestApproval(t.app.deps, alice, normal.number);
    await expect(
      transitionChangeRequest(t.app.deps, alice, normal.number, 'implement'),
    ).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    const implementing = await transitionChangeRequest(t.app.deps, alice, cr.number, 'implement');
    expect(implementing).toMatchObject({ state: 'implement', approval: 'retro_pending' });
    await transitionChangeRequest(t.app.deps, alice, cr.number, 'review');
    await closeChangeRequest(t.app.deps, alice, cr.number, 'successful', 'fixed');
    const retro = await decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'retrospectively fine');
    expect(retro).toMatchObject({ state: 'closed', approval: 'approved' });
    await expect(decideChangeApproval(t.app.deps, bob, cr.number, 'approved', 'twice')).rejects.toMatchObject(
      {
        code: 'illegal_transition',
      },
    );
    const canceled = await cancelChangeRequest(t.app.deps, alice, normal.number, 'not needed');
    expect(canceled).toMatchObject({ state: 'canceled', closeCategory: 'cancelled' });
  });

  it('stores comments and attachments with sha256, and refuses oversized files', async () => {
    const cr = await create();
    await addComment(t.app.deps, bob, cr.number, 'please add a backout plan');
    const file = Buffer.from('{"ok":true}');
    const a = await attachFile(t.app.deps, alice, cr.number, {
      kind: 'delta_summary',
      name: 'delta.json',
      mediaType: 'application/json',
      content: file,
    });
    expect(a.sha256).toBe('4062edaf750fb8074e7e83e0c9028c94e32468a8b6f1614774328ef045150f93');
    const read = await readAttachment(t.app.deps, alice, cr.number, a.id);
    expect(read.content.equals(file)).toBe(true);
    await expect(
      attachFile(t.app.deps, alice, cr.number, { name: 'big.bin', content: Buffer.alloc(1025) }),
    ).rejects.toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/1025 bytes; the limit is 1024 bytes/),
    });
    await expect(
      attachFile(t.app.deps, alice, cr.number, { name: 'x', kind: 'selfie', content: file }),
    ).rejects.toThrow(/kind: 'selfie' is not valid/);
    await expect(
      attachFile(t.app.deps, alice, cr.number, { name: 'x', sha256: 'ab'.repeat(32), content: file }),
    ).rejects.toThrow(/sha256: the content hashes to/);
    expect(await listChangeAttachments(t.app.deps, alice, cr.number)).toHaveLength(1);
    const detail = await getChangeRequest(t.app.deps, alice, cr.number);
    expect(detail.comments).toMatchObject([{ author: 'bob@example.com', body: 'please add a backout plan' }]);
  });

  it('lists with filters, free text and cursor pagination', async () => {
    await create({ title: 'Rotate TLS certificates 100%_done', environment: 'prod' });
    const text = await findChangeRequests(t.app.deps, alice, { q: 'tls CERT' });
    expect(text.items.map((c) => c.title)).toEqual(['Rotate TLS certificates 100%_done']);
    expect((await findChangeRequests(t.app.deps, alice, { q: '100%_' })).items).toHaveLength(1);
    expect((await findChangeRequests(t.app.deps, alice, { q: '0%x' })).items).toHaveLength(0);
    const closed = await findChangeRequests(t.app.deps, alice, { state: ['closed'] });
    expect(closed.items.every((c) => c.state === 'closed')).toBe(true);
    expect(closed.items.length).toBeGreaterThan(0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await findChangeRequests(t.app.deps, alice, { limit: 7, cursor });
      seen.push(...page.items.map((c) => c.number));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const all = await findChangeRequests(t.app.deps, alice, { limit: 200 });
    expect(seen).toEqual(all.items.map((c) => c.number));
    expect(new Set(seen).size).toBe(seen.length);
    await expect(findChangeRequests(t.app.deps, alice, { state: ['done'] })).rejects.toThrow(
      /state: 'done' is not valid/,
    );
    await expect(findChangeRequests(t.app.deps, alice, { cursor: 'garbage' })).rejects.toThrow(/cursor/);
  });

  it('keeps tenants apart: another tenant cannot see or change a CR', async () => {
    const cr = await create();
    const mallory = await actorIn(t.app, 'acme', 'mallory@example.com');
    await expect(getChangeRequest(t.app.deps, mallory, cr.number)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(getChangeRequest(t.app.deps, mallory, cr.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(requestApproval(t.app.deps, mallory, cr.id)).rejects.toMatchObject({ code: 'not_found' });
    const own = await createChangeRequest(t.app.deps, mallory, validChange);
    expect(own.number).toBe('CHG0000001');
    expect((await findChangeRequests(t.app.deps, mallory, {})).items.map((c) => c.id)).toEqual([own.id]);
  });

  it('writes one audit event per mutation and the chain verifies', async () => {
    const report = await verifyAuditChain(t.app.deps, alice);
    expect(report.ok).toBe(true);
    const events = await readAuditLog(t.app.deps, alice, { limit: 10_000 });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(report.count).toBe(events.length);
  });
});
