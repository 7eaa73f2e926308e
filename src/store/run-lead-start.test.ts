import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn } from '../../test/support/actors.js';
import { dialects, testApp } from '../../test/support/dialects.js';
import type { App } from '../app.js';
import type { DeploymentRun } from '../domain/deployment.js';
import type { DeltaItem, InventoryEntry } from '../domain/inventory.js';
import type { Actor } from '../services/context.js';
import { insertRun, saveRun } from './deployment-runs.js';
import { leadStartSql } from './migrations/0018-report-profiles.js';

const entry = (name: string, createdAt: number): InventoryEntry => ({
  id: `inv-${name}`,
  name,
  version: '1.0.0',
  artifact: `docker://registry.example.com/${name}:1.0.0`,
  type: 'container',
  sha256: null,
  commitSha: 'abc',
  repositoryUrl: `https://git.example.com/${name}`,
  buildNumber: null,
  pipelineRunId: 'ci-1',
  provenance: null,
  signature: null,
  appArtifacts: null,
  hasSbom: false,
  createdBy: 'ci',
  createdAt,
});

const changed = (name: string, createdAt: number, committedAt?: number): DeltaItem => ({
  name,
  change: 'changed',
  fromVersion: '0.9.0',
  toVersion: '1.0.0',
  from: null,
  to: { ...entry(name, createdAt), ...(committedAt === undefined ? {} : { committedAt }) },
});

describe.each(dialects)('a run records where the lead time of what it deploys starts, on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let app: App;
  let actor: Actor;

  beforeAll(async () => {
    t = await testApp(dialect, 'run-build-time');
    app = t.app;
    actor = await actorIn(app, 'build-time', 'admin@example.com');
  });
  afterAll(async () => t?.close());

  const run = (id: string, delta: DeltaItem[]): DeploymentRun => ({
    id,
    pipelineRunId: 'ci-1',
    environment: 'prod',
    region: 'default',
    flow: 'standard',
    phase: 'finished',
    status: 'successful_deployment',
    changeRequestId: null,
    createdChangeRequest: false,
    promotionId: null,
    targetRevisionId: 'rev',
    baseRevisionId: null,
    delta,
    readiness: {},
    stages: [],
    options: {
      emergency: false,
      forceRedeploy: false,
      outageMinutes: 0,
      suppliedChangeRequest: null,
      source: 'master',
      autoApproval: null,
    },
    createdBy: 'ci',
    startedAt: 5_000,
    updatedAt: 5_000,
    finishedAt: 6_000,
  });
  const builtAt = async () =>
    (
      await app.deps.db
        .selectFrom('deployment_runs')
        .where('tenant_id', '=', actor.tenantId)
        .select(['id', 'lead_start_at'])
        .orderBy('id')
        .execute()
    ).map((r) => [r.id, r.lead_start_at]);

  it('keeps the earliest build of the delta on insert and save; a delta that builds nothing has none', async () => {
    const removed: DeltaItem = {
      name: 'gone',
      change: 'removed',
      fromVersion: '1',
      toVersion: null,
      from: null,
      to: null,
    };
    await insertRun(
      app.deps.db,
      actor.tenantId,
      run('run-a', [changed('api', 3_000), changed('web', 1_000)]),
    );
    await insertRun(app.deps.db, actor.tenantId, run('run-b', [removed]));
    await saveRun(app.deps.db, actor.tenantId, run('run-b', [removed, changed('db', 2_000)]));
    expect(await builtAt()).toEqual([
      ['run-a', 1_000],
      ['run-b', 2_000],
    ]);
  });

  it('is what the migration backfills from the delta JSON of older runs', async () => {
    await app.deps.db.updateTable('deployment_runs').set({ lead_start_at: null }).execute();
    await sql`update deployment_runs set lead_start_at = ${leadStartSql(dialect)}`.execute(app.deps.db);
    expect(await builtAt()).toEqual([
      ['run-a', 1_000],
      ['run-b', 2_000],
    ]);
  });

  it('starts at the commit when CI said when it was made, at the build otherwise', async () => {
    // api was committed at 500 and built at 3,000; web, with no commit time, was built at 1,000.
    await insertRun(
      app.deps.db,
      actor.tenantId,
      run('run-c', [changed('api', 3_000, 500), changed('web', 1_000)]),
    );
    await insertRun(app.deps.db, actor.tenantId, run('run-d', [changed('api', 3_000, 2_500)]));
    expect((await builtAt()).slice(2)).toEqual([
      ['run-c', 500],
      ['run-d', 2_500],
    ]);
  });
});
