import { createHash, randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';
import type { DeploymentDto } from '../api/pipeline-schemas.js';
import { localApi } from '../client/local-api.js';
import { remoteApi } from '../client/remote-api.js';
import { authenticateToken } from '../services/access/token-service.js';

const hex = (seed: string, length: number) =>
  createHash('sha256').update(seed).digest('hex').slice(0, length);

/** An inventory entry as CI sends it; its artifact is the asset evidence names. */
function entry(name: string, version: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    version,
    artifact: `docker://registry.example.com/${name}@sha256:${hex(`${name}@${version}`, 64)}`,
    commitSha: hex(`commit ${name}@${version}`, 40),
    repositoryUrl: `https://github.com/acme/${name}`,
    pipelineRunId: `ci-${name}-${version}`,
    ...extra,
  };
}

/** A CycloneDX 1.6 SBOM with `count` library components. */
function sbom(name: string, count: number) {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    serialNumber: `urn:uuid:${randomUUID()}`,
    metadata: { component: { type: 'application', name, version: '1.0.0', 'bom-ref': name } },
    components: Array.from({ length: count }, (_, k) => {
      const purl = `pkg:npm/%40acme/${name}-dep-${k}@1.${k}.0`;
      return {
        type: 'library',
        name: `${name}-dep-${k}`,
        version: `1.${k}.0`,
        description: `Dependency ${k} of ${name}, here to give the request body a realistic size`,
        purl,
        'bom-ref': purl,
        hashes: [{ alg: 'SHA-256', content: hex(purl, 64) }],
      };
    }),
  };
}

const promotionFields = {
  priority: 'moderate',
  assignee: 'dev@example.com',
  customerImpact: 'low',
  deploymentImpact: 'small',
};

const config = {
  environments: [
    { name: 'prod', purpose: 'production' },
    { name: 'stage', purpose: 'pre_prod' },
    { name: 'remote-prod', purpose: 'production', rollbackEnabled: true },
  ],
};

