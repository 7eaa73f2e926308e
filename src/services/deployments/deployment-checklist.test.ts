import { describe, expect, it } from 'vitest';
import { validChange } from '../../../test/support/actors.js';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { readAuditLog } from '../audit/audit-queries.js';
import { decideChangeApproval, requestApproval } from '../changes/change-request-actions.js';
import { getChangeRequest } from '../changes/change-request-queries.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { checkChecklistItem, createChecklist } from '../checklists/checklist-service.js';

describe.each(dialects)('the deployment gate and checklists on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  it('refuses to deploy a CR with open checklist items, writing nothing, and deploys once they are done', async () => {
    const w = await world();
    await createChecklist(deps(), w.admin, { category: 'database-schema', items: ['backup-verified'] });
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const cr = await createChangeRequest(deps(), w.pipeline, {
      ...validChange,
      environment: 'prod',
      category: 'database-schema',
    });
    await requestApproval(deps(), w.pipeline, cr.number);
    await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'ok');
    const before = await readAuditLog(deps(), w.admin, {});

    for (const emergency of [false, true]) {
      const refused = await failure(w.begin({ changeRequestId: cr.number, emergency }));
      expect(refused.code).toBe('illegal_transition');
      expect(refused.message).toContain(`${cr.number} cannot enter implement: its database-schema checklist`);
      expect(refused.message).toContain(`changegate cr check ${cr.number} backup-verified`);
      expect(refused.details).toMatchObject({ open: ['backup-verified'] });
    }
    // Nothing written: no run, no label, no event, the CR untouched.
    expect(await readAuditLog(deps(), w.admin, {})).toEqual(before);
    expect((await getChangeRequest(deps(), w.pipeline, cr.number)).changeRequest.state).toBe('scheduled');

    await checkChecklistItem(deps(), w.pipeline, cr.number, 'backup-verified', 'restore drill passed');
    const view = await w.begin({ changeRequestId: cr.number });
    expect(view.run.phase).toBe('implementing');
    expect(view.changeRequest).toMatchObject({ state: 'implement' });
  });
});
