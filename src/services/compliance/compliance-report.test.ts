import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { decideChangeApproval } from '../changes/change-request-actions.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { awaitApproval } from '../deployments/await-approval.js';
import { addEvidence } from '../evidence/evidence-service.js';
import { reportObservations } from '../observations/report-observations.js';
import { createWindow } from '../windows/window-service.js';
import { buildComplianceReport } from './build-compliance-report.js';

const day = 86_400_000;
const whole = { since: '2026-01-01T00:00:00Z', until: '2026-03-01T00:00:00Z' };

describe.each(dialects)('compliance report on %s', (dialect) => {
  const { deps, advance, world } = deploymentTestbed(dialect);

  it('finds no violation in a clean history and counts its volume and success', async () => {
    const w = await world();
    await w.deployed('api', '1.0.0');
    await w.deployed('api', '1.1.0');
    const report = await buildComplianceReport(deps(), w.admin, whole);
    expect(report.totalViolations).toBe(0);
    expect(report.internal.volume).toEqual({ total: 2, byType: { normal: 2 }, byEnvironment: { prod: 2 } });
    expect(report.internal.outcomes).toMatchObject({ successful: 2, unsuccessful: 0, successRate: 1 });
    expect(report.internal.deployments).toMatchObject({
      total: 2,
      successful: 2,
      emergency: 0,
      successRate: 1,
    });
    expect(report.vendor.volume.total).toBe(0);
    expect(report.vendor.outcomes.successRate).toBeNull();
    expect(report.unauthorizedChanges).toEqual([]);
  });

  it('reports every kind of violation with its links, vendor changes apart', async () => {
    const w = await world();
    const db = deps().db;
    const tenant = w.admin.tenantId;

    // A deployment from before gate records (migration 0017) whose CR is unapproved now (historical
    // data: its approval rewritten): judged by the CR's current state, and the report says so.
    const unapproved = await w.deployed('api', '1.0.0');
    await db
      .updateTable('change_requests')
      .set({ approval: 'requested' })
      .where('tenant_id', '=', tenant)
      .where('number', '=', unapproved.changeRequest.number)
      .execute();
    await db
      .updateTable('deployment_runs')
      .set({ gate_json: null, gate_approval: null, gate_emergency: null, gate_ready: null })
      .where('tenant_id', '=', tenant)
      .where('id', '=', unapproved.run.id)
      .execute();

    // An emergency deployment of a failing build during a freeze: no approval wait, failing evidence,
    // a freeze override, and a retrospective approval that is never given.
    await createWindow(deps(), w.admin, {
      name: 'january-freeze',
      kind: 'freeze',
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-06T00:00:00Z',
      reason: 'new year',
    });
    await w.ship('api', '1.1.0', 'failure');
    await w.promoteTo('prod');
    const emergency = await w.begin({ emergency: true, pipelineRunId: 'cd-emergency' });
    expect(emergency.changeRequest.approval).toBe('retro_pending');
    expect(emergency.run.gate).toMatchObject({
      approval: 'requested',
      emergency: true,
      ready: false,
      freezes: [{ window: 'january-freeze', basis: 'emergency', overrideId: null }],
      freezeOverridden: false,
    });
    await w.finish(emergency.run.id);

    // A vendor's change approved by its own requester (imported history: the service refuses this now).
    const vendor = await createChangeRequest(
      deps(),
      { ...w.admin, name: 'vendor@acme.example' },
      {
        title: 'Vendor <b>patch</b> "1.2"',
        environment: 'prod',
        priority: 'low',
        assignee: 'vendor@acme.example',
        customerImpact: 'low',
        deploymentImpact: 'small',
        origin: 'vendor',
      },
    );
    expect(vendor.origin).toBe('vendor');
    await db
      .insertInto('approvals')
      .values({
        id: 'sod-approval-1',
        tenant_id: tenant,
        change_request_id: vendor.id,
        approver: 'Vendor@Acme.example',
        decision: 'approved',
        comment: null,
        decided_at: deps().now(),
        step_id: null,
      })
      .execute();

    // Something nobody deployed is seen running.
    await reportObservations(deps(), w.pipeline, {
      environment: 'prod',
      component: 'api',
      version: '6.6.6',
      source: 'drift-monitor',
    });

    advance(6 * day); // the retrospective approval (due in 5 days) is now overdue
    const report = await buildComplianceReport(deps(), w.admin, whole);
    expect(report.violationCounts).toEqual({
      deployment_without_approval: 1,
      separation_of_duties: 1,
      retrospective_approval_late: 1,
      freeze_override: 1,
      evidence_at_deployment: 1,
      unauthorized_change: 1,
    });
    const byKind = (kind: string) =>
      [...report.internal.violations, ...report.vendor.violations, ...report.unauthorizedChanges].find(
        (v) => v.kind === kind,
      );
    expect(byKind('deployment_without_approval')).toMatchObject({
      origin: 'internal',
      changeRequest: unapproved.changeRequest.number,
      deploymentRunId: unapproved.run.id,
      basis: 'current_state',
      links: { deploymentRun: `/api/v1/deployments/${unapproved.run.id}` },
    });
    expect(byKind('deployment_without_approval')?.summary).toMatch(
      /whose approval is 'requested' now .*\(no gate record: judged by the current state\)$/,
    );
    const emergencyCr = emergency.changeRequest.number;
    expect(byKind('evidence_at_deployment')).toMatchObject({
      changeRequest: emergencyCr,
      deploymentRunId: emergency.run.id,
      basis: 'gate_record',
    });
    expect(byKind('evidence_at_deployment')?.summary).toMatch(/\(emergency\).* for api: 0 of 1 entry ready/);
    expect(byKind('separation_of_duties')).toMatchObject({ basis: null });
    expect(byKind('retrospective_approval_late')?.summary).toMatch(/has no retrospective approval/);
    const freeze = byKind('freeze_override');
    expect(freeze).toMatchObject({ changeRequest: emergencyCr, origin: 'internal' });
    expect(freeze?.summary).toMatch(/january-freeze.*as an emergency change.*cd-emergency/);
    expect(freeze?.auditEvent?.seq).toBeGreaterThan(0);
    expect(freeze?.links.auditEvent).toBe(
      `/api/v1/audit/events?afterSeq=${(freeze?.auditEvent?.seq ?? 0) - 1}&limit=1`,
    );
    expect(report.vendor.violations.map((v) => v.kind)).toEqual(['separation_of_duties']);
    expect(report.vendor.violations[0]?.summary).toMatch(/approved CHG\d+, which they requested/);
    expect(report.vendor.volume).toMatchObject({ total: 1, byEnvironment: { prod: 1 } });
    expect(report.internal.deployments).toMatchObject({ total: 2, emergency: 1 });
    expect(report.unauthorizedChanges[0]).toMatchObject({ origin: null, environment: 'prod' });
    expect(report.unauthorizedChanges[0]?.links.unauthorizedChange).toMatch(
      /^\/api\/v1\/unauthorized-changes\/UAC0000001$/,
    );

    // A period before any of it is clean; a bad period is refused.
    const before = await buildComplianceReport(deps(), w.admin, {
      since: '2025-01-01T00:00:00Z',
      until: '2025-12-01T00:00:00Z',
    });
    expect(before.totalViolations).toBe(0);
    const bad = await failure(
      buildComplianceReport(deps(), w.admin, { since: whole.until, until: whole.since }),
    );
    expect(bad).toMatchObject({ code: 'invalid_input', details: { field: 'since' } });
  });

  it('judges a deployment by the approval the gate saw, not by what its CR says now', async () => {
    const w = await world();
    const db = deps().db;
    const setCr = (number: string, patch: { approval: string; state?: string }) =>
      db
        .updateTable('change_requests')
        .set(patch)
        .where('tenant_id', '=', w.admin.tenantId)
        .where('number', '=', number)
        .execute();

    // Deployed approved; the approval withdrawn afterwards (history rewritten): no violation.
    const proper = await w.deployed('api', '1.0.0');
    expect(proper.run.gate).toMatchObject({ approval: 'approved', emergency: false, ready: true });
    await setCr(proper.changeRequest.number, { approval: 'not_requested' });

    // Imported in implement without an approval, deployed so, approved only afterwards: a violation.
    await w.ship('api', '1.1.0');
    await w.promoteTo();
    const imported = await createChangeRequest(deps(), w.admin, {
      title: 'Imported change',
      environment: 'prod',
      priority: 'low',
      assignee: 'dev@example.com',
      customerImpact: 'low',
      deploymentImpact: 'small',
    });
    await setCr(imported.number, { state: 'implement', approval: 'requested' });
    const late = await w.begin({ changeRequestId: imported.number, pipelineRunId: 'cd-late' });
    expect(late.run.gate).toMatchObject({ approval: 'requested', emergency: false });
    await w.finish(late.run.id);
    await setCr(imported.number, { approval: 'approved' });

    const report = await buildComplianceReport(deps(), w.admin, whole);
    const found = report.internal.violations.filter((v) => v.kind === 'deployment_without_approval');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      changeRequest: imported.number,
      deploymentRunId: late.run.id,
      basis: 'gate_record',
    });
    expect(found[0]?.summary).toMatch(/cd-late deployed CHG\d+ to prod while its approval was 'requested'/);
  });

  it('judges evidence by the check the gate made when it let the run through', async () => {
    const w = await world();
    const approve = (number: string) => decideChangeApproval(deps(), w.approver, number, 'approved', 'ok');
    const unitTests = (entry: { name: string; commitSha: string | null }, result: 'success' | 'failure') =>
      addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result,
        tool: 'vitest',
        assets: [`https://git.example/acme/${entry.name}#${entry.commitSha}`],
        pipelineRunId: `ci-rerun-${entry.name}`,
      });

    // Failing when the CR was prepared, fixed before it was approved and deployed: no violation.
    const api = await w.ship('api', '1.0.0', 'failure');
    await w.promoteTo();
    const fixedLater = await w.begin({ pipelineRunId: 'cd-fixed' });
    expect(fixedLater.run.phase).toBe('awaiting_approval');
    await unitTests(api, 'success');
    await approve(fixedLater.changeRequest.number);
    const fixed = await awaitApproval(deps(), w.pipeline, fixedLater.run.id, { waitMs: 0 });
    expect(fixed.run.gate).toMatchObject({ ready: true, approval: 'approved' });
    await w.finish(fixed.run.id);

    // Passing at deployment; a failing rerun afterwards, and the CR marked not ready since: no violation.
    const web = await w.ship('web', '1.0.0');
    await w.promoteTo();
    const clean = await w.begin({ pipelineRunId: 'cd-clean' });
    await w.finish(clean.run.id);
    await unitTests(web, 'failure');
    await deps()
      .db.updateTable('change_requests')
      .set({ deployment_ready: 0 })
      .where('tenant_id', '=', w.admin.tenantId)
      .where('number', '=', clean.changeRequest.number)
      .execute();

    // Passing when the run began, failing by the time the gate let it through: a violation.
    const db = await w.ship('db', '1.0.0');
    await w.promoteTo();
    const waiting = await w.begin({ pipelineRunId: 'cd-broken', outageMinutes: 5 });
    expect(waiting.run).toMatchObject({ phase: 'awaiting_approval', readiness: { ready: true } });
    await unitTests(db, 'failure');
    await approve(waiting.changeRequest.number);
    const broken = await awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 });
    expect(broken.run.gate).toMatchObject({
      ready: false,
      notReady: [
        { name: 'db', failing: [{ state: 'failure', reason: expect.stringMatching(/unit_tests/) }] },
      ],
    });
    await w.finish(broken.run.id);

    const report = await buildComplianceReport(deps(), w.admin, whole);
    const gaps = report.internal.violations.filter((v) => v.kind === 'evidence_at_deployment');
    expect(gaps.map((v) => [v.deploymentRunId, v.basis])).toEqual([[broken.run.id, 'gate_record']]);
    expect(gaps[0]?.summary).toMatch(
      /cd-broken deployed CHG\d+ to prod with failing or missing evidence for db: .*unit_tests failed/,
    );
  });

  it('counts a retrospective approval given after its due date as late, one given in time as none', async () => {
    const w = await world();
    const { decideChangeApproval } = await import('../changes/change-request-actions.js');
    const approver = { ...w.admin, name: 'boss@example.com', role: 'approver' as const };
    for (const [version, wait] of [
      ['1.0.0', 1 * day],
      ['1.1.0', 7 * day],
    ] as const) {
      await w.ship('svc', version, 'failure');
      await w.promoteTo('prod');
      const run = await w.begin({ emergency: true });
      await w.finish(run.run.id);
      advance(wait);
      await decideChangeApproval(deps(), approver, run.changeRequest.number, 'approved', 'fine in hindsight');
    }
    const report = await buildComplianceReport(deps(), w.admin, whole);
    const late = report.internal.violations.filter((v) => v.kind === 'retrospective_approval_late');
    expect(late).toHaveLength(1);
    expect(late[0]?.summary).toMatch(/approved retrospectively at .*after its due date/);
  });
});
