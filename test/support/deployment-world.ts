import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { getChangeRequest } from '../../src/services/changes/change-request-queries.js';
import { readAttachment } from '../../src/services/changes/change-request-records.js';
import { applyTenantConfig } from '../../src/services/config/config-service.js';
import type { Actor } from '../../src/services/context.js';
import { beginDeployment } from '../../src/services/deployments/begin-deployment.js';
import { finishDeployment } from '../../src/services/deployments/finish-deployment.js';
import { addEvidence } from '../../src/services/evidence/evidence-service.js';
import { addInventoryEntries, inventoryLabels } from '../../src/services/inventory/inventory-service.js';
import { promote } from '../../src/services/promotion/promote.js';
import { actorIn } from './actors.js';
import { freshDatabase, type TestDatabase, type TestDialect, testConfig } from './dialects.js';

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');

/** The environments every test tenant starts with: staging without rollback, prod with it. */
export const environments = [
  { name: 'staging', purpose: 'pre_prod' },
  { name: 'prod', purpose: 'production', detail: 'EU cluster', rollbackEnabled: true },
];

/** Evidence checks whose post-deployment rule needs acceptance tests run in the target environment. */
export const checksWithAcceptance = {
  version: '2.0',
  'pre-deployment': [
    {
      evidence_type_id: 'unit_tests',
      rules: [
        {
          asset_type: 'commit',
          source_environments: [{ name: 'ci-pipeline' }],
          target_environments: [{ name: '$target' }],
          required: [{ name: 'tool', values: ['*'] }],
        },
      ],
    },
  ],
  'post-deployment': [
    {
      evidence_type_id: 'acceptance_tests',
      rules: [
        {
          asset_type: 'image',
          source_environments: [{ name: '$target' }],
          target_environments: [{ name: 'prod' }],
          required: [{ name: 'tool', values: ['*'] }],
        },
      ],
    },
  ],
};

/**
 * The shared world of the deployment service tests: one app on a fresh database of the dialect, opened and
 * closed by `beforeAll`/`afterAll` of the calling describe, with a clock the tests can move.
 */
export function deploymentTestbed(dialect: TestDialect) {
  let db: TestDatabase;
  let app: App;
  // A clock that moves 1 ms per read and jumps when a test lets time pass (lock leases).
  let time = Date.parse('2026-01-05T09:00:00Z');
  const advance = (ms: number) => {
    time += ms;
  };
  let tenants = 0;
  let builds = 0;

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'deployments');
    app = await createApp(testConfig(db), { now: () => ++time, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  const deps = () => app.deps;

  /** A new tenant with the standard environments: each test works in its own, so none sees another's lock. */
  async function world(config: Record<string, unknown> = {}) {
    const slug = `t${++tenants}-${dialect}`;
    const pipeline = await actorIn(app, slug, 'pipeline@example.com', 'pipeline');
    const admin: Actor = { ...pipeline, name: 'admin@example.com', role: 'admin' };
    const approver: Actor = { ...pipeline, name: 'approver@example.com', role: 'approver' };
    await applyTenantConfig(deps(), admin, { document: { environments, ...config } });

    /** CI builds an entry and records its unit tests on the commit. */
    const ship = async (name: string, version: string, result: 'success' | 'failure' = 'success') => {
      const build = ++builds;
      const added = await addInventoryEntries(deps(), pipeline, {
        entries: [
          {
            name,
            version,
            artifact: `docker://registry.example/${name}@sha256:${hex(build, 64)}`,
            commitSha: hex(build, 40),
            repositoryUrl: `https://git.example/acme/${name}`,
            pipelineRunId: `ci-${build}`,
          },
        ],
      });
      await addEvidence(deps(), pipeline, {
        evidenceTypeId: 'unit_tests',
        result,
        tool: 'vitest',
        assets: [`https://git.example/acme/${name}#${hex(build, 40)}`],
        pipelineRunId: `ci-${build}`,
      });
      const entry = added.entries[0];
      if (!entry) throw new Error('no entry recorded');
      return entry;
    };
    const promoteTo = (target = 'prod', extra: Record<string, unknown> = {}) =>
      promote(deps(), pipeline, {
        target,
        fields: {
          priority: 'moderate',
          assignee: 'dev@example.com',
          customerImpact: 'low',
          deploymentImpact: 'small',
          risk: 'low',
        },
        ...extra,
      });
    const begin = (extra: Record<string, unknown> = {}) =>
      beginDeployment(deps(), pipeline, { environment: 'prod', ...extra });
    const finish = (runId: string, input: Record<string, unknown> = {}) =>
      finishDeployment(deps(), pipeline, runId, {
        deployStatus: 'success',
        acceptanceStatus: 'success',
        ...input,
      });
    const latest = async (environment = 'prod') =>
      (await inventoryLabels(deps(), pipeline, environment)).find((l) => l.label === `${environment}_latest`)
        ?.revisionId;
    const attachment = async (crNumber: string, kind: string) => {
      const { attachments } = await getChangeRequest(deps(), pipeline, crNumber);
      const found = attachments.filter((a) => a.kind === kind).at(-1);
      if (!found) throw new Error(`${crNumber} has no ${kind}`);
      return (await readAttachment(deps(), pipeline, crNumber, found.id)).content.toString('utf8');
    };
    /** Ships, promotes and deploys to prod to the end: a known `prod_latest`. */
    const deployed = async (name: string, version: string) => {
      await ship(name, version);
      await promoteTo();
      const view = await begin();
      return finish(view.run.id);
    };
    return { pipeline, admin, approver, ship, promoteTo, begin, finish, latest, attachment, deployed };
  }

  return { deps, advance, world };
}
