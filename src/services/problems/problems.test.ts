import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import type { Actor } from '../context.js';
import { createIncident, getIncident, linkIncident, unlinkIncident } from '../incidents/incident-service.js';
import { linkProblemIncident, setProblemFix, unlinkProblemIncident } from './problem-links.js';
import {
  createProblem,
  getProblem,
  listTenantProblems,
  recordRootCause,
  resolveProblem,
} from './problem-service.js';

describe.each(dialects)('problems and the links between incidents, problems and CRs on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let tenants = 0;
  beforeAll(async () => {
    t = await testApp(dialect, 'problems');
  });
  afterAll(() => t?.close());
  const deps = () => t.app.deps;

  async function world() {
    const sre = await actorIn(t.app, `p${++tenants}-${dialect}`, 'sre@example.com', 'requester');
    const manager: Actor = { ...sre, name: 'manager@example.com', role: 'change_manager' };
    const incident = (title: string) => createIncident(deps(), sre, { title, severity: 'sev2' });
    const change = () => createChangeRequest(deps(), sre, { ...validChange });
    /** The audit actions written about one entity, oldest first. */
    const trail = async (entityId: string) =>
      (await readAuditLog(deps(), manager, {})).filter((e) => e.entityId === entityId).map((e) => e.action);
    return { sre, manager, incident, change, trail };
  }

  it('opens a problem from an incident, links and unlinks incidents, audited on both trails', async () => {
    const w = await world();
    const first = await w.incident('Checkout errors');
    const second = await w.incident('Checkout errors again');
    const created = await createProblem(deps(), w.sre, {
      title: 'Connection pool exhaustion',
      incident: first.number,
    });
    expect(created.problem).toMatchObject({ number: 'PRB0000001', status: 'open', rootCause: null });
    expect(created.incidents.map((i) => i.incidentNumber)).toEqual([first.number]);

    const linked = await linkProblemIncident(deps(), w.sre, 'PRB0000001', second.number);
    expect(linked.incidents.map((i) => i.incidentNumber)).toEqual([first.number, second.number]);
    expect((await failure(linkProblemIncident(deps(), w.sre, 'PRB0000001', second.number))).code).toBe(
      'conflict',
    );
    expect((await getIncident(deps(), w.sre, second.number)).problems).toMatchObject([
      { problemNumber: 'PRB0000001', linkedBy: 'sre@example.com' },
    ]);

    const unlinked = await unlinkProblemIncident(deps(), w.sre, 'PRB0000001', second.number);
    expect(unlinked.incidents.map((i) => i.incidentNumber)).toEqual([first.number]);
    expect((await getIncident(deps(), w.sre, second.number)).problems).toEqual([]);
    expect((await failure(unlinkProblemIncident(deps(), w.sre, 'PRB0000001', second.number))).code).toBe(
      'not_found',
    );

    expect(await w.trail(created.problem.id)).toEqual([
      'problem.created',
      'problem.incident_linked',
      'problem.incident_linked',
      'problem.incident_unlinked',
    ]);
    expect(await w.trail(second.id)).toEqual(
      expect.arrayContaining(['incident.created', 'incident.problem_linked', 'incident.problem_unlinked']),
    );
    expect((await verifyAuditChain(deps(), w.manager)).ok).toBe(true);
  });

  it('records root cause (known error), names and replaces the fix CR, which cr get lists, then resolves', async () => {
    const w = await world();
    const created = await createProblem(deps(), w.sre, { title: 'Cache stampede' });
    const number = created.problem.number;
    const early = await failure(resolveProblem(deps(), w.sre, number));
    expect(early).toMatchObject({ code: 'illegal_transition' });
    expect(early.message).toContain(`changegate problem root-cause ${number}`);

    const found = await recordRootCause(deps(), w.sre, number, { text: 'No jitter on cache expiry' });
    expect(found.problem).toMatchObject({ status: 'known_error', rootCause: 'No jitter on cache expiry' });

    const a = await w.change();
    const b = await w.change();
    expect((await setProblemFix(deps(), w.sre, number, { changeRequestId: a.number })).fixChangeRequest).toBe(
      a.number,
    );
    expect((await getChangeRequest(deps(), w.sre, a.number)).links).toMatchObject([
      { kind: 'problem_fix', target: number },
    ]);
    expect((await failure(setProblemFix(deps(), w.sre, number, { changeRequestId: a.number }))).code).toBe(
      'conflict',
    );
    // Moving the fix to another CR removes the first CR's link: both sides always agree.
    await setProblemFix(deps(), w.sre, number, { changeRequestId: b.number });
    expect((await getChangeRequest(deps(), w.sre, a.number)).links).toEqual([]);
    expect((await getChangeRequest(deps(), w.sre, b.number)).links).toMatchObject([
      { kind: 'problem_fix', target: number },
    ]);
    expect(await w.trail(a.id)).toEqual(
      expect.arrayContaining(['change_request.problem_fix_linked', 'change_request.problem_fix_unlinked']),
    );

    const resolved = await resolveProblem(deps(), w.sre, number);
    expect(resolved).toMatchObject({ fixChangeRequest: b.number, problem: { status: 'resolved' } });
    expect((await failure(resolveProblem(deps(), w.sre, number))).code).toBe('illegal_transition');
    expect(
      (await listTenantProblems(deps(), w.sre, { status: 'resolved' })).map((p) => p.problem.number),
    ).toEqual([number]);
    expect(await listTenantProblems(deps(), w.sre, { status: 'open' })).toEqual([]);
    expect((await failure(listTenantProblems(deps(), w.sre, { status: 'closed' }))).code).toBe(
      'invalid_input',
    );
    expect(await w.trail(created.problem.id)).toEqual([
      'problem.created',
      'problem.root_cause_recorded',
      'problem.fix_linked',
      'problem.fix_unlinked',
      'problem.fix_linked',
      'problem.resolved',
    ]);
  });

  it('links and unlinks incidents and CRs on both trails; refuses bad input and other tenants', async () => {
    const w = await world();
    const incident = await w.incident('Latency');
    const cr = await w.change();
    await linkIncident(deps(), w.sre, incident.number, cr.number);
    expect((await getIncident(deps(), w.sre, incident.number)).linkedChanges).toHaveLength(1);
    await unlinkIncident(deps(), w.sre, incident.number, cr.number);
    expect((await getIncident(deps(), w.sre, incident.number)).linkedChanges).toEqual([]);
    expect((await getChangeRequest(deps(), w.sre, cr.number)).links).toEqual([]);
    expect((await failure(unlinkIncident(deps(), w.sre, incident.number, cr.number))).code).toBe('not_found');
    expect(await w.trail(incident.id)).toEqual(
      expect.arrayContaining(['incident.change_linked', 'incident.change_unlinked']),
    );
    expect(await w.trail(cr.id)).toEqual(
      expect.arrayContaining(['change_request.incident_linked', 'change_request.incident_unlinked']),
    );

    expect((await failure(createProblem(deps(), w.sre, { title: '' }))).details.field).toBe('title');
    expect((await failure(createProblem(deps(), w.sre, { title: 'x', owner: 'me' }))).details.field).toBe(
      'owner',
    );
    expect((await failure(createProblem(deps(), w.sre, { title: 'x', incident: 'INC0009999' }))).code).toBe(
      'not_found',
    );
    expect(await listTenantProblems(deps(), w.sre)).toEqual([]);

    const other = await world();
    const theirs = await createProblem(deps(), other.sre, { title: 'Theirs' });
    expect((await failure(getProblem(deps(), w.sre, theirs.problem.id))).code).toBe('not_found');
    expect(
      (await failure(linkProblemIncident(deps(), w.sre, theirs.problem.number, incident.number))).code,
    ).toBe('not_found');
    const own = await createProblem(deps(), w.sre, { title: 'Mine' });
    const foreignCr = await other.change();
    expect(
      (await failure(setProblemFix(deps(), w.sre, own.problem.number, { changeRequestId: foreignCr.id })))
        .code,
    ).toBe('not_found');
  });
});
