import { describe, expect, it } from 'vitest';
import { validChange } from '../../../test/support/actors.js';
import { deploymentTestbed, environments } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { similarConcludedChanges } from '../../store/risk-history.js';
import { readAuditLog } from '../audit/audit-queries.js';
import {
  cancelChangeRequest,
  closeChangeRequest,
  decideChangeApproval,
  requestApproval,
} from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { completeObligation } from '../changes/complete-obligation.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { createIncident } from '../incidents/incident-service.js';
import { listReviews } from '../reviews/list-reviews.js';
import { confirmCause, rejectCause } from './decide-cause.js';
import { listIncidentCauses } from './incident-causes.js';

const hour = 3_600_000;
const day = 24 * hour;

describe.each(dialects)('change attribution and post-incident reviews on %s', (dialect) => {
  const { deps, advance, world } = deploymentTestbed(dialect);

  /**
   * Deployments to prod: ledger 0.9 (30h before the incident), payments 1.0 (4h before), ledger 1.0
   * (1h before); payments 1.0 to staging (1h before). The incident is on payments and ledger in prod.
   */
  async function history(config: Record<string, unknown> = {}) {
    const w = await world(config);
    const sre: Actor = { ...w.admin, name: 'sre@example.com', role: 'requester' };
    const deployedTo = async (environment: string, name: string, version: string) => {
      await w.ship(name, version);
      await w.promoteTo(environment);
      const view = await w.begin({ environment });
      return (await w.finish(view.run.id)).changeRequest.number;
    };
    const oldLedger = await deployedTo('prod', 'ledger', '0.9.0');
    advance(26 * hour);
    const payments = await deployedTo('prod', 'payments', '1.0.0');
    advance(3 * hour);
    const ledger = await deployedTo('prod', 'ledger', '1.0.0');
    const staging = await deployedTo('staging', 'payments', '1.0.0');
    advance(hour);
    return { ...w, sre, oldLedger, payments, ledger, staging };
  }

  const numbers = (causes: { changeRequestNumber: string }[]) => causes.map((c) => c.changeRequestNumber);

  it('ranks the deployments before an incident on its components and environment, the latest first', async () => {
    const h = await history();
    const incident = await createIncident(deps(), h.sre, {
      title: 'Payments failing',
      components: ['payments', 'ledger'],
      environment: 'prod',
    });
    const { causes } = await listIncidentCauses(deps(), h.sre, incident.number);
    // Staging is another environment; ledger 0.9 is outside the 24h window.
    expect(numbers(causes)).toEqual([h.ledger, h.payments]);
    expect(causes.every((c) => c.status === 'candidate')).toBe(true);
    expect(causes[0]?.confidence).toBeGreaterThan(causes[1]?.confidence ?? 1);
    expect(causes[0]?.explanation).toContain('component (+0.300): exact match on ledger');
    expect(causes[0]?.explanation).toContain('environment (+0.150): same environment (prod)');
    const ranked = (await readAuditLog(deps(), h.admin, {})).filter(
      (e) => e.action === 'incident.causes_ranked',
    );
    expect(ranked).toHaveLength(1);
    expect(ranked[0]).toMatchObject({ entityId: incident.id, after: { added: [h.ledger, h.payments] } });
  });

  it('takes every environment and component for a tenant-wide incident, and a wider window reaches further back', async () => {
    const h = await history({ attribution: { window: '2d' } });
    const incident = await createIncident(deps(), h.sre, { title: 'Everything is slow' });
    const { causes } = await listIncidentCauses(deps(), h.sre, incident.number);
    expect(new Set(numbers(causes))).toEqual(new Set([h.oldLedger, h.payments, h.ledger, h.staging]));
    const old = causes.find((c) => c.changeRequestNumber === h.oldLedger);
    expect(old?.explanation).toContain(
      `no longer running when the incident started: replaced by ${h.ledger}`,
    );
    expect(old?.explanation).toContain('the incident is tenant-wide (names no component)');
  });

  it('re-ranks on demand: a narrower window drops candidates, decided causes stay', async () => {
    const h = await history();
    const incident = await createIncident(deps(), h.sre, {
      title: 'Payments failing',
      components: ['payments', 'ledger'],
      environment: 'prod',
    });
    await rejectCause(deps(), h.sre, incident.number, h.payments, 'payments was dark-launched');
    await applyTenantConfig(deps(), h.admin, { document: { environments, attribution: { window: '30m' } } });
    const { causes } = await listIncidentCauses(deps(), h.sre, incident.number, { rerank: true });
    // ledger 1.0 was an hour before: outside 30m now; the rejected payments stays.
    expect(causes.map((c) => [c.changeRequestNumber, c.status])).toEqual([[h.payments, 'rejected']]);
  });

  it('audits a confirmed and a rejected cause on the incident and the CR; only the confirmed one counts in the risk history', async () => {
    const h = await history();
    const incident = await createIncident(deps(), h.sre, {
      title: 'Payments failing',
      components: ['payments', 'ledger'],
      environment: 'prod',
    });
    const failures = async () =>
      new Map(
        (
          await similarConcludedChanges(deps().db, h.admin.tenantId, {
            environment: 'prod',
            components: ['payments', 'ledger'],
            since: 0,
          })
        ).map((c) => [c.number, c.failures]),
      );
    expect((await failures()).get(h.ledger)).toEqual([]);

    const refused = await failure(rejectCause(deps(), h.sre, incident.number, h.payments, ''));
    expect(refused.code).toBe('invalid_input');
    expect(refused.details.field).toBe('note');

    const confirmed = await confirmCause(
      deps(),
      h.sre,
      incident.number,
      h.ledger,
      'schema migration broke it',
    );
    expect(confirmed.cause).toMatchObject({
      status: 'confirmed',
      decidedBy: 'sre@example.com',
      decisionNote: 'schema migration broke it',
    });
    const rejected = await rejectCause(
      deps(),
      h.sre,
      incident.number,
      h.payments,
      'not deployed to the failing pods',
    );
    expect(rejected.cause.status).toBe('rejected');

    const after = await failures();
    expect(after.get(h.ledger)).toEqual([`incident ${incident.number}`]);
    expect(after.get(h.payments)).toEqual([]);

    const log = await readAuditLog(deps(), h.admin, {});
    const ledgerId = (await getChangeRequest(deps(), h.admin, h.ledger)).changeRequest.id;
    const paymentsId = (await getChangeRequest(deps(), h.admin, h.payments)).changeRequest.id;
    const actions = log
      .filter((e) => /cause_|incident_linked|change_linked/.test(e.action))
      .map((e) => [e.action, e.entityId, e.actor]);
    // The link a confirmation creates is one fact on both trails, as with `incident link`.
    expect(actions).toEqual([
      ['change_request.incident_linked', ledgerId, 'sre@example.com'],
      ['incident.change_linked', incident.id, 'sre@example.com'],
      ['incident.cause_confirmed', incident.id, 'sre@example.com'],
      ['change_request.cause_confirmed', ledgerId, 'sre@example.com'],
      ['incident.cause_rejected', incident.id, 'sre@example.com'],
      ['change_request.cause_rejected', paymentsId, 'sre@example.com'],
    ]);
    expect(log.find((e) => e.action === 'incident.cause_rejected')?.after).toMatchObject({
      changeRequest: h.payments,
      note: 'not deployed to the failing pods',
    });

    expect((await failure(confirmCause(deps(), h.sre, incident.number, h.ledger))).code).toBe('conflict');
    expect((await failure(rejectCause(deps(), h.sre, incident.number, h.oldLedger, 'x'))).code).toBe(
      'not_found',
    );
    // Changing one's mind: rejecting the confirmed cause takes its incident link away again.
    await rejectCause(deps(), h.sre, incident.number, h.ledger, 'it was the load balancer after all');
    expect((await failures()).get(h.ledger)).toEqual([]);
    const unlinked = (await readAuditLog(deps(), h.admin, {}))
      .filter((e) => e.action.endsWith('_unlinked'))
      .map((e) => [e.action, e.entityId, e.after]);
    const facts = { incident: incident.number, changeRequest: h.ledger };
    expect(unlinked).toEqual([
      ['change_request.incident_unlinked', ledgerId, { number: h.ledger, incidentId: incident.id, ...facts }],
      [
        'incident.change_unlinked',
        incident.id,
        { number: incident.number, changeRequestId: ledgerId, ...facts },
      ],
    ]);
  });

  it('refuses to confirm a change that was never implemented or deployed, naming its state', async () => {
    const h = await history();
    const incident = await createIncident(deps(), h.sre, { title: 'Web down', components: ['web'] });
    const draft = await createChangeRequest(deps(), h.pipeline, { ...validChange, environment: 'prod' });
    const dropped = await createChangeRequest(deps(), h.pipeline, { ...validChange, environment: 'prod' });
    await cancelChangeRequest(deps(), h.pipeline, dropped.number, 'not needed');
    // A deployment that stopped at the approval gate: its run never reached a pipeline status.
    await h.ship('web', '3.0.0', 'failure');
    await h.promoteTo();
    const gated = await h.begin();
    expect(gated.run.phase).toBe('awaiting_approval');

    const refusals = [
      [draft.number, 'in state new'],
      [dropped.number, 'canceled'],
      [gated.changeRequest.number, 'in state authorize'],
    ] as const;
    for (const [number, standing] of refusals) {
      const refused = await failure(confirmCause(deps(), h.sre, incident.number, number));
      expect(refused.code).toBe('illegal_transition');
      expect(refused.message).toBe(
        `${number} is ${standing} and was never implemented or deployed, so it cannot have caused ${incident.number}; confirm the change that was deployed (changegate incident causes ${incident.number} lists the candidates)`,
      );
    }
    // Nothing was written: no cause, no link, no review.
    expect((await listIncidentCauses(deps(), h.sre, incident.number)).causes).toEqual([]);
    expect(await listReviews(deps(), h.admin, {})).toEqual([]);
    // A deployed change that was not a candidate stays confirmable.
    expect((await confirmCause(deps(), h.sre, incident.number, h.payments)).cause.status).toBe('confirmed');
  });

  it('confirms a CR that was not a candidate, and not another tenant’s', async () => {
    const h = await history();
    const incident = await createIncident(deps(), h.sre, { title: 'Web down', components: ['web'] });
    expect((await listIncidentCauses(deps(), h.sre, incident.number)).causes).toEqual([]);
    const decision = await confirmCause(deps(), h.sre, incident.number, h.oldLedger);
    expect(decision.cause).toMatchObject({ status: 'confirmed', confidence: 0 });
    expect(decision.cause.explanation).toContain('not among the ranked candidates');

    const other = await world();
    const theirs = await failure(confirmCause(deps(), other.admin, incident.number, h.oldLedger));
    expect(theirs.code).toBe('not_found');
  });

  it('requires post-incident reviews with due dates: on a confirmed cause, a failed deployment and an unsuccessful close', async () => {
    const h = await history({ attribution: { reviewDue: '2d' } });
    const incident = await createIncident(deps(), h.sre, {
      title: 'Payments failing',
      components: ['payments'],
      environment: 'prod',
    });
    await confirmCause(deps(), h.sre, incident.number, h.payments);

    // A deployment that fails its acceptance tests and is rolled back.
    await h.ship('ledger', '2.0.0');
    await h.promoteTo();
    const failed = await h.begin();
    await h.finish(failed.run.id, { acceptanceStatus: 'failure', rollbackStatus: 'success' });
    const failedCr = failed.changeRequest.number;
    // Closing it unsuccessful afterwards does not add a second review.
    await closeChangeRequest(deps(), h.admin, failedCr, 'unsuccessful', 'rolled back');

    // A manual change, deployed, then closed unsuccessful by its owner.
    const manual = await createChangeRequest(deps(), h.pipeline, {
      ...validChange,
      environment: 'prod',
      components: ['payments'],
    });
    await requestApproval(deps(), h.pipeline, manual.number);
    await decideChangeApproval(deps(), h.approver, manual.number, 'approved', 'ok');
    await h.ship('payments', '1.1.0');
    await h.promoteTo();
    const view = await h.begin({ changeRequestId: manual.number });
    await h.finish(view.run.id);
    await closeChangeRequest(deps(), h.pipeline, manual.number, 'unsuccessful', 'checkout broke');

    const reviews = await listReviews(deps(), h.admin, {});
    expect(reviews.map((r) => r.changeRequestNumber)).toEqual([h.payments, failedCr, manual.number]);
    for (const r of reviews) {
      expect(r.state).toBe('open');
      expect((r.dueAt ?? 0) - r.createdAt).toBe(2 * day);
    }
    expect(reviews[0]?.detail).toContain(`${h.payments} caused ${incident.number}`);
    expect(reviews[1]?.detail).toContain('failed_deployment_successful_rollback');
    expect(reviews[2]?.detail).toContain('closed unsuccessful');
    const created = (await readAuditLog(deps(), h.admin, {})).filter(
      (e) => e.action === 'obligation.created' && e.after?.kind === 'post_incident_review',
    );
    expect(created).toHaveLength(3);
  });

  it('lists overdue reviews: open ones past their due date, until completed with a note', async () => {
    const h = await history();
    const incident = await createIncident(deps(), h.sre, { title: 'Ledger errors', components: ['ledger'] });
    await confirmCause(deps(), h.sre, incident.number, h.ledger);
    await confirmCause(deps(), h.sre, incident.number, h.payments);
    expect(await listReviews(deps(), h.admin, { overdue: true })).toEqual([]);
    expect(await listReviews(deps(), h.admin, { open: 'true' })).toHaveLength(2);

    advance(5 * day + hour);
    expect(numbers(await listReviews(deps(), h.admin, { overdue: true })).sort()).toEqual(
      [h.ledger, h.payments].sort(),
    );
    await completeObligation(deps(), h.admin, h.ledger, 'post_incident_review', 'RCA in PRB0000001');
    expect(numbers(await listReviews(deps(), h.admin, { overdue: true }))).toEqual([h.payments]);
    const all = await listReviews(deps(), h.admin, {});
    expect(all.find((r) => r.changeRequestNumber === h.ledger)).toMatchObject({
      state: 'done',
      completedBy: 'admin@example.com',
    });
    const completed = (await readAuditLog(deps(), h.admin, {})).find(
      (e) => e.action === 'obligation.completed',
    );
    expect(completed?.after).toMatchObject({ kind: 'post_incident_review', note: 'RCA in PRB0000001' });
    expect((await failure(listReviews(deps(), h.admin, { overdue: 'soon' }))).code).toBe('invalid_input');
  });
});
