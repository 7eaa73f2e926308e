import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';

describe.each(dialects)('groups and components over HTTP on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let manager: string;
  let requester: string;
  let viewer: string;
  let pipeline: string;

  beforeAll(async () => {
    s = await testServer(dialect, 'catalog-http');
    manager = await tokenFor(s.app, 'default', 'cm@example.com', 'change_manager');
    requester = await tokenFor(s.app, 'default', 'req@example.com', 'requester');
    viewer = await tokenFor(s.app, 'default', 'viewer@example.com', 'viewer');
    pipeline = await tokenFor(s.app, 'default', 'ci-bot', 'pipeline');
    const env = await s.call(manager, {
      method: 'POST',
      url: '/api/v1/environments',
      payload: { name: 'prod', purpose: 'production' },
    });
    expect(env.statusCode).toBe(201);
  });
  afterAll(() => s?.close());

  const post = (token: string, url: string, payload: object, headers = {}) =>
    s.call(token, { method: 'POST', url, payload, headers });

  it('lets every role read the registry and only change managers and admins change it', async () => {
    for (const token of [viewer, requester, pipeline]) {
      const denied = await post(token, '/api/v1/groups', { name: 'nope' });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.message).toMatch(/lacks the permission 'catalog:manage'/);
      expect((await s.call(token, { method: 'GET', url: '/api/v1/groups' })).statusCode).toBe(200);
      expect((await s.call(token, { method: 'GET', url: '/api/v1/components' })).statusCode).toBe(200);
    }
  });

  it('manages a group and its members, with names and emails in the path', async () => {
    const created = await post(manager, '/api/v1/groups', {
      name: 'payments',
      description: 'Payments team',
      members: ['alice@example.com'],
      idpGroups: ['okta-payments'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'payments',
      members: ['alice@example.com'],
      idpGroups: ['okta-payments'],
      createdBy: 'cm@example.com',
    });
    const added = await post(manager, '/api/v1/groups/payments/members', { member: 'Bob@Example.com' });
    expect(added.json().members).toEqual(['alice@example.com', 'bob@example.com']);
    const again = await post(manager, '/api/v1/groups/payments/members', { member: 'bob@example.com' });
    expect(again.statusCode).toBe(409);
    const removed = await s.call(manager, {
      method: 'DELETE',
      url: `/api/v1/groups/payments/members/${encodeURIComponent('alice@example.com')}`,
    });
    expect(removed.json().members).toEqual(['bob@example.com']);
    const patched = await s.call(manager, {
      method: 'PATCH',
      url: '/api/v1/groups/payments',
      payload: { idpGroups: null },
    });
    expect(patched.json()).toMatchObject({ idpGroups: [], description: 'Payments team' });
    const got = await s.call(viewer, { method: 'GET', url: '/api/v1/groups/payments' });
    expect(got.json()).toEqual(patched.json());
    const dup = await post(manager, '/api/v1/groups', { name: 'payments' });
    expect(dup.json().error).toMatchObject({ code: 'conflict', message: "group 'payments' already exists" });
    const bad = await post(manager, '/api/v1/groups', { name: 'Bad Name' });
    expect(bad.json().error.details.field).toBe('name');
    const extra = await post(manager, '/api/v1/groups', { name: 'x', owner: 'y' });
    expect(extra.statusCode).toBe(400);
    expect((await s.call(viewer, { method: 'GET', url: '/api/v1/groups/%00' })).statusCode).toBe(404);
  });

  it('manages components named like inventory entries, and refuses to orphan them', async () => {
    await post(manager, '/api/v1/groups', { name: 'platform' });
    const created = await post(manager, '/api/v1/components', {
      name: 'team/api@eu',
      ownerGroup: 'platform',
      criticality: 'tier2',
      environments: ['prod'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      ownerGroup: 'platform',
      environments: ['prod'],
      description: null,
    });
    const url = `/api/v1/components/${encodeURIComponent('team/api@eu')}`;
    expect((await s.call(viewer, { method: 'GET', url })).json()).toEqual(created.json());
    const badTier = await post(manager, '/api/v1/components', {
      name: 'x',
      ownerGroup: 'platform',
      criticality: 'gold',
    });
    expect(badTier.statusCode).toBe(400);
    const noOwner = await post(manager, '/api/v1/components', {
      name: 'x',
      ownerGroup: 'nobody',
      criticality: 'tier4',
    });
    expect(noOwner.json().error).toMatchObject({ code: 'invalid_input', details: { field: 'ownerGroup' } });

    const refused = await s.call(manager, { method: 'DELETE', url: '/api/v1/groups/platform' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details.components).toEqual(['team/api@eu']);

    const patched = await s.call(manager, {
      method: 'PATCH',
      url,
      payload: { criticality: 'tier1', description: 'Public API' },
    });
    expect(patched.json()).toMatchObject({ criticality: 'tier1', description: 'Public API' });
    expect((await s.call(manager, { method: 'DELETE', url })).json().name).toBe('team/api@eu');
    expect((await s.call(viewer, { method: 'GET', url })).statusCode).toBe(404);
    expect((await s.call(manager, { method: 'DELETE', url: '/api/v1/groups/platform' })).statusCode).toBe(
      200,
    );
  });

  it('replays a group create with the same Idempotency-Key', async () => {
    const key = { 'idempotency-key': 'group-once' };
    const first = await post(manager, '/api/v1/groups', { name: 'once' }, key);
    const again = await post(manager, '/api/v1/groups', { name: 'once' }, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('carries components on change requests, checked against the registry once there is one', async () => {
    const registered = (await s.call(viewer, { method: 'GET', url: '/api/v1/components' })).json();
    expect(registered).toEqual([]);
    const free = await post(requester, '/api/v1/change-requests', { ...validChange, components: ['b', 'a'] });
    expect(free.statusCode).toBe(201);
    expect(free.json().components).toEqual(['a', 'b']);
    const plain = await post(requester, '/api/v1/change-requests', validChange);
    expect(plain.json().components).toEqual([]);

    await post(manager, '/api/v1/groups', { name: 'web-team' });
    await post(manager, '/api/v1/components', { name: 'web', ownerGroup: 'web-team', criticality: 'tier3' });
    const unknown = await post(requester, '/api/v1/change-requests', { ...validChange, components: ['a'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toBe(
      "components: 'a' is not registered; use one of: web, or register it with changegate component create",
    );
    const patched = await s.call(requester, {
      method: 'PATCH',
      url: `/api/v1/change-requests/${plain.json().number}`,
      payload: { components: ['web'] },
    });
    expect(patched.json().components).toEqual(['web']);
    const detail = await s.call(viewer, {
      method: 'GET',
      url: `/api/v1/change-requests/${plain.json().number}`,
    });
    expect(detail.json().components).toEqual(['web']);
  });
});
