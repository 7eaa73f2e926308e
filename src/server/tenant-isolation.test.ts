import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../test/support/actors.js';
import { dialects } from '../../test/support/dialects.js';
import { testServer } from '../../test/support/server.js';
import { requireTenant } from '../services/access/tenant-service.js';
import { insertOutboxEvent } from '../store/outbox.js';

/** A valid request body per operation, so that a 404 cannot hide behind a 400. */
const bodies: Record<string, unknown> = {
  'patch /api/v1/change-requests/{ref}': { description: 'taken over' },
  'post /api/v1/change-requests/{ref}/approve': { comment: 'ok' },
  'post /api/v1/change-requests/{ref}/reject': { comment: 'no' },
  'post /api/v1/change-requests/{ref}/transitions': { to: 'assess' },
  'post /api/v1/change-requests/{ref}/comments': { body: 'hello' },
  'post /api/v1/change-requests/{ref}/close': { category: 'successful' },
  'post /api/v1/change-requests/{ref}/cancel': { reason: 'mine now' },
  'post /api/v1/unauthorized-changes/{uac}/resolve': { note: 'taken over' },
  'post /api/v1/deployments/{run}/await-approval': { waitMs: 0 },
  'post /api/v1/deployments/{run}/lock': { lockTtlSeconds: 60 },
  'post /api/v1/deployments/{run}/finish': { deployStatus: 'success', acceptanceStatus: 'success' },
  'post /api/v1/windows/{window}/overrides': { changeRequestId: 'CHG0000001', reason: 'mine now' },
  'patch /api/v1/groups/{group}': { description: 'taken over' },
  'post /api/v1/groups/{group}/members': { member: 'intruder@example.com' },
  'patch /api/v1/components/{component}': { criticality: 'tier4' },
  'patch /api/v1/templates/{template}': { title: 'taken over' },
  'patch /api/v1/checklists/{category}': { items: ['taken-over'] },
  'post /api/v1/change-requests/{ref}/checklist/checks': { item: 'b-secret-item' },
  'post /api/v1/batches/{batch}/members': { changes: ['CHG0000001'] },
  'post /api/v1/batches/{batch}/schedule': { start: '2099-02-01T00:00:00Z', end: '2099-02-01T04:00:00Z' },
  'post /api/v1/batches/{batch}/approve': { comment: 'ok' },
  'post /api/v1/incidents/{incident}/links': { changeRequestId: 'CHG0000001' },
  'post /api/v1/incidents/{incident}/authorizations': { changeRequestId: 'CHG0000001', reason: 'mine now' },
  'patch /api/v1/incidents/{incident}': { title: 'taken over' },
  'post /api/v1/problems/{problem}/incidents': { incident: 'INC0000001' },
  'post /api/v1/problems/{problem}/root-cause': { text: 'taken over' },
  'post /api/v1/problems/{problem}/fix': { changeRequestId: 'CHG0000001' },
  'post /api/v1/incidents/{incident}/causes/{ref}/confirm': { note: 'mine now' },
  'post /api/v1/incidents/{incident}/causes/{ref}/reject': { note: 'mine now' },
};

/** Query strings for reads that need one; each names what B holds under the same name in its tenant. */
const queries: Record<string, string> = {
  'get /api/v1/inventory': '?environment=shared-prod',
  'get /api/v1/inventory/labels': '?environment=shared-prod',
  'get /api/v1/evidence': '?pipelineRunId=b-secret-ci-run',
  'get /api/v1/evidence/summary': '?environment=shared-prod',
  // Sliced by team: another tenant's groups and components must not appear as slice keys.
  'get /api/v1/metrics': '?by=team&since=2020-01-01',
};

