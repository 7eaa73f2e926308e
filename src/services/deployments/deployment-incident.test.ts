import { describe, expect, it } from 'vitest';
import { validChange } from '../../../test/support/actors.js';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { lockStaleMs } from '../../domain/deployment.js';
import { readAuditLog } from '../audit/audit-queries.js';
import {
  decideChangeApproval,
  requestApproval,
  transitionChangeRequest,
} from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import type { Actor } from '../context.js';
import { authorizeChange } from '../incidents/authorize-change.js';
import { createIncident, resolveIncident } from '../incidents/incident-service.js';
import { awaitApproval } from './await-approval.js';

describe.each(dialects)('the deployment gate and major incidents on %s', (dialect) => {
  const { deps, advance, world } = deploymentTestbed(dialect);

  async function incidentWorld() {
    const w = await world();
    const commander: Actor = { ...w.admin, name: 'carol@example.com', role: 'approver' };
    const sre: Actor = { ...w.admin, name: 'sre@example.com', role: 'requester' };
    const major = (fields: Record<string, unknown> = {}) =>
      createIncident(deps(), sre, {
        title: 'API errors',
        major: true,
        commander: commander.name,
        components: ['api'],
        environment: 'prod',
        ...fields,
      });
    /** A manual high-risk CR for prod, approved and scheduled before any incident. */
    const scheduledChange = async (fields: Record<string, unknown> = {}) => {
      const cr = await createChangeRequest(deps(), w.pipeline, {
        ...validChange,
        environment: 'prod',
        components: ['api'],
        risk: 'high',
        ...fields,
      });
      await requestApproval(deps(), w.pipeline, cr.number);
      await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok');
      return cr;
    };
    return { ...w, commander, sre, major, scheduledChange };
  }

  it('refuses to deploy a high-risk CR during a major incident on what it deploys, emergency or not, writing nothing', async () => {
    const w = await incidentWorld();
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const cr = await w.scheduledChange();
    const incident = await w.major();
    const before = await readAuditLog(deps(), w.admin, {});

    for (const emergency of [false, true]) {
      const refused = await failure(w.begin({ changeRequestId: cr.number, emergency }));
      expect(refused.code).toBe('conflict');
      expect(refused.message).toContain(`${cr.number} (risk high) may not be deployed to prod`);
      expect(refused.message).toContain(`${incident.number} 'API errors' is open on api in prod`);
      expect(refused.message).toContain(
        `ask carol@example.com to run: changegate incident authorize ${incident.number} --change ${cr.number} --reason "…"`,
      );
      expect(refused.message).toContain(`rerun the deployment with --change-request-id ${cr.number}`);
      expect(refused.details).toMatchObject({ field: 'incident', incidents: [{ number: incident.number }] });
    }
    expect(await readAuditLog(deps(), w.admin, {})).toEqual(before);
    expect((await getChangeRequest(deps(), w.pipeline, cr.number)).changeRequest.state).toBe('scheduled');

    await authorizeChange(deps(), w.commander, incident.number, {
      changeRequestId: cr.number,
      reason: 'hotfix for the incident',
    });
    const view = await w.begin({ changeRequestId: cr.number });
    expect(view.run.phase).toBe('implementing');
    expect(view.changeRequest.state).toBe('implement');
    const passed = (await readAuditLog(deps(), w.admin, { changeRequest: cr.number })).filter(
      (e) => e.action === 'change_request.incident_block_passed',
    );
    expect(passed.map((e) => e.after)).toEqual([
      expect.objectContaining({
        incident: incident.number,
        entering: 'implement',
        pipelineRunId: view.run.pipelineRunId,
      }),
    ]);
  });

  it('counts what the deployment deploys: a CR naming another component is blocked when it deploys the incident’s', async () => {
    const w = await incidentWorld();
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const cr = await w.scheduledChange({ components: ['web'] });
    await w.major();
    const refused = await failure(w.begin({ changeRequestId: cr.number }));
    expect(refused.code).toBe('conflict');
  });

  it('lets low-risk deployments through a tenant-wide incident, and high-risk ones once it is resolved', async () => {
    const w = await incidentWorld();
    await w.ship('api', '1.0.0');
    await w.ship('web', '1.0.0');
    await w.promoteTo();
    const cr = await w.scheduledChange({ components: ['web'] });
    const incident = await w.major({ environment: undefined, components: [] });
    // The pipeline's own CR carries the promotion's risk: low, created approved.
    const low = await w.begin();
    expect(low.run.phase).toBe('implementing');
    await w.finish(low.run.id);

    await w.ship('web', '1.1.0');
    await w.promoteTo();
    expect((await failure(w.begin({ changeRequestId: cr.number }))).code).toBe('conflict');
    await resolveIncident(deps(), w.commander, incident.number);
    expect((await w.begin({ changeRequestId: cr.number })).run.phase).toBe('implementing');
  });

  it('stops a pipeline CR that waited for approval at its approval, until the commander authorizes it', async () => {
    const w = await incidentWorld();
    await w.ship('api', '1.0.0');
    await w.promoteTo('prod', {
      fields: {
        priority: 'moderate',
        assignee: 'dev@example.com',
        customerImpact: 'high',
        deploymentImpact: 'large',
        risk: 'high',
      },
    });
    const waiting = await w.begin();
    expect(waiting.run.phase).toBe('awaiting_approval');
    const cr = waiting.changeRequest;
    const incident = await w.major();
    const refused = await failure(decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok'));
    expect(refused.message).toContain(
      `changegate incident authorize ${incident.number} --change ${cr.number}`,
    );
    await authorizeChange(deps(), w.commander, incident.number, {
      changeRequestId: cr.number,
      reason: 'needed',
    });
    await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok');
    const resumed = await awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 });
    expect(resumed.run.phase).toBe('implementing');
  });

  it('checks a CR moved into implement by hand at deployment time, and lets an interrupted deployment continue', async () => {
    const w = await incidentWorld();
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const cr = await w.scheduledChange();
    await transitionChangeRequest(deps(), w.approver, cr.number, 'implement');
    const incident = await w.major();
    const refused = await failure(w.begin({ changeRequestId: cr.number }));
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain(`${incident.number} 'API errors' is open on api in prod`);

    await resolveIncident(deps(), w.commander, incident.number);
    const first = await w.begin({ changeRequestId: cr.number });
    expect(first.run.phase).toBe('implementing');
    // The run dies here; a new major incident opens; the rerun with the CR finishes what passed the gate.
    await w.major();
    advance(lockStaleMs + 1);
    const rerun = await w.begin({ changeRequestId: cr.number });
    expect(rerun.run.phase).toBe('implementing');
    expect(rerun.run.stages.at(-1)?.detail).toContain('continuing an interrupted deployment');
  });
});
