import { describe, expect, it } from 'vitest';
import { deploymentTestbed } from '../../../test/support/deployment-world.js';
import { dialects } from '../../../test/support/dialects.js';
import { getChangeRequest } from '../changes/change-request-queries.js';

const config = {
  autoApproval: { maxRisk: 'low' },
  risk: { history: { minChanges: 1 } },
  customFields: {
    type: 'object',
    properties: { dataClass: { enum: ['pii', 'internal', 'public'], default: 'internal' } },
    required: ['dataClass'],
  },
};

describe.each(dialects)('risk of the CRs the pipeline creates on %s', (dialect) => {
  const { deps, world } = deploymentTestbed(dialect);

  it('assesses the pipeline CR, fills custom field defaults without requiring them, and auto-approves on the effective risk', async () => {
    const w = await world(config);
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const view = await w.begin();
    const cr = (await getChangeRequest(deps(), w.pipeline, view.changeRequest.number)).changeRequest;
    expect(cr.risk).toBe('low');
    expect(cr.customFields).toEqual({ dataClass: 'internal' });
    // Production (impact 3) with everything else at its lowest: moderate, above the limit 'low'.
    expect(cr.riskAssessment).toMatchObject({ level: 'moderate', impact: 3, likelihood: 1 });
    expect(view.autoApproval?.approved).toBe(false);
    expect(view.autoApproval?.reasons.join('\n')).toMatch(/risk: moderate/);
  });

  it('learns from a failed, rolled-back deployment of the same component to the same environment', async () => {
    const w = await world({ ...config, autoApproval: { maxRisk: 'critical' } });
    await w.ship('api', '1.0.0');
    await w.promoteTo();
    const failed = await w.begin();
    await w.finish(failed.run.id, {
      deployStatus: 'failure',
      acceptanceStatus: 'not_run',
      rollbackStatus: 'success',
    });

    await w.ship('api', '1.0.1');
    await w.promoteTo();
    const next = await w.begin();
    const cr = (await getChangeRequest(deps(), w.pipeline, next.changeRequest.number)).changeRequest;
    const history = cr.riskAssessment?.factors.find((f) => f.factor === 'history');
    expect(history).toMatchObject({ value: '1 of 1 failed', points: 2 });
    expect(history?.explanation).toContain(
      `${failed.changeRequest.number} closed unsuccessful, deployment rolled back`,
    );
    expect(cr.riskAssessment).toMatchObject({ level: 'high', impact: 3, likelihood: 3 });
  });
});
