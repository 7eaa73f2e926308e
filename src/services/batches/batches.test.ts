import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, freshDatabase, type TestDatabase, testConfig } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { type App, createApp } from '../../app.js';
import { inTransaction } from '../../store/database.js';
import { readAuditLog } from '../audit/audit-queries.js';
import {
  cancelChangeRequest,
  decideChangeApproval,
  requestApproval,
  updateChangeRequestFields,
} from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { createIncident } from '../incidents/incident-service.js';
import { grantWindowOverride } from '../windows/grant-override.js';
import { createWindow } from '../windows/window-service.js';
import { approveBatch } from './approve-batch.js';
import {
  addBatchMembers,
  createBatch,
  getBatch,
  listTenantBatches,
  removeBatchMembers,
} from './batch-service.js';
import { scheduleBatch } from './schedule-batch.js';

/** The maintenance window the tests plan batches into: a Saturday night in March 2026. */
const night = { start: '2026-03-07T22:00:00Z', end: '2026-03-08T02:00:00Z' };
const ms = (iso: string) => Date.parse(iso);
/** The same window as a CR's plan. */
const plan = { plannedStart: night.start, plannedEnd: night.end };

describe.each(dialects)('change batches on %s', (dialect) => {
  let db: TestDatabase;
  let app: App;
  let time = Date.parse('2026-03-01T09:00:00Z');
  let tenants = 0;

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'batches');
    app = await createApp(testConfig(db), { now: () => ++time, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  const deps = () => app.deps;

  /** A tenant of its own with staging and prod; dana requests, the manager approves and schedules. */
  async function world() {
    const slug = `b${++tenants}-${dialect}`;
    const manager = await actorIn(app, slug, 'manager@example.com', 'change_manager');
    const requester: Actor = { ...manager, name: 'dana@example.com', role: 'requester' };
    await applyTenantConfig(deps(), manager, {
      document: {
        environments: [
          { name: 'staging', purpose: 'pre_prod' },
          { name: 'prod', purpose: 'production' },
        ],
      },
    });
    const cr = async (title: string, extra: Record<string, unknown> = {}, by: Actor = requester) =>
      createChangeRequest(deps(), by, { ...validChange, title, environment: 'prod', ...extra });
    const actions = async () =>
      (await readAuditLog(deps(), manager, {})).filter((e) => e.entityType === 'batch').map((e) => e.action);
    return { manager, requester, cr, actions };
  }

  it('creates a batch with members, adds and removes CRs, audits each, and shows the batch on the CR', async () => {
    const { manager, cr, actions } = await world();
    const [db1, api, cache] = [
      await cr('Migrate orders DB'),
      await cr('Deploy API 2.0'),
      await cr('Flush cache'),
    ];
    const created = await createBatch(deps(), manager, {
      name: 'march-maintenance',
      title: 'March maintenance',
      ...night,
      changes: [db1.number],
    });
    expect(created.batch).toMatchObject({
      number: 'BAT0000001',
      name: 'march-maintenance',
      plannedStart: ms(night.start),
      plannedEnd: ms(night.end),
    });
    expect(created.glance.members.map((m) => m.member.changeRequest.number)).toEqual([db1.number]);

    const added = await addBatchMembers(deps(), manager, 'BAT0000001', [api.number, cache.id]);
    expect(added.glance.members.map((m) => m.member.changeRequest.number)).toEqual([
      db1.number,
      api.number,
      cache.number,
    ]);
    const removed = await removeBatchMembers(deps(), manager, 'march-maintenance', [api.number]);
    expect(removed.glance.members.map((m) => m.member.changeRequest.number)).toEqual([
      db1.number,
      cache.number,
    ]);
    expect((await getChangeRequest(deps(), manager, cache.number)).batch).toEqual({
      number: 'BAT0000001',
      name: 'march-maintenance',
    });
    expect((await getChangeRequest(deps(), manager, api.number)).batch).toBeNull();

    const notMember = await failure(removeBatchMembers(deps(), manager, 'BAT0000001', [api.number]));
    expect(notMember.code).toBe('invalid_input');
    expect(notMember.message).toContain(`${api.number} is not in BAT0000001`);
    const taken = await failure(createBatch(deps(), manager, { name: 'march-maintenance', title: 'Again' }));
    expect(taken.code).toBe('conflict');
    expect(await actions()).toEqual(['batch.created', 'batch.members_added', 'batch.members_removed']);
  });

  it('refuses a CR that is already in another batch, naming that batch, and writes nothing', async () => {
    const { manager, cr, actions } = await world();
    const one = await cr('Rotate certificates');
    const other = await cr('Patch kernel');
    await createBatch(deps(), manager, { name: 'first', title: 'First', changes: [one.number] });
    const error = await failure(
      createBatch(deps(), manager, { name: 'second', title: 'Second', changes: [other.number, one.number] }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toContain(`${one.number} is already in BAT0000001 (first)`);
    const again = await failure(addBatchMembers(deps(), manager, 'first', [one.number]));
    expect(again.code).toBe('conflict');
    expect((await listTenantBatches(deps(), manager)).map((b) => b.batch.name)).toEqual(['first']);
    // The refused create gave its number back.
    const next = await createBatch(deps(), manager, {
      name: 'second',
      title: 'Second',
      changes: [other.number],
    });
    expect(next.batch.number).toBe('BAT0000002');
    expect(await actions()).toEqual(['batch.created', 'batch.created']);
  });

  it('refuses closed and canceled CRs as members', async () => {
    const { manager, cr } = await world();
    const open = await cr('Open change');
    const canceled = await cr('Abandoned change');
    await cancelChangeRequest(deps(), manager, canceled.number, 'not needed');
    const error = await failure(
      createBatch(deps(), manager, { name: 'tidy', title: 'Tidy', changes: [open.number, canceled.number] }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toContain(`${canceled.number} is canceled; only open change requests`);
    await createBatch(deps(), manager, { name: 'tidy', title: 'Tidy' });
    expect((await failure(addBatchMembers(deps(), manager, 'tidy', [canceled.number]))).code).toBe(
      'conflict',
    );
    expect((await getBatch(deps(), manager, 'tidy')).glance.members).toEqual([]);
  });

  it('schedules every member into the batch window in one go and audits it', async () => {
    const { manager, cr, actions } = await world();
    const staging = await cr('Staging DB', { environment: 'staging' });
    const prod = await cr('Prod API', {
      plannedStart: '2026-04-01T10:00:00Z',
      plannedEnd: '2026-04-01T11:00:00Z',
    });
    await createBatch(deps(), manager, {
      name: 'night',
      title: 'Night',
      changes: [staging.number, prod.number],
    });
    const result = await scheduleBatch(deps(), manager, 'night', night);
    expect(result.members.map((m) => [m.changeRequest.number, m.outcome])).toEqual([
      [staging.number, 'rescheduled'],
      [prod.number, 'rescheduled'],
    ]);
    for (const ref of [staging.number, prod.number]) {
      const after = (await getChangeRequest(deps(), manager, ref)).changeRequest;
      expect([after.plannedStart, after.plannedEnd], ref).toEqual([ms(night.start), ms(night.end)]);
    }
    expect(result.detail.batch).toMatchObject({ plannedStart: ms(night.start), plannedEnd: ms(night.end) });
    // A second run with the batch's own window changes nothing.
    const again = await scheduleBatch(deps(), manager, 'night', {});
    expect(again.members.map((m) => m.outcome)).toEqual(['unchanged', 'unchanged']);
    expect(await actions()).toEqual(['batch.created', 'batch.scheduled', 'batch.scheduled']);
  });

  it('refuses the whole batch when a freeze covers the window for one member, naming it, and changes nothing', async () => {
    const { manager, cr, actions } = await world();
    const staging = await cr('Staging DB', { environment: 'staging' });
    const prod = await cr('Prod API');
    await createWindow(deps(), manager, {
      name: 'quarter-close',
      kind: 'freeze',
      start: '2026-03-07T00:00:00Z',
      end: '2026-03-09T00:00:00Z',
      environments: ['prod'],
      reason: 'quarter close',
    });
    await createBatch(deps(), manager, {
      name: 'night',
      title: 'Night',
      changes: [staging.number, prod.number],
    });
    const error = await failure(scheduleBatch(deps(), manager, 'night', night));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain(
      `BAT0000001 cannot be scheduled for 2026-03-07T22:00:00.000Z – 2026-03-08T02:00:00.000Z: ${prod.number} is blocked by freeze 'quarter-close'`,
    );
    expect(error.message).toContain('Nothing was changed');
    expect(error.details).toMatchObject({ field: 'window', members: [prod.number] });
    for (const ref of [staging.number, prod.number])
      expect((await getChangeRequest(deps(), manager, ref)).changeRequest.plannedStart, ref).toBeNull();
    expect((await getBatch(deps(), manager, 'night')).batch.plannedStart).toBeNull();
    expect(await actions()).toEqual(['batch.created']);
  });

  it('refuses to re-plan approved members unless told to withdraw their approval', async () => {
    const { manager, requester, cr } = await world();
    const approved = await cr('Approved for April', {
      plannedStart: '2026-04-01T10:00:00Z',
      plannedEnd: '2026-04-01T11:00:00Z',
    });
    await requestApproval(deps(), requester, approved.number);
    await decideChangeApproval(deps(), manager, approved.number, 'approved', undefined);
    const fresh = await cr('Not yet requested');
    await createBatch(deps(), manager, {
      name: 'night',
      title: 'Night',
      changes: [approved.number, fresh.number],
    });

    const error = await failure(scheduleBatch(deps(), manager, 'night', night));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain(`would withdraw the approval of ${approved.number} (approved)`);
    expect(error.message).toContain('--withdraw-approvals');
    const untouched = (await getChangeRequest(deps(), manager, approved.number)).changeRequest;
    expect(untouched).toMatchObject({
      state: 'scheduled',
      approval: 'approved',
      plannedStart: ms('2026-04-01T10:00:00Z'),
    });
    expect((await getChangeRequest(deps(), manager, fresh.number)).changeRequest.plannedStart).toBeNull();

    const result = await scheduleBatch(deps(), manager, 'night', { ...night, withdrawApprovals: true });
    expect(result.members.map((m) => [m.changeRequest.number, m.outcome])).toEqual([
      [approved.number, 'approval_withdrawn'],
      [fresh.number, 'rescheduled'],
    ]);
    const after = (await getChangeRequest(deps(), manager, approved.number)).changeRequest;
    expect(after).toMatchObject({
      state: 'assess',
      approval: 'not_requested',
      plannedStart: ms(night.start),
    });
  });

  it('approves every member awaiting the approver, refuses the one they requested, and reports each', async () => {
    const { manager, requester, cr } = await world();
    const first = await cr('Deploy billing', plan);
    const own = await cr('Manager’s own change', plan, manager);
    const second = await cr('Deploy search', plan);
    const idle = await cr('Not requested yet', plan);
    for (const [c, by] of [
      [first, requester],
      [own, manager],
      [second, requester],
    ] as const)
      await requestApproval(deps(), by, c.number);
    await createBatch(deps(), manager, {
      name: 'night',
      title: 'Night',
      ...night,
      changes: [first.number, own.number, second.number, idle.number],
    });

    const report = await approveBatch(deps(), manager, 'night', 'CAB 2026-03-05');
    expect(report.results.map((r) => [r.number, r.outcome, r.code])).toEqual([
      [first.number, 'approved', null],
      [own.number, 'refused', 'separation_of_duties'],
      [second.number, 'approved', null],
      [idle.number, 'skipped', null],
    ]);
    expect(report.results[1]?.reason).toContain('requested');
    expect(report).toMatchObject({ counted: 2, refused: 1, failed: 0, skipped: 1 });
    for (const c of [first, second])
      expect((await getChangeRequest(deps(), manager, c.number)).changeRequest).toMatchObject({
        state: 'scheduled',
        approval: 'approved',
      });
    expect((await getChangeRequest(deps(), manager, own.number)).changeRequest.approval).toBe('requested');
    const comments = (await getChangeRequest(deps(), manager, first.number)).approvals.map((a) => a.comment);
    expect(comments).toEqual(['CAB 2026-03-05']);
  });

  it('shows the batch at a glance: counts, what each member waits for, and the ready verdict', async () => {
    const { manager, requester, cr } = await world();
    const a = await cr('Schema change', plan);
    const b = await cr('API deploy', plan);
    await requestApproval(deps(), requester, a.number);
    await createBatch(deps(), manager, {
      name: 'night',
      title: 'Night',
      ...night,
      changes: [a.number, b.number],
    });

    const before = (await getBatch(deps(), manager, 'BAT0000001')).glance;
    expect(before.phase).toBe('awaiting_approval');
    expect(before.ready).toBe(false);
    expect(before.counts.byState).toMatchObject({ authorize: 1, new: 1, scheduled: 0 });
    expect(before.counts.byApproval).toMatchObject({ requested: 1, not_requested: 1, approved: 0 });
    expect(before.members.map((m) => m.waitsFor)).toEqual([
      'approval',
      `an approval request (changegate cr request-approval ${b.number})`,
    ]);
    expect(before.blockers).toEqual([`${a.number} waits for approval`, expect.stringContaining(b.number)]);

    await requestApproval(deps(), requester, b.number);
    await approveBatch(deps(), manager, 'night', undefined);
    const after = (await getBatch(deps(), manager, 'night')).glance;
    expect(after).toMatchObject({ phase: 'ready', ready: true, blockers: [] });
    expect(after.counts.byState).toMatchObject({ scheduled: 2 });
    expect(after.members.map((m) => m.waitsFor)).toEqual([
      `its window, from ${night.start.replace('Z', '.000Z')}`,
      `its window, from ${night.start.replace('Z', '.000Z')}`,
    ]);

    // A member re-planned out of the window blocks the verdict again (its approval is withdrawn).
    await updateChangeRequestFields(deps(), requester, b.number, { plannedEnd: '2026-03-08T03:00:00Z' });
    const moved = (await getBatch(deps(), manager, 'night')).glance;
    expect(moved.ready).toBe(false);
    expect(moved.blockers).toEqual([expect.stringContaining(`${b.number} waits for an approval request`)]);
  });

  it('keeps batches inside their tenant: another tenant’s batch and CRs are not found', async () => {
    const mine = await world();
    const theirs = await world();
    const cr = await theirs.cr('Their change');
    await createBatch(deps(), theirs.manager, { name: 'theirs', title: 'Theirs', changes: [cr.number] });
    for (const ref of ['BAT0000001', 'theirs'])
      expect((await failure(getBatch(deps(), mine.manager, ref))).code, ref).toBe('not_found');
    expect((await failure(scheduleBatch(deps(), mine.manager, 'BAT0000001', night))).code).toBe('not_found');
    expect((await failure(approveBatch(deps(), mine.manager, 'BAT0000001', undefined))).code).toBe(
      'not_found',
    );
    await createBatch(deps(), mine.manager, { name: 'mine', title: 'Mine' });
    for (const ref of [cr.number, cr.id])
      expect((await failure(addBatchMembers(deps(), mine.manager, 'mine', [ref]))).code, ref).toBe(
        'not_found',
      );
    expect(await listTenantBatches(deps(), mine.manager)).toHaveLength(1);
  });

  it('refuses bad input with the field named', async () => {
    const { manager } = await world();
    const half = await failure(createBatch(deps(), manager, { name: 'x', title: 'X', start: night.start }));
    expect(half).toMatchObject({ code: 'invalid_input', details: { field: 'end' } });
    const reversed = await failure(
      createBatch(deps(), manager, { name: 'x', title: 'X', start: night.end, end: night.start }),
    );
    expect(reversed.message).toBe('end: must be after start');
    expect(
      (await failure(createBatch(deps(), manager, { name: 'Not A Slug', title: 'X' }))).details.field,
    ).toBe('name');
    await createBatch(deps(), manager, { name: 'x', title: 'X' });
    const noWindow = await failure(scheduleBatch(deps(), manager, 'x', {}));
    expect(noWindow.message).toContain('BAT0000001 has no window yet');
    expect((await failure(addBatchMembers(deps(), manager, 'x', []))).details.field).toBe('changes');
  });

  it('undoes only a refused member’s writes when the whole batch approval runs in one transaction (HTTP)', async () => {
    const { manager, requester, cr } = await world();
    await createWindow(deps(), manager, { name: 'night-freeze', kind: 'freeze', ...night, reason: 'peak' });
    const risky = await cr('Swap payment keys', { ...plan, risk: 'high', components: ['payments'] });
    const calm = await cr('Tune cache TTL', {
      plannedStart: '2026-03-09T10:00:00Z',
      plannedEnd: '2026-03-09T11:00:00Z',
    });
    for (const c of [risky, calm]) await requestApproval(deps(), requester, c.number);
    // The freeze lets `risky` through (override), then the major incident refuses it: the freeze note
    // written on the way must not survive the refusal.
    await grantWindowOverride(deps(), manager, 'night-freeze', {
      changeRequestId: risky.number,
      reason: 'keys expire',
    });
    await createIncident(deps(), manager, {
      title: 'Card payments failing',
      major: true,
      commander: 'carol@example.com',
      components: ['payments'],
      environment: 'prod',
    });
    const batch = await createBatch(deps(), manager, {
      name: 'keys-and-cache',
      title: 'Keys and cache',
      changes: [risky.number, calm.number],
    });
    const approver: Actor = { ...manager, name: 'alex@example.com', role: 'approver' };
    const result = await inTransaction(deps().db, (tx) =>
      approveBatch({ ...deps(), db: tx as unknown as App['deps']['db'] }, approver, batch.batch.number, 'ok'),
    );
    expect(result.results.map((r) => [r.number, r.outcome, r.code])).toEqual([
      [risky.number, 'refused', 'conflict'],
      [calm.number, 'approved', null],
    ]);
    const log = await readAuditLog(deps(), manager, { changeRequest: risky.number });
    expect(log.map((e) => e.action)).not.toContain('change_request.freeze_bypassed');
    expect((await getChangeRequest(deps(), manager, calm.number)).changeRequest.approval).toBe('approved');
    expect((await getChangeRequest(deps(), manager, risky.number)).comments).toEqual([]);
  });
});
