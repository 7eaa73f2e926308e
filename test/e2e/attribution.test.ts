import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CauseDecisionDto, IncidentCausesDto, ReviewDto } from '../../src/api/attribution-schemas.js';
import type { AuditEventDto } from '../../src/api/schemas.js';
import { assertBuilt } from '../support/cli-process.js';
import {
  build,
  createWorld,
  deploy,
  type PipelineWorld,
  people,
  pipelineModes,
  policyWithChecks,
  ship,
} from '../support/pipeline-fixture.js';

/**
 * Change attribution through the built CLI (docs/attribution.md): an incident after two deployments
 * ranks them, a person confirms one and rejects the other, and the post-incident reviews follow.
 */

beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const environments = `
  - name: prod
    purpose: production
    rollbackEnabled: true`;

describe.each(pipelineModes())('change attribution and reviews (%s)', (mode) => {
  let w: PipelineWorld;

  beforeAll(async () => {
    w = await createWorld(mode, 'attribution', policyWithChecks(environments));
  });
  afterAll(async () => {
    await w?.close();
  });

  it('ranks the deployments before an incident, confirms and rejects causes, and tracks the reviews', async () => {
    await ship(w, 'prod', [build('payments', '1.0.0')]);
    const good = await deploy(w, 'prod');
    expect(good.code, good.stderr).toBe(0);
    await ship(w, 'prod', [build('payments', '1.1.0')]);
    const bad = await deploy(w, 'prod', [
      '--deploy-cmd',
      'echo deploying',
      '--acceptance-cmd',
      'echo smoke failed; exit 1',
      '--rollback-cmd',
      'echo restoring',
    ]);
    expect(bad.code, bad.stderr).toBe(4);
    const goodCr = good.doc.changeRequest.number;
    const badCr = bad.doc.changeRequest.number;

    const incident = await w.json<{ number: string }>(
      ['incident', 'create', '--title', 'Checkout errors', '--component', 'payments', '--env', 'prod'],
      people.manager,
    );
    const ranked = await w.json<IncidentCausesDto>(['incident', 'causes', incident.number], people.manager);
    // The failed, rolled-back deployment is the latest and ranks first.
    expect(ranked.causes.map((c) => [c.changeRequest, c.status])).toEqual([
      [badCr, 'candidate'],
      [goodCr, 'candidate'],
    ]);
    expect(ranked.causes[0]?.explanation).toContain(
      'failed (+0.100): the deployment failed and was rolled back',
    );
    const human = await w.cli(['incident', 'causes', incident.number, '--rerank'], people.manager);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`1. ${badCr}  candidate  confidence`);

    const confirmed = await w.json<CauseDecisionDto>(
      ['incident', 'confirm-cause', incident.number, badCr, '--note', 'the 1.1.0 rollout'],
      people.manager,
    );
    expect(confirmed.cause).toMatchObject({ status: 'confirmed', decisionNote: 'the 1.1.0 rollout' });
    expect(confirmed.reviewDueAt).not.toBeNull();

    const noNote = await w.cli(['incident', 'reject-cause', incident.number, goodCr], people.manager);
    expect(noNote.code).toBe(2);
    const rejected = await w.json<CauseDecisionDto>(
      ['incident', 'reject-cause', incident.number, goodCr, '--note', 'ran fine for a day'],
      people.manager,
    );
    expect(rejected.cause.status).toBe('rejected');

    // The failed deployment owes a review for failing, and one for causing the incident.
    const reviews = await w.json<ReviewDto[]>(['reviews', 'list', '--open'], people.manager);
    expect(reviews.map((r) => r.changeRequest)).toEqual([badCr, badCr]);
    expect(await w.json<ReviewDto[]>(['reviews', 'list', '--overdue'], people.manager)).toEqual([]);
    const done = await w.cli(
      ['cr', 'follow-up', badCr, 'post_incident_review', '--note', 'RCA: connection pool size'],
      people.manager,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(await w.json<ReviewDto[]>(['reviews', 'list', '--open'], people.manager)).toEqual([]);

    const log = await w.json<AuditEventDto[]>(['audit', 'log', '--cr', badCr], people.manager);
    expect(log.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'change_request.cause_confirmed',
        'obligation.created',
        'obligation.completed',
      ]),
    );
  });
});