describe.each(dialects)('pipeline HTTP API on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let admin: string;
  let pipeline: string;
  let approver: string;
  let viewer: string;

  beforeAll(async () => {
    s = await testServer(dialect, 'pipeline-http');
    admin = await tokenFor(s.app, 'default', 'admin@example.com', 'admin');
    pipeline = await tokenFor(s.app, 'default', 'ci-bot', 'pipeline');
    approver = await tokenFor(s.app, 'default', 'appr@example.com', 'approver');
    viewer = await tokenFor(s.app, 'default', 'viewer@example.com', 'viewer');
    const applied = await s.call(admin, {
      method: 'PUT',
      url: '/api/v1/config',
      payload: { document: config, source: 'changegate.yaml' },
    });
    expect(applied.statusCode, applied.body).toBe(200);
  });
  afterAll(() => s?.close());

  const post = (token: string, url: string, payload: object, headers: Record<string, string> = {}) =>
    s.call(token, { method: 'POST', url, payload, headers });
  const get = (token: string, url: string) => s.call(token, { method: 'GET', url });

  /** Records a build of `name` with passing unit tests, and promotes it alone from CI to `target`. */
  async function buildAndPromote(name: string, version: string, target: string) {
    const built = entry(name, version);
    const added = await post(pipeline, '/api/v1/inventory/entries', { entries: [built] });
    expect(added.statusCode, added.body).toBe(200);
    const evidence = await post(pipeline, '/api/v1/evidence', {
      evidenceTypeId: 'unit_tests',
      result: 'success',
      tool: 'vitest',
      assets: [built.artifact],
    });
    expect(evidence.statusCode, evidence.body).toBe(201);
    const promoted = await post(pipeline, '/api/v1/promotions', {
      target,
      include: [name],
      fields: promotionFields,
    });
    expect(promoted.statusCode, promoted.body).toBe(201);
    return { built, evidence: evidence.json(), promotion: promoted.json() };
  }

  it('documents the pipeline operations in a valid OpenAPI document', async () => {
    const doc = (await s.call(null, { method: 'GET', url: '/api/openapi.json' })).json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/config',
        '/api/v1/inventory',
        '/api/v1/inventory/entries',
        '/api/v1/inventory/labels',
        '/api/v1/evidence',
        '/api/v1/evidence/summary',
        '/api/v1/promotions',
        '/api/v1/deployments',
        '/api/v1/deployments/{run}',
        '/api/v1/deployments/{run}/await-approval',
        '/api/v1/deployments/{run}/lock',
        '/api/v1/deployments/{run}/finish',
        '/api/v1/rollbacks',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/config'])).toEqual(['get', 'put']);
    const finish = doc.paths['/api/v1/deployments/{run}/finish'].post;
    expect(finish.responses['200'].content['application/json'].schema.required).toContain('changeRequest');
  });

  it('keeps the policy from viewers and from the pipeline it gates, and deployments from approvers', async () => {
    const before = (await get(viewer, '/api/v1/config')).json();
    expect(before).toMatchObject({ version: 1, appliedBy: 'admin@example.com' });
    expect(before.environments.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(['prod', 'stage', 'remote-prod']),
    );
    const weaker = { document: { environments: [] }, source: 'mine.yaml' };
    for (const token of [viewer, pipeline]) {
      const res = await s.call(token, { method: 'PUT', url: '/api/v1/config', payload: weaker });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: { permission: 'config:apply' } });
    }
    const deploy = await post(approver, '/api/v1/deployments', { environment: 'prod' });
    expect(deploy.statusCode).toBe(403);
    expect(deploy.json().error).toMatchObject({
      code: 'forbidden',
      details: { permission: 'deployment:run' },
    });
    expect((await get(viewer, '/api/v1/config')).json().version).toBe(1);
  });

  it('applies nothing when the document is bad, naming the field', async () => {
    const res = await s.call(admin, {
      method: 'PUT',
      url: '/api/v1/config',
      payload: { document: { environments: [{ name: 'qa', purpose: 'testing' }] } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'invalid_input',
      details: { field: 'environments[0].purpose' },
    });
    expect((await get(viewer, '/api/v1/config')).json().version).toBe(1);
    const envelope = await s.call(admin, { method: 'PUT', url: '/api/v1/config', payload: { doc: {} } });
    expect(envelope.json().error).toMatchObject({ code: 'invalid_input' });
  });

  it('accepts an inventory batch of several megabytes (100 entries with 200-component SBOMs); other routes keep 1 MiB', async () => {
    const entries = Array.from({ length: 100 }, (_, i) =>
      entry(`bulk-svc-${i}`, '1.0.0', { sbom: sbom(`bulk-svc-${i}`, 200) }),
    );
    const payload = JSON.stringify({ environment: 'bulk', entries });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(4 * 1024 * 1024);
    const res = await s.call(pipeline, {
      method: 'POST',
      url: '/api/v1/inventory/entries',
      payload,
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const added = res.json();
    expect(added).toMatchObject({ updated: true, environment: 'bulk', revision: { seq: 1 } });
    expect(added.entries).toHaveLength(100);
    expect(added.entries.every((e: { hasSbom: boolean }) => e.hasSbom)).toBe(true);

    const big = await post(pipeline, '/api/v1/change-requests', {
      ...validChange,
      description: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'payload_too_large', details: { limit: 1024 * 1024 } });
  });

  it('deploys over HTTP: inventory, evidence, promotion, begin (idempotent), lock, finish; labels follow', async () => {
    const { built, evidence, promotion } = await buildAndPromote('svc-pay', '2.4.1', 'prod');
    expect(promotion).toMatchObject({ source: 'master', target: 'prod', delta: [{ name: 'svc-pay' }] });
    const listed = await get(viewer, `/api/v1/evidence?asset=${encodeURIComponent(built.artifact)}`);
    expect(listed.json().map((e: { id: string }) => e.id)).toEqual([evidence.id]);
    const summary = (await get(viewer, '/api/v1/evidence/summary?environment=prod')).json();
    expect(summary).toMatchObject({
      environment: 'prod',
      promotionId: promotion.id,
      readiness: { ready: true },
    });

    const key = randomUUID();
    const begin = () =>
      post(
        pipeline,
        '/api/v1/deployments',
        { environment: 'prod', pipelineRunId: 'cd-42' },
        { 'idempotency-key': key },
      );
    const begun = await begin();
    expect(begun.statusCode, begun.body).toBe(201);
    const run: DeploymentDto = begun.json();
    expect(run).toMatchObject({
      environment: 'prod',
      pipelineRunId: 'cd-42',
      phase: 'implementing',
      deploymentReady: true,
      changeRequest: { approval: 'approved', state: 'implement' },
    });
    const retried = await begin();
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.json().runId).toBe(run.runId);

    expect((await get(viewer, `/api/v1/deployments/cd-42`)).json()).toMatchObject({ runId: run.runId });
    const renewed = await post(pipeline, `/api/v1/deployments/${run.runId}/lock`, { lockTtlSeconds: 600 });
    expect(renewed.statusCode).toBe(204);
    expect(renewed.body).toBe('');

    const finishKey = randomUUID();
    const finish = () =>
      post(
        pipeline,
        `/api/v1/deployments/${run.runId}/finish`,
        {
          deployStatus: 'success',
          acceptanceStatus: 'success',
          stages: [{ name: 'deploy', status: 'success', durationMs: 1200 }],
        },
        { 'idempotency-key': finishKey },
      );
    const finished = await finish();
    expect(finished.statusCode, finished.body).toBe(200);
    expect(finished.json()).toMatchObject({
      runId: run.runId,
      phase: 'finished',
      status: 'successful_deployment',
      changeRequest: { state: 'closed', closeCategory: 'successful' },
    });
    const again = await finish();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(finished.json());
    const unreplayed = await post(pipeline, `/api/v1/deployments/${run.runId}/finish`, {
      deployStatus: 'success',
    });
    expect(unreplayed.json().error).toMatchObject({ code: 'illegal_transition' });

    const deployed = (await get(viewer, '/api/v1/inventory?environment=prod&label=prod_latest')).json();
    expect(deployed.entries.map((e: { name: string; version: string }) => [e.name, e.version])).toEqual([
      ['svc-pay', '2.4.1'],
    ]);
    const labels = (await get(viewer, '/api/v1/inventory/labels?environment=prod')).json();
    expect(labels.map((l: { label: string }) => l.label)).toEqual(
      expect.arrayContaining(['prod_latest', 'cd-42', run.changeRequest.number]),
    );
    const relock = await post(pipeline, `/api/v1/deployments/${run.runId}/lock`, {});
    expect(relock.statusCode).toBe(409);
  });

  it('answers a waiting await-approval soon after another token approves the CR', async () => {
    await buildAndPromote('svc-queue', '1.0.0', 'stage');
    const begun = await post(pipeline, '/api/v1/deployments', { environment: 'stage', outageMinutes: 30 });
    expect(begun.statusCode, begun.body).toBe(201);
    const run: DeploymentDto = begun.json();
    expect(run).toMatchObject({ phase: 'awaiting_approval', status: 'awaiting_approval' });
    const look = await post(pipeline, `/api/v1/deployments/${run.runId}/await-approval`, { waitMs: 0 });
    expect(look.json()).toMatchObject({ runId: run.runId, phase: 'awaiting_approval' });
    const early = await post(pipeline, `/api/v1/deployments/${run.runId}/finish`, {
      deployStatus: 'success',
    });
    expect(early.json().error).toMatchObject({ code: 'illegal_transition' });

    // Asked for a minute, the server waits at most 25 s: the approval below must end it long before.
    const waiting = post(pipeline, `/api/v1/deployments/${run.runId}/await-approval`, { waitMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const approved = await post(approver, `/api/v1/change-requests/${run.changeRequest.number}/approve`, {
      comment: 'go',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const approvedAt = performance.now();
    const res = await waiting;
    const afterApprovalMs = Math.round(performance.now() - approvedAt);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json(), `answered ${afterApprovalMs} ms after the approval`).toMatchObject({
      phase: 'implementing',
      changeRequest: { approval: 'approved', state: 'implement' },
    });
  });

  it('gives the same answers through the remote client, which long-polls approval in short calls', async () => {
    const actor = await authenticateToken(s.app.deps, pipeline);
    if (!actor) throw new Error('pipeline token not found');
    const awaitCalls: number[] = [];
    const remote = remoteApi({
      server: 'http://changegate.test',
      token: pipeline,
      approvalPollMs: 200,
      fetch: async (input, init) => {
        const url = new URL(String(input));
        const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
        if (url.pathname.endsWith('/await-approval')) awaitCalls.push(JSON.parse(body ?? '{}').waitMs);
        const res = await s.fastify.inject({
          method: init?.method as 'GET',
          url: url.pathname + url.search,
          headers: init?.headers as Record<string, string>,
          ...(body === undefined ? {} : { payload: body }),
        });
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, String(v));
        return new Response(res.statusCode === 204 ? null : res.rawPayload, {
          status: res.statusCode,
          headers,
        });
      },
    });
    const local = localApi(s.app, actor);
    expect(await remote.getConfig()).toEqual(await local.getConfig());

    const first = entry('svc-edge', '1.0.0');
    await remote.addInventory({ entries: [first] });
    await remote.addEvidence({
      evidenceTypeId: 'unit_tests',
      result: 'success',
      tool: 'vitest',
      assets: [first.artifact],
    });
    await remote.promote({ target: 'remote-prod', include: ['svc-edge'], fields: promotionFields });
    expect(await remote.evidenceSummary('remote-prod')).toEqual(await local.evidenceSummary('remote-prod'));
    const begun = await remote.beginDeployment({ environment: 'remote-prod', outageMinutes: 5 });
    expect(begun.phase).toBe('awaiting_approval');

    const waited = await remote.awaitDeploymentApproval(begun.runId, 700);
    expect(waited.phase).toBe('awaiting_approval');
    expect(awaitCalls.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...awaitCalls)).toBeLessThanOrEqual(200);

    const approval = remote.awaitDeploymentApproval(begun.runId, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await post(approver, `/api/v1/change-requests/${begun.changeRequest.number}/approve`, {});
    const cleared = await approval;
    expect(cleared.phase).toBe('implementing');
    await expect(remote.renewDeploymentLock(begun.runId, 300)).resolves.toBeUndefined();
    const done = await remote.finishDeployment(begun.runId, {
      deployStatus: 'success',
      acceptanceStatus: 'success',
    });
    expect(done).toMatchObject({ status: 'successful_deployment', changeRequest: { state: 'closed' } });
    expect(await remote.getDeployment(begun.runId)).toEqual(await local.getDeployment(begun.runId));

    const second = entry('svc-edge', '1.1.0');
    await remote.addInventory({ entries: [second] });
    await remote.addEvidence({
      evidenceTypeId: 'unit_tests',
      result: 'success',
      tool: 'vitest',
      assets: [second.artifact],
    });
    await remote.promote({ target: 'remote-prod', include: ['svc-edge'], fields: promotionFields });
    const next = await remote.beginDeployment({ environment: 'remote-prod' });
    expect(next.phase).toBe('implementing');
    await remote.finishDeployment(next.runId, { deployStatus: 'success', acceptanceStatus: 'success' });

    const rollback = await remote.beginRollback({
      environment: 'remote-prod',
      changeRequestId: begun.changeRequest.number,
    });
    expect(rollback).toMatchObject({
      flow: 'rollback',
      phase: 'implementing',
      delta: [{ name: 'svc-edge' }],
    });
    expect(
      (await remote.getInventory({ environment: 'remote-prod', label: rollback.pipelineRunId })).entries,
    ).toMatchObject([{ name: 'svc-edge', version: '1.0.0' }]);
    expect((await remote.listInventoryLabels('remote-prod')).map((l) => l.label)).toContain(
      'remote-prod_latest',
    );
    expect(await remote.listEvidence({ asset: second.artifact })).toEqual(
      await local.listEvidence({ asset: second.artifact }),
    );
    await expect(remote.getDeployment('no-such-run')).rejects.toMatchObject({ code: 'not_found' });
  });
});