/** Writes without a path parameter that only ever create in the caller's tenant: nothing of B to name. */
const ownTenantWrites = new Set([
  'post /api/v1/change-requests',
  'post /api/v1/environments',
  'post /api/v1/tokens',
  'post /api/v1/tenants',
  'post /api/v1/audit/verify',
  'post /api/v1/audit/checkpoints',
  'put /api/v1/config',
  'post /api/v1/inventory/entries',
  'post /api/v1/evidence',
  'post /api/v1/promotions',
  'post /api/v1/windows',
  'post /api/v1/groups',
  'post /api/v1/components',
  'post /api/v1/templates',
  'post /api/v1/checklists',
  'post /api/v1/batches',
  'post /api/v1/incidents',
  'post /api/v1/problems',
  'post /api/v1/observations',
  // Retention purges the caller's tenant only; its body names no object.
  'post /api/v1/retention/run',
]);

/** An inventory entry of B's, and the config both tenants apply: the same environment name in each. */
const bEntry = {
  name: 'b-secret-svc',
  version: '9.9.9',
  artifact: `docker://registry.example.com/b-secret-svc@sha256:${'b'.repeat(64)}`,
  commitSha: 'b'.repeat(40),
  repositoryUrl: 'https://github.com/b-corp/b-secret-svc',
  pipelineRunId: 'b-secret-ci-run',
};
const sharedConfig = { document: { environments: [{ name: 'shared-prod', purpose: 'production' }] } };
const promotionFields = {
  priority: 'moderate',
  assignee: 'dev@example.com',
  customerImpact: 'low',
  deploymentImpact: 'small',
};

describe.each(dialects)('tenant isolation on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let a: string;
  let b: string;
  const secrets: string[] = [];
  const objects: Record<string, string> = {};

  beforeAll(async () => {
    s = await testServer(dialect, 'isolation');
    a = await tokenFor(s.app, 'default', 'admin-a@example.com', 'admin');
    b = await tokenFor(s.app, 'acme', 'admin-b@example.com', 'admin');
    const env = await s.call(b, {
      method: 'POST',
      url: '/api/v1/environments',
      payload: { name: 'b-only-env', purpose: 'production' },
    });
    const cr = await s.call(b, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: { ...validChange, title: 'B-SECRET-TITLE', environment: 'b-only-env' },
    });
    const attachment = await s.call(b, {
      method: 'POST',
      url: `/api/v1/change-requests/${cr.json().id}/attachments?name=b-secret.txt`,
      payload: 'B secret content',
      headers: { 'content-type': 'text/plain' },
    });
    const token = await s.call(b, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'b-pipeline', role: 'pipeline' },
    });
    // A freeze far in the future, so that B's own deployment below goes ahead.
    const freeze = await s.call(b, {
      method: 'POST',
      url: '/api/v1/windows',
      payload: {
        name: 'b-secret-freeze',
        kind: 'freeze',
        start: '2099-12-20T00:00:00Z',
        end: '2099-12-27T00:00:00Z',
        reason: 'B-SECRET-FREEZE-REASON',
      },
    });
    expect(freeze.statusCode, freeze.body).toBe(201);
    objects.window = freeze.json().name;
    objects.ref = cr.json().id;
    objects.number = cr.json().number;
    objects.attachmentId = attachment.json().id;
    objects.tokenId = token.json().token.id;
    // B's ownership registry: a group with a member, owning a component.
    const group = await s.call(b, {
      method: 'POST',
      url: '/api/v1/groups',
      payload: {
        name: 'b-secret-group',
        members: ['b-secret-member@example.com'],
        idpGroups: ['B-SECRET-IDP'],
      },
    });
    const component = await s.call(b, {
      method: 'POST',
      url: '/api/v1/components',
      payload: { name: 'b-secret/component', ownerGroup: 'b-secret-group', criticality: 'tier1' },
    });
    expect([group.statusCode, component.statusCode], `${group.body}${component.body}`).toEqual([201, 201]);
    objects.group = group.json().name;
    objects.member = 'b-secret-member@example.com';
    objects.component = component.json().name;
    // B's change models: a template and a checklist.
    const template = await s.call(b, {
      method: 'POST',
      url: '/api/v1/templates',
      payload: { name: 'b-secret-template', title: 'B-SECRET-TEMPLATE-TITLE', maxRisk: 'low' },
    });
    const checklist = await s.call(b, {
      method: 'POST',
      url: '/api/v1/checklists',
      payload: { category: 'b-secret-category', items: ['b-secret-item'] },
    });
    expect([template.statusCode, checklist.statusCode], `${template.body}${checklist.body}`).toEqual([
      201, 201,
    ]);
    objects.template = template.json().name;
    objects.category = checklist.json().category;
    // B's change batch, holding B's CR.
    const bBatch = await s.call(b, {
      method: 'POST',
      url: '/api/v1/batches',
      payload: { name: 'b-secret-batch', title: 'B-SECRET-BATCH-TITLE', changes: [cr.json().number] },
    });
    expect(bBatch.statusCode, bBatch.body).toBe(201);
    objects.batch = bBatch.json().number;
    objects.batchName = bBatch.json().name;
    secrets.push(bBatch.json().id, 'b-secret-batch', 'B-SECRET-BATCH-TITLE');
    // B's outbox (GET /api/v1/events): an escalation only B may read.
    const bEvent = s.app.deps.newId();
    await insertOutboxEvent(s.app.deps.db, {
      id: bEvent,
      tenantId: (await requireTenant(s.app.deps, 'acme')).id,
      topic: 'approval.step_escalated',
      payload: { tenant: 'acme', to: 'B-SECRET-ESCALATION-GROUP' },
      createdAt: s.app.deps.now(),
    });
    secrets.push(bEvent, 'B-SECRET-ESCALATION-GROUP');
    // B's major incident, linked to B's CR.
    const bIncident = await s.call(b, {
      method: 'POST',
      url: '/api/v1/incidents',
      payload: { title: 'B-SECRET-INCIDENT', major: true, commander: 'b-secret-commander@example.com' },
    });
    expect(bIncident.statusCode, bIncident.body).toBe(201);
    const bLink = await s.call(b, {
      method: 'POST',
      url: `/api/v1/incidents/${bIncident.json().number}/links`,
      payload: { changeRequestId: cr.json().number },
    });
    expect(bLink.statusCode, bLink.body).toBe(201);
    objects.incident = bIncident.json().number;
    // B's problem, from B's incident, fixed by B's CR.
    const bProblem = await s.call(b, {
      method: 'POST',
      url: '/api/v1/problems',
      payload: { title: 'B-SECRET-PROBLEM', incident: bIncident.json().number },
    });
    expect(bProblem.statusCode, bProblem.body).toBe(201);
    const bFix = await s.call(b, {
      method: 'POST',
      url: `/api/v1/problems/${bProblem.json().number}/fix`,
      payload: { changeRequestId: cr.json().number },
    });
    expect(bFix.statusCode, bFix.body).toBe(200);
    objects.problem = bProblem.json().number;
    objects.problemId = bProblem.json().id;
    secrets.push('B-SECRET-PROBLEM', bProblem.json().id);
    objects.incidentId = bIncident.json().id;
    secrets.push(bIncident.json().id, 'B-SECRET-INCIDENT', 'b-secret-commander');

    // B deploys to shared-prod; A has an environment of that name too, with its own inventory.
    const asB = async (method: 'POST' | 'PUT', url: string, payload: object) => {
      const res = await s.call(b, { method, url, payload });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      return res.json();
    };
    await asB('PUT', '/api/v1/config', sharedConfig);
    await asB('POST', '/api/v1/inventory/entries', { entries: [bEntry] });
    const evidence = await asB('POST', '/api/v1/evidence', {
      evidenceTypeId: 'unit_tests',
      result: 'success',
      tool: 'b-secret-tool',
      assets: [bEntry.artifact],
      pipelineRunId: bEntry.pipelineRunId,
    });
    const promotion = await asB('POST', '/api/v1/promotions', {
      target: 'shared-prod',
      fields: promotionFields,
    });
    const run = await asB('POST', '/api/v1/deployments', {
      environment: 'shared-prod',
      pipelineRunId: 'b-secret-cd-run',
    });
    expect(run.phase).toBe('implementing');
    objects.runId = run.runId;
    objects.phase = run.phase;
    // B's unauthorized change: a drift monitor saw something nobody deployed.
    const drift = await asB('POST', '/api/v1/observations', {
      environment: 'shared-prod',
      component: 'b-secret-drift',
      version: '6.6.6',
    });
    const uac = drift.observations[0].unauthorizedChange;
    objects.uac = uac.number;
    objects.uacId = uac.id;
    secrets.push('b-secret-drift', uac.id);
    const aEntry = {
      name: 'a-svc',
      version: '1.0.0',
      artifact: `docker://registry.example.com/a-svc@sha256:${'a'.repeat(64)}`,
      commitSha: 'a'.repeat(40),
      repositoryUrl: 'https://github.com/a-corp/a-svc',
      pipelineRunId: 'a-ci-run',
    };
    for (const [method, url, payload] of [
      ['PUT', '/api/v1/config', sharedConfig],
      ['POST', '/api/v1/inventory/entries', { entries: [aEntry] }],
      ['POST', '/api/v1/promotions', { target: 'shared-prod', fields: promotionFields }],
    ] as const) {
      const res = await s.call(a, { method, url, payload });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    }

    secrets.push(
      env.json().id,
      cr.json().id,
      attachment.json().id,
      token.json().token.id,
      'B-SECRET-TITLE',
      'b-only-env',
      'b-pipeline',
      'b-secret-svc',
      'b-secret-tool',
      'b-secret-cd-run',
      'b-secret-freeze',
      'b-secret-group',
      'b-secret-member',
      'B-SECRET-IDP',
      'b-secret/component',
      'b-secret-template',
      'B-SECRET-TEMPLATE-TITLE',
      'b-secret-category',
      'b-secret-item',
      template.json().id,
      checklist.json().id,
      group.json().id,
      component.json().id,
      'B-SECRET-FREEZE-REASON',
      freeze.json().id,
      evidence.id,
      promotion.id,
      promotion.targetRevisionId,
      run.runId,
    );
  });
  afterAll(() => s?.close());

  it('answers 404 on every operation that names another tenant’s object, and sees none of it in lists', async () => {
    const doc = (await s.call(null, { method: 'GET', url: '/api/openapi.json' })).json();
    let withParams = 0;
    let lists = 0;
    let bodyRefs = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const op = `${method} ${path}`;
        if (path.includes('{')) {
          const refs = path.includes('/tokens/')
            ? [objects.tokenId]
            : path.includes('{run}')
              ? [objects.runId, 'b-secret-cd-run']
              : path.includes('{window}')
                ? [objects.window]
                : path.includes('{group}')
                  ? [objects.group]
                  : path.includes('{component}')
                    ? [objects.component]
                    : path.includes('{template}')
                      ? [objects.template]
                      : path.includes('{category}')
                        ? [objects.category]
                        : path.includes('{batch}')
                          ? [objects.batch, objects.batchName]
                          : path.includes('{problem}')
                            ? [objects.problem, objects.problemId]
                            : path.includes('{uac}')
                              ? [objects.uac, objects.uacId]
                              : path.includes('{incident}')
                                ? [objects.incident, objects.incidentId]
                                : [objects.ref, objects.number];
          for (const ref of refs) {
            const url = path
              .replace('{ref}', String(ref))
              .replace('{run}', String(ref))
              .replace('{window}', String(ref))
              .replace('{group}', encodeURIComponent(String(ref)))
              .replace('{component}', encodeURIComponent(String(ref)))
              .replace('{template}', String(ref))
              .replace('{category}', String(ref))
              .replace('{batch}', String(ref))
              .replace('{problem}', String(ref))
              .replace('{incident}', String(ref))
              .replace('{uac}', String(ref))
              .replace('{changeRequest}', String(objects.number))
              .replace('{member}', encodeURIComponent(String(objects.member)))
              .replace('{attachmentId}', String(objects.attachmentId));
            const isUpload = op === 'post /api/v1/change-requests/{ref}/attachments';
            const res = await s.call(a, {
              method: method.toUpperCase() as 'GET',
              url: isUpload ? `${url}?name=x.txt` : url,
              ...(isUpload
                ? { payload: 'x', headers: { 'content-type': 'text/plain' } }
                : bodies[op] !== undefined
                  ? { payload: bodies[op] as object }
                  : {}),
            });
            expect(res.statusCode, `${op} with ${ref}`).toBe(404);
            expect(res.json().error.code).toBe('not_found');
          }
          withParams++;
        } else if (method === 'get') {
          const res = await s.call(a, { method: 'GET', url: path + (queries[op] ?? '') });
          expect(res.statusCode, `${op}: ${res.body}`).toBe(200);
          for (const secret of secrets) expect(res.body, `${op} leaks ${secret}`).not.toContain(secret);
          lists++;
        } else if (op === 'post /api/v1/deployments' || op === 'post /api/v1/rollbacks') {
          // Deployments and rollbacks name a change request in the body: B's is not found.
          const res = await s.call(a, {
            method: 'POST',
            url: path,
            payload: { environment: 'shared-prod', changeRequestId: objects.ref },
          });
          expect(res.statusCode, `${op}: ${res.body}`).toBe(404);
          expect(res.json().error.code).toBe('not_found');
          bodyRefs++;
        } else {
          // Any other write must be one that cannot name another tenant's object; a new one is classified here.
          expect(ownTenantWrites.has(op), `${op} is not covered by the isolation test`).toBe(true);
        }
      }
    }
    expect(withParams).toBeGreaterThanOrEqual(17);
    expect(lists).toBeGreaterThanOrEqual(10);
    expect(bodyRefs).toBe(2);
  });

  it('keeps writes in the caller’s tenant: B’s environment is unknown to A, B’s data unchanged', async () => {
    const res = await s.call(a, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: { ...validChange, environment: 'b-only-env' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).not.toContain('b-only-env;');
    const verify = (await s.call(a, { method: 'GET', url: '/api/v1/audit/verify' })).json();
    expect(verify.tenant).toBe('default');
    const still = (await s.call(b, { method: 'GET', url: `/api/v1/change-requests/${objects.ref}` })).json();
    expect(still).toMatchObject({ state: 'new', description: null, comments: [] });
    const tokens = (await s.call(b, { method: 'GET', url: '/api/v1/tokens' })).json();
    expect(tokens.find((t: { id: string }) => t.id === objects.tokenId).revokedAt).toBeNull();
    const run = (await s.call(b, { method: 'GET', url: `/api/v1/deployments/${objects.runId}` })).json();
    expect(run).toMatchObject({ phase: objects.phase, status: null, finishedAt: null });
    const mine = (
      await s.call(a, { method: 'GET', url: '/api/v1/inventory?environment=shared-prod' })
    ).json();
    expect(mine.entries.map((e: { name: string }) => e.name)).toEqual(['a-svc']);
    const group = (await s.call(b, { method: 'GET', url: `/api/v1/groups/${objects.group}` })).json();
    expect(group).toMatchObject({ description: null, members: [objects.member] });
    const component = await s.call(b, {
      method: 'GET',
      url: `/api/v1/components/${encodeURIComponent(String(objects.component))}`,
    });
    expect(component.json()).toMatchObject({ criticality: 'tier1', ownerGroup: objects.group });
    const template = await s.call(b, { method: 'GET', url: `/api/v1/templates/${objects.template}` });
    expect(template.statusCode).toBe(200);
    const checklist = await s.call(b, { method: 'GET', url: `/api/v1/checklists/${objects.category}` });
    expect(checklist.json()).toMatchObject({ items: ['b-secret-item'] });
  });

  it('does not let A create a CR from B’s template', async () => {
    const res = await s.call(a, {
      method: 'POST',
      url: '/api/v1/change-requests',
      payload: { ...validChange, template: objects.template },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.field).toBe('template');
    expect(res.body).not.toContain('B-SECRET-TEMPLATE-TITLE');
  });

  it('does not let a freeze override name another tenant’s change request', async () => {
    const own = await s.call(a, {
      method: 'POST',
      url: '/api/v1/windows',
      payload: {
        name: 'a-freeze',
        kind: 'freeze',
        start: '2099-01-01T00:00:00Z',
        end: '2099-01-02T00:00:00Z',
        reason: 'a',
      },
    });
    expect(own.statusCode, own.body).toBe(201);
    for (const ref of [objects.ref, objects.number]) {
      const res = await s.call(a, {
        method: 'POST',
        url: '/api/v1/windows/a-freeze/overrides',
        payload: { changeRequestId: ref, reason: 'taking it over' },
      });
      expect(res.statusCode, `${ref}: ${res.body}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const theirs = (await s.call(b, { method: 'GET', url: `/api/v1/change-requests/${objects.ref}` })).json();
    expect(theirs.windowOverrides).toEqual([]);
  });

  it('does not let A put B’s change request into a batch, by create or add', async () => {
    for (const ref of [objects.ref, objects.number]) {
      const created = await s.call(a, {
        method: 'POST',
        url: '/api/v1/batches',
        payload: { name: 'a-batch', title: 'A', changes: [ref] },
      });
      expect(created.statusCode, `${ref}: ${created.body}`).toBe(404);
    }
    const own = await s.call(a, {
      method: 'POST',
      url: '/api/v1/batches',
      payload: { name: 'a-batch', title: 'A' },
    });
    expect(own.statusCode, own.body).toBe(201);
    const added = await s.call(a, {
      method: 'POST',
      url: `/api/v1/batches/${own.json().number}/members`,
      payload: { changes: [objects.number] },
    });
    expect(added.statusCode, added.body).toBe(404);
    expect(added.json().error.code).toBe('not_found');
    const theirs = (await s.call(b, { method: 'GET', url: `/api/v1/batches/${objects.batch}` })).json();
    expect(theirs.members.map((m: { number: string }) => m.number)).toEqual([objects.number]);
  });

  it('does not let A link B’s change request to an incident or authorize it', async () => {
    const own = await s.call(a, {
      method: 'POST',
      url: '/api/v1/incidents',
      payload: { title: 'A incident', major: true, commander: 'admin-a@example.com' },
    });
    expect(own.statusCode, own.body).toBe(201);
    for (const ref of [objects.ref, objects.number]) {
      for (const [url, payload] of [
        [`/api/v1/incidents/${own.json().number}/links`, { changeRequestId: ref }],
        [`/api/v1/incidents/${own.json().number}/authorizations`, { changeRequestId: ref, reason: 'mine' }],
      ] as const) {
        const res = await s.call(a, { method: 'POST', url, payload });
        expect(res.statusCode, `${url} ${ref}: ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
    }
    const theirs = (await s.call(b, { method: 'GET', url: `/api/v1/change-requests/${objects.ref}` })).json();
    expect(theirs.links.map((l: { target: string }) => l.target)).toEqual([
      objects.incident,
      objects.problem,
    ]);
  });

  it('keeps tenant creation to admins of the default tenant', async () => {
    const res = await s.call(b, { method: 'POST', url: '/api/v1/tenants', payload: { slug: 'sneaky' } });
    expect(res.statusCode).toBe(403);
  });
});
