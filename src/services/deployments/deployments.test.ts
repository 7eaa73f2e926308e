import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, freshDatabase, type TestDatabase, testConfig } from '../../../test/support/dialects.js';
import { failure } from '../../../test/support/failure.js';
import { type App, createApp } from '../../app.js';
import { lockStaleMs } from '../../domain/deployment.js';
import type { AppError } from '../../domain/errors.js';
import { findTenantConfig, listTenantConfigVersions } from '../../store/tenant-configs.js';
import { readAuditLog, verifyAuditChain } from '../audit/audit-queries.js';
import { decideChangeApproval, requestApproval } from '../changes/change-request-actions.js';
import { findChangeRequests, getChangeRequest } from '../changes/change-request-queries.js';
import { readAttachment } from '../changes/change-request-records.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { applyTenantConfig, loadTenantConfig } from '../config/config-service.js';
import type { Actor } from '../context.js';
import { listTenantEnvironments } from '../environments/environment-service.js';
import { addEvidence, findEvidence } from '../evidence/evidence-service.js';
import { evidenceSummary } from '../evidence/evidence-summary.js';
import { addInventoryEntries, getInventory, inventoryLabels } from '../inventory/inventory-service.js';
import { promote } from '../promotion/promote.js';
import { awaitApproval, renewLock } from './await-approval.js';
import { beginDeployment } from './begin-deployment.js';
import { beginRollback } from './begin-rollback.js';
import { getDeployment } from './deployment-support.js';
import { finishDeployment } from './finish-deployment.js';

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');

/** The environments every test tenant starts with: staging without rollback, prod with it. */
const environments = [
  { name: 'staging', purpose: 'pre_prod' },
  { name: 'prod', purpose: 'production', detail: 'EU cluster', rollbackEnabled: true },
];

/** Evidence checks whose post-deployment rule needs acceptance tests run in the target environment. */
const checksWithAcceptance = {
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

/** The AppError a promise rejects with (or fails the test). */
describe.each(dialects)('deployment services on %s', (dialect) => {
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

  describe('config', () => {
    it('keeps every applied version and creates or updates the environments it names', async () => {
      const w = await world();
      const second = {
        environments: [
          { name: 'prod', purpose: 'production', detail: 'EU and US', regions: ['eu-de', 'us-south'] },
        ],
        autoApproval: { maxRisk: 'low' },
      };
      const applied = await applyTenantConfig(deps(), w.admin, {
        document: second,
        source: 'changegate.yaml',
      });
      expect(applied.version).toBe(2);
      const versions = await listTenantConfigVersions(deps().db, w.admin.tenantId);
      expect(versions.map((v) => [v.version, v.appliedBy])).toEqual([
        [2, 'admin@example.com'],
        [1, 'admin@example.com'],
      ]);
      expect((await findTenantConfig(deps().db, w.admin.tenantId, 1))?.document).toEqual({ environments });
      expect((await findTenantConfig(deps().db, w.admin.tenantId, 2))?.document).toEqual(second);
      expect((await loadTenantConfig(deps().db, w.admin.tenantId)).config.autoApproval.maxRisk).toBe('low');

      const envs = await listTenantEnvironments(deps(), w.admin);
      expect(envs.find((e) => e.name === 'prod')).toMatchObject({
        detail: 'EU and US',
        regions: ['eu-de', 'us-south'],
        rollbackEnabled: false,
      });
      // Not named by version 2: left as it was.
      expect(envs.find((e) => e.name === 'staging')).toMatchObject({ purpose: 'pre_prod' });

      const events = (await readAuditLog(deps(), w.admin, {})).filter((e) => e.action === 'config.applied');
      expect(events.map((e) => [e.before, (e.after as { version: number }).version])).toEqual([
        [null, 1],
        [{ version: 1 }, 2],
      ]);
      expect((events[1]?.after as { environments?: string[] } | undefined)?.environments).toEqual([
        'updated prod',
      ]);
    });

    it('refuses a bad config naming the field path, and stores nothing of it', async () => {
      const w = await world();
      const audit = (await verifyAuditChain(deps(), w.admin)).count;
      const e = await failure(
        applyTenantConfig(deps(), w.admin, {
          document: {
            environments: [
              { name: 'qa', purpose: 'pre_prod' },
              { name: 'perf', purpose: 'testing' },
            ],
          },
        }),
      );
      expect(e.code).toBe('invalid_input');
      expect(e.details).toMatchObject({
        field: 'environments[1].purpose',
        validValues: ['production', 'pre_prod'],
      });
      expect(e.message).toMatch(
        /^environments\[1\]\.purpose: 'testing' is not valid; use one of: production, pre_prod/,
      );
      expect((await loadTenantConfig(deps().db, w.admin.tenantId)).version).toBe(1);
      expect((await listTenantEnvironments(deps(), w.admin)).map((env) => env.name).sort()).toEqual([
        'prod',
        'staging',
      ]);
      expect((await verifyAuditChain(deps(), w.admin)).count).toBe(audit);
    });
  });

  describe('inventory', () => {
    it('appends one revision per add, holding the previous entries, and names the bad entry of a batch', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.ship('web', '1.0.0');
      await w.ship('api', '1.1.0');
      const master = await getInventory(deps(), w.pipeline, {});
      expect(master.revision?.seq).toBe(3);
      expect(master.entries.map((e) => `${e.name} ${e.version}`)).toEqual(['api 1.1.0', 'web 1.0.0']);

      const entry = (name: string, commitSha: string) => ({
        name,
        version: '1',
        artifact: `docker://r/${name}`,
        commitSha,
        repositoryUrl: 'https://git.example/acme/x',
        pipelineRunId: 'ci-x',
      });
      const e = await failure(
        addInventoryEntries(deps(), w.pipeline, {
          entries: [entry('a', 'a'.repeat(40)), entry('b', 'nope')],
        }),
      );
      expect(e.details.field).toBe('entries[1].commitSha');
      expect((await getInventory(deps(), w.pipeline, {})).revision?.seq).toBe(3);
    });

    it('records nothing for a failed CI run unless skipping is turned off', async () => {
      const w = await world();
      const input = (skip?: string) => ({
        ciStatus: 'failure',
        ...(skip === undefined ? {} : { skipInventoryUpdateOnFailure: skip }),
        entries: [
          {
            name: 'hotfix',
            version: '1',
            artifact: 'docker://r/hotfix',
            commitSha: 'b'.repeat(40),
            repositoryUrl: 'https://git.example/acme/hotfix',
            pipelineRunId: 'ci-hotfix',
          },
        ],
      });
      const skipped = await addInventoryEntries(deps(), w.pipeline, input());
      expect(skipped).toMatchObject({ updated: false, revision: null });
      expect((await addInventoryEntries(deps(), w.pipeline, input('1'))).updated).toBe(false);
      expect((await getInventory(deps(), w.pipeline, {})).revision).toBeNull();
      const recorded = await addInventoryEntries(deps(), w.pipeline, input('0'));
      expect(recorded).toMatchObject({ updated: true, revision: { seq: 1 } });
    });
  });

  describe('promote', () => {
    it('promotes only the names the include globs select and the exclude globs leave', async () => {
      const w = await world();
      for (const name of ['api', 'web', 'worker-a', 'worker-b']) await w.ship(name, '1.0.0');
      const p = await w.promoteTo('prod', { include: ['worker-*', 'api'], exclude: ['worker-b'] });
      expect(p.names).toEqual(['api', 'worker-a']);
      expect(p.delta.map((d) => `${d.change} ${d.name}`)).toEqual(['added api', 'added worker-a']);
      const prod = await getInventory(deps(), w.pipeline, { environment: 'prod' });
      expect(prod.entries.map((e) => e.name)).toEqual(['api', 'worker-a']);
      expect(prod.revision).toMatchObject({ seq: 1, reason: 'promotion' });
    });

    it('says when everything has already been promoted', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const e = await failure(w.promoteTo());
      expect(e.code).toBe('conflict');
      expect(e.message).toMatch(
        /^All changes have already been promoted: 'prod' already holds what 'master' has$/,
      );
      const narrowed = await failure(w.promoteTo('prod', { include: ['api'] }));
      expect(narrowed.message).toMatch(/already been promoted.*for the selected names/);
      expect((await getInventory(deps(), w.pipeline, { environment: 'prod' })).revision?.seq).toBe(1);
    });

    it('promotes from an environment what was last deployed there, removing names the source lacks', async () => {
      const w = await world();
      await w.ship('legacy', '1.0.0');
      await w.promoteTo('prod', { include: ['legacy'] });
      const api = await w.ship('api', '1.0.0');
      // staging gets api 1.0.0 deployed, then api 1.1.0 promoted but not deployed.
      await w.promoteTo('staging', { include: ['api'] });
      const staged = await w.begin({ environment: 'staging' });
      await w.finish(staged.run.id);
      await w.ship('api', '1.1.0');
      await w.promoteTo('staging', { include: ['api'] });

      const narrowed = await w.promoteTo('prod', { source: 'staging', include: ['api'] });
      expect(narrowed.names).toEqual(['api']);
      const p = await w.promoteTo('prod', { source: 'staging' });
      expect(p.names).toEqual(['legacy']);
      expect(p.delta.map((d) => `${d.change} ${d.name} ${d.fromVersion} → ${d.toVersion}`)).toEqual([
        'removed legacy 1.0.0 → null',
      ]);
      const prod = await getInventory(deps(), w.pipeline, { environment: 'prod' });
      expect(prod.entries.map((e) => [e.name, e.id])).toEqual([['api', api.id]]);
      expect(p.sourceRevisionId).toBe(await w.latest('staging'));
    });

    it('refuses a source with nothing deployed, the same source and target, and an unknown target', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      expect((await failure(w.promoteTo('prod', { source: 'staging' }))).message).toMatch(
        /nothing has been deployed to 'staging' yet/,
      );
      expect((await failure(w.promoteTo('prod', { source: 'prod' }))).details.field).toBe('target');
      expect((await failure(w.promoteTo('qa'))).message).toMatch(
        /environment: 'qa' does not exist; use one of/,
      );
      const empty = await world();
      expect((await failure(empty.promoteTo())).message).toMatch(/the 'master' inventory is empty/);
    });
  });

  describe('begin and finish', () => {
    it('auto-approves a ready deployment, closes its CR successful and moves prod_latest', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin({ pipelineRunId: 'cd-1' });
      expect(begun.run).toMatchObject({
        flow: 'standard',
        phase: 'implementing',
        createdChangeRequest: true,
      });
      expect(begun.changeRequest).toMatchObject({
        state: 'implement',
        approval: 'approved',
        type: 'normal',
        deploymentReady: true,
        title: 'Deploy api 1.0.0 to prod',
        pipelineRunId: 'cd-1',
        targetEnvironmentPurpose: 'production',
      });
      expect(begun.autoApproval?.approved).toBe(true);
      expect(begun.attachments).toEqual(['deployment_bom', 'delta_summary']);
      expect(await w.latest()).toBeUndefined();

      const done = await w.finish(begun.run.id);
      expect(done.run).toMatchObject({ phase: 'finished', status: 'successful_deployment' });
      expect(done.changeRequest).toMatchObject({ state: 'closed', closeCategory: 'successful' });
      expect(done.attachments).toEqual(['deployment_bom', 'delta_summary', 'closing_summary', 'merged_sbom']);
      expect(await w.latest()).toBe(begun.run.targetRevisionId);
      const closing = JSON.parse(await w.attachment(done.changeRequest.number, 'closing_summary'));
      expect(closing).toMatchObject({
        outcome: 'deployed',
        deploymentReady: true,
        changeRequest: done.changeRequest.number,
      });
      expect(closing.entries[0].evidence.map((e: { evidenceTypeId: string }) => e.evidenceTypeId)).toEqual([
        'acceptance_tests',
        'unit_tests',
      ]);
      // The lock is released and the delta is now empty.
      expect((await failure(w.begin())).message).toMatch(/nothing to deploy.*--force-redeploy/);
      expect((await w.begin({ forceRedeploy: true })).run.phase).toBe('implementing');
    });

    it('sends a deployment that is not ready for approval and waits without holding the lock', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const waiting = await w.begin();
      expect(waiting.run.phase).toBe('awaiting_approval');
      expect(waiting.changeRequest).toMatchObject({
        state: 'authorize',
        approval: 'requested',
        deploymentReady: false,
      });
      expect(waiting.autoApproval?.reasons[0]).toMatch(/deployment ready: no/);
      const e = await failure(w.finish(waiting.run.id));
      expect(e.code).toBe('illegal_transition');
      expect(e.message).toMatch(/awaiting approval.*waiting for its change request to be approved/);
      // Another run may take the environment meanwhile.
      expect((await w.begin({ outageMinutes: 5 })).run.phase).toBe('awaiting_approval');
    });

    it('does not auto-approve a deployment with an outage or a risk above the limit', async () => {
      const w = await world({ autoApproval: { maxRisk: 'low' } });
      await w.ship('api', '1.0.0');
      const fields = {
        priority: 'high',
        assignee: 'dev@example.com',
        customerImpact: 'low',
        deploymentImpact: 'small',
      };
      await w.promoteTo('prod', { fields: { ...fields, risk: 'moderate' } });
      const risky = await w.begin();
      expect(risky.changeRequest).toMatchObject({
        approval: 'requested',
        deploymentReady: true,
        risk: 'moderate',
      });
      expect(risky.autoApproval?.reasons).toContain("risk: moderate above the auto-approval limit 'low'");

      await w.promoteTo('staging', { fields });
      const outage = await w.begin({ environment: 'staging', outageMinutes: 10 });
      expect(outage.changeRequest).toMatchObject({ approval: 'requested', outageMinutes: 10 });
      expect(outage.autoApproval).toEqual({
        approved: false,
        reasons: [
          'deployment ready: yes',
          'outage: 10 minutes (planned downtime needs a human approval)',
          "risk: low within the auto-approval limit 'low'",
        ],
      });
    });

    it('closes successful_with_issues when a post-deployment rule fails at closure', async () => {
      const w = await world({ evidenceChecks: checksWithAcceptance });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin();
      // Post-deployment rules do not gate the deployment.
      expect(begun.changeRequest.approval).toBe('approved');
      expect(begun.attachments).toContain('evidence_checks_config');
      const done = await w.finish(begun.run.id, { acceptanceStatus: undefined });
      expect(done.changeRequest.closeCategory).toBe('successful_with_issues');
      expect(done.changeRequest.closeNotes).toMatch(/acceptance_tests missing/);
      expect(await w.latest()).toBe(begun.run.targetRevisionId);
    });

    it('closes successful when the acceptance step satisfies the post-deployment rule', async () => {
      const w = await world({ evidenceChecks: checksWithAcceptance });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin();
      const done = await w.finish(begun.run.id, { acceptanceStatus: 'success' });
      expect(done.changeRequest.closeCategory).toBe('successful');
      const acceptance = await findEvidence(deps(), w.pipeline, { type: 'acceptance_tests' });
      expect(acceptance).toHaveLength(1);
      expect(acceptance[0]).toMatchObject({
        environment: 'prod',
        result: 'success',
        pipelineRunId: begun.run.pipelineRunId,
      });
    });

    it('leaves a failed deployment in review as unsuccessful with the rollback documents, prod_latest unchanged', async () => {
      const w = await world();
      const first = await w.deployed('api', '1.0.0');
      await w.ship('api', '1.1.0');
      await w.promoteTo();
      const begun = await w.begin();
      const failed = await w.finish(begun.run.id, {
        acceptanceStatus: 'failure',
        rollbackStatus: 'success',
        rollbackLogs: 'helm rollback api 1\nrestored api 1.0.0\n',
      });
      expect(failed.run).toMatchObject({
        phase: 'finished',
        status: 'failed_deployment_successful_rollback',
      });
      expect(failed.changeRequest).toMatchObject({ state: 'review', closeCategory: 'unsuccessful' });
      expect(failed.attachments).toEqual([
        'deployment_bom',
        'delta_summary',
        'rollback_logs',
        'closing_summary',
        'merged_sbom',
      ]);
      expect(await w.attachment(failed.changeRequest.number, 'rollback_logs')).toBe(
        'helm rollback api 1\nrestored api 1.0.0\n',
      );
      const closing = JSON.parse(await w.attachment(failed.changeRequest.number, 'closing_summary'));
      expect(closing).toMatchObject({ outcome: 'rolled back', revision: { id: first.run.targetRevisionId } });
      expect(closing.entries.map((e: { version: string }) => e.version)).toEqual(['1.0.0']);
      const sbom = JSON.parse(await w.attachment(failed.changeRequest.number, 'merged_sbom'));
      expect(sbom.metadata.component.version).toBe('revision-1');
      expect(await w.latest()).toBe(first.run.targetRevisionId);
      // The lock is released: the next attempt may begin (and waits for approval, the failed acceptance
      // tests being evidence against api 1.1.0 now).
      const next = await w.begin();
      expect(next.run.phase).toBe('awaiting_approval');
      expect(next.changeRequest.deploymentReady).toBe(false);
    });

    it('reports a failed rollback, and no rollback where the environment has it disabled', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const prod = await w.begin();
      const rollbackFailed = await w.finish(prod.run.id, {
        deployStatus: 'failure',
        acceptanceStatus: undefined,
        rollbackStatus: 'failure',
      });
      expect(rollbackFailed.run.status).toBe('failed_deployment_failed_rollback');
      expect(await w.attachment(rollbackFailed.changeRequest.number, 'rollback_logs')).toBe(
        '(no rollback output was captured)\n',
      );
      expect(
        JSON.parse(await w.attachment(rollbackFailed.changeRequest.number, 'closing_summary')),
      ).toMatchObject({
        outcome: 'rollback failed',
        entries: [],
      });

      await w.promoteTo('staging');
      const staging = await w.begin({ environment: 'staging' });
      // A rollback status for an environment without rollback is refused, not silently dropped.
      expect(
        (await failure(w.finish(staging.run.id, { acceptanceStatus: 'failure', rollbackStatus: 'success' })))
          .details,
      ).toMatchObject({ field: 'rollbackStatus' });
      const noRollback = await w.finish(staging.run.id, { acceptanceStatus: 'failure' });
      expect(noRollback.run.status).toBe('failed_deployment_no_rollback');
      expect(noRollback.changeRequest).toMatchObject({ state: 'review', closeCategory: 'unsuccessful' });
      expect(noRollback.attachments).toEqual(['deployment_bom', 'delta_summary']);
      expect(await w.latest('staging')).toBeUndefined();
    });

    // finishDeployment judges closure on every target entry when the delta has no added/changed entry,
    // while beginDeployment and evidenceSummary judged the (empty) set of delta entries.
    it('judges a deployment that only removes entries on the same entries at closure as at begin', async () => {
      const w = await world();
      const api = await w.ship('api', '1.0.0');
      await w.ship('legacy', '1.0.0');
      await w.promoteTo();
      await w.finish((await w.begin()).run.id);
      await w.promoteTo('staging', { include: ['api'] });
      await w.finish((await w.begin({ environment: 'staging' })).run.id);
      const p = await w.promoteTo('prod', { source: 'staging' });
      expect(p.delta.map((d) => `${d.change} ${d.name}`)).toEqual(['removed legacy']);
      // A finding on api, which this deployment does not change.
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'code_vulnerability_scan',
        result: 'failure',
        tool: 'trivy',
        assets: [api.artifact],
      });
      const preview = await evidenceSummary(deps(), w.pipeline, 'prod');
      expect(preview.readiness.ready).toBe(true);
      const begun = await w.begin();
      expect(begun.changeRequest).toMatchObject({ approval: 'approved', deploymentReady: true });
      const done = await w.finish(begun.run.id);
      expect(done.changeRequest.closeCategory).toBe('successful');
    });

    // The pipeline run id becomes a label of the target revision at begin; `prod_latest` (or a CR number)
    // as a run id moves that label before anything was deployed.
    it('does not let a pipeline run id move prod_latest', async () => {
      const w = await world();
      const first = await w.deployed('api', '1.0.0');
      await w.ship('api', '2.0.0');
      await w.promoteTo();
      let begun: Awaited<ReturnType<typeof w.begin>>;
      try {
        begun = await w.begin({ pipelineRunId: 'prod_latest' });
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid_input', details: { field: 'pipelineRunId' } });
        return;
      }
      expect(await w.latest()).toBe(first.run.targetRevisionId);
      await w.finish(begun.run.id, { deployStatus: 'failure', acceptanceStatus: undefined });
      expect(await w.latest()).toBe(first.run.targetRevisionId);
    });

    it('refuses to finish a run twice, and refuses contradictory step results', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const begun = await w.begin();
      const bad = await failure(
        w.finish(begun.run.id, { deployStatus: 'failure', acceptanceStatus: 'success' }),
      );
      expect(bad.details.field).toBe('acceptanceStatus');
      await w.finish(begun.run.id);
      const audit = (await verifyAuditChain(deps(), w.pipeline)).count;
      const again = await failure(
        w.finish(begun.run.id, { deployStatus: 'failure', acceptanceStatus: undefined }),
      );
      expect(again.code).toBe('illegal_transition');
      expect(again.message).toMatch(/is finished; only a deployment in implement can be finished/);
      expect(
        (await getChangeRequest(deps(), w.pipeline, begun.changeRequest.number)).changeRequest.closeCategory,
      ).toBe('successful');
      expect((await verifyAuditChain(deps(), w.pipeline)).count).toBe(audit);
      expect((await failure(w.finish('no-such-run'))).code).toBe('not_found');
    });

    it('runs an emergency change without waiting and owes its follow-ups', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo('prod', { labels: ['emergency'] });
      const begun = await w.begin();
      expect(begun.run).toMatchObject({ flow: 'emergency', phase: 'implementing' });
      expect(begun.changeRequest).toMatchObject({
        type: 'emergency',
        state: 'implement',
        approval: 'retro_pending',
      });
      const done = await w.finish(begun.run.id);
      expect(done.changeRequest.closeCategory).toBe('successful_with_issues');
      expect(done.obligations.map((o) => o.kind).sort()).toEqual([
        'evidence_remediation',
        'retrospective_approval',
        'root_cause_analysis',
      ]);
    });
  });

  describe('the lock', () => {
    it('refuses a second begin on the same environment and region, naming the running deployment', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin();
      const e = await failure(w.begin());
      expect(e.code).toBe('conflict');
      expect(e.message).toContain(`prod/default is being deployed by run ${first.run.id}`);
      expect(e.details).toMatchObject({ field: 'environment', lockedBy: first.run.id });
      // Nothing of the refused begin is kept.
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
      // Another environment is not locked.
      await w.promoteTo('staging');
      expect((await w.begin({ environment: 'staging' })).run.phase).toBe('implementing');
    });

    it('lets another run in once the lease lapses, and the old run can no longer renew it', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin({ lockTtlSeconds: 1 });
      advance(500);
      expect((await failure(w.begin())).code).toBe('conflict');
      advance(600);
      const second = await w.begin();
      expect(second.run.phase).toBe('implementing');
      expect(second.changeRequest.id).not.toBe(first.changeRequest.id);
      const renew = await failure(renewLock(deps(), w.pipeline, first.run.id, 60));
      expect(renew.details.lockedBy).toBe(second.run.id);
      await renewLock(deps(), w.pipeline, second.run.id, 60);
    });

    it('lets a rerun with the same CR take over an interrupted run once it stopped renewing its lock', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin({ pipelineRunId: 'cd-1' });
      // While the holder renews its lock (it is alive), even a rerun with its CR is refused.
      expect(
        (await failure(w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number }))).code,
      ).toBe('conflict');
      advance(lockStaleMs + 1);
      const rerun = await w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number });
      expect(rerun.run).toMatchObject({ flow: 'fast_path', phase: 'implementing' });
      expect(rerun.run.stages.find((s) => s.name === 'gate')?.detail).toMatch(
        /continuing an interrupted deployment/,
      );
      expect((await getDeployment(deps(), w.pipeline, first.run.id)).run.phase).toBe('abandoned');
      expect((await failure(w.finish(first.run.id))).code).toBe('illegal_transition');
      const done = await w.finish(rerun.run.id);
      expect(done.changeRequest.state).toBe('closed');
      // The abandoned run no longer holds anything: the environment is free.
      expect((await w.begin({ forceRedeploy: true })).run.phase).toBe('implementing');
    });

    it('locks each region of an environment separately', async () => {
      const w = await world();
      await applyTenantConfig(deps(), w.admin, {
        document: { environments: [{ name: 'prod', purpose: 'production', regions: ['eu-de', 'us-south'] }] },
      });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      expect((await failure(w.begin())).details).toMatchObject({
        field: 'region',
        validValues: ['eu-de', 'us-south'],
      });
      const eu = await w.begin({ region: 'eu-de' });
      const us = await w.begin({ region: 'us-south' });
      expect([eu.run.phase, us.run.phase]).toEqual(['implementing', 'implementing']);
      expect(eu.changeRequest.title).toBe('Deploy api 1.0.0 to prod/eu-de');
      expect((await failure(w.begin({ region: 'eu-de' }))).details.lockedBy).toBe(eu.run.id);
    });

    // `<env>_latest` is one label per environment, so a deployment to one region becomes the base of
    // the delta (and of "nothing to deploy") for every other region of the environment.
    it('computes the delta of a region against what was deployed to that region', async () => {
      const w = await world();
      await applyTenantConfig(deps(), w.admin, {
        document: { environments: [{ name: 'prod', purpose: 'production', regions: ['eu-de', 'us-south'] }] },
      });
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      await w.finish((await w.begin({ region: 'eu-de' })).run.id);
      const us = await w.begin({ region: 'us-south' });
      expect(us.run.delta.map((d) => `${d.change} ${d.name}`)).toEqual(['added api']);
      expect(us.run.baseRevisionId).toBeNull();
    });

    /** Starts `n` begins at once and sorts out who got through. */
    async function race(begin: (extra: Record<string, unknown>) => Promise<unknown>, n = 8) {
      const results = await Promise.allSettled(
        Array.from({ length: n }, (_, i) => begin({ pipelineRunId: `cd-${i}` })),
      );
      return {
        won: results.filter((r) => r.status === 'fulfilled'),
        lost: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AppError] : [])),
      };
    }

    it('lets exactly one of several concurrent begins through', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const { won, lost } = await race(w.begin);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const e of lost) expect(e).toMatchObject({ code: 'conflict', details: { field: 'environment' } });
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
    });

    it('lets exactly one of several concurrent begins take over a lapsed lease', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      await w.begin({ lockTtlSeconds: 1 });
      advance(5000);
      const { won, lost } = await race(w.begin);
      expect(won).toHaveLength(1);
      for (const e of lost) expect(e).toMatchObject({ code: 'conflict' });
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(2);
    });
  });

  describe('a supplied change request', () => {
    it('takes the fast path for a CR the pipeline created for the same target, reusing its delta and summary', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const first = await w.begin({ pipelineRunId: 'cd-1' });
      expect(first.run.phase).toBe('awaiting_approval');
      // Evidence fixed meanwhile: the fast path still shows what the approver saw.
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        pipelineRunId: first.run.delta[0]?.to?.pipelineRunId,
      });
      await decideChangeApproval(deps(), w.approver, first.changeRequest.number, 'approved', 'risk accepted');
      const rerun = await w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number });
      expect(rerun.run).toMatchObject({
        flow: 'fast_path',
        phase: 'implementing',
        createdChangeRequest: false,
      });
      expect(rerun.run.delta).toEqual(first.run.delta);
      expect(rerun.run.readiness).toEqual(first.run.readiness);
      expect((rerun.run.readiness as { ready: boolean }).ready).toBe(false);
      expect(rerun.run.stages.find((s) => s.name === 'change_request')?.detail).toMatch(/fast path/);
      expect(rerun.changeRequest).toMatchObject({ state: 'implement', approval: 'approved' });
      // No new CR and no new documents.
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
      expect(rerun.attachments).toEqual(['deployment_bom', 'delta_summary']);
      expect((await getDeployment(deps(), w.pipeline, first.run.id)).run.phase).toBe('abandoned');
      // Closed by readiness at closure, which now holds.
      const done = await w.finish(rerun.run.id);
      expect(done.changeRequest).toMatchObject({ state: 'closed', closeCategory: 'successful' });
    });

    it('treats the same CR as manual once a new promotion changed the target, and leaves it open', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const first = await w.begin();
      await decideChangeApproval(deps(), w.approver, first.changeRequest.number, 'approved', 'ok');
      await w.ship('api', '1.1.0');
      await w.promoteTo();
      const rerun = await w.begin({ changeRequestId: first.changeRequest.number });
      expect(rerun.run.flow).toBe('manual');
      expect(rerun.run.targetRevisionId).not.toBe(first.run.targetRevisionId);
      expect(rerun.run.delta.map((d) => `${d.name} ${d.toVersion}`)).toEqual(['api 1.1.0']);
      expect((rerun.run.readiness as { ready: boolean }).ready).toBe(true);
      expect(rerun.run.stages.find((s) => s.name === 'change_request')?.detail).toMatch(
        /supplied CR: delta and summary recomputed/,
      );
      expect((await findChangeRequests(deps(), w.pipeline, {})).items).toHaveLength(1);
      expect(rerun.attachments.filter((a) => a === 'delta_summary')).toHaveLength(2);

      const done = await w.finish(rerun.run.id);
      expect(done.run.status).toBe('successful_deployment');
      // Left open in review for its owner to close; it cannot be reused for another deployment.
      expect(done.changeRequest).toMatchObject({ state: 'review', closeCategory: null });
      expect((await failure(w.begin({ changeRequestId: first.changeRequest.number }))).code).toBe(
        'illegal_transition',
      );
      expect(done.attachments).toContain('closing_summary');
      expect(done.attachments).toContain('merged_sbom');
      expect(await w.latest()).toBe(rerun.run.targetRevisionId);
    });

    it('deploys a hand-made approved CR with downtime as manual, recomputing the delta', async () => {
      const w = await world();
      await w.deployed('api', '1.0.0');
      const cr = await createChangeRequest(deps(), w.pipeline, {
        ...validChange,
        environment: 'prod',
        outageMinutes: 30,
      });
      await requestApproval(deps(), w.pipeline, cr.number);
      await decideChangeApproval(deps(), w.approver, cr.number, 'approved', 'window agreed');
      const run = await w.begin({ changeRequestId: cr.number });
      expect(run.run).toMatchObject({ flow: 'manual', phase: 'implementing', delta: [] });
      expect(run.changeRequest.state).toBe('implement');
    });

    it('refuses a CR made for another environment, locking nothing', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const staging = await createChangeRequest(deps(), w.pipeline, {
        ...validChange,
        environment: 'staging',
      });
      const e = await failure(w.begin({ changeRequestId: staging.number }));
      expect(e.code).toBe('invalid_input');
      expect(e.details.field).toBe('changeRequestId');
      expect(e.message).toMatch(new RegExp(`${staging.number} is for environment 'staging', not 'prod'`));
      expect((await failure(w.begin({ changeRequestId: 'CHG0999999' }))).code).toBe('not_found');
      expect((await w.begin()).run.phase).toBe('implementing');
    });

    it('does not let --emergency override a rejection', async () => {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      const waiting = await w.begin();
      await decideChangeApproval(
        deps(),
        w.approver,
        waiting.changeRequest.number,
        'rejected',
        'not this one',
      );
      const e = await failure(w.begin({ changeRequestId: waiting.changeRequest.number, emergency: true }));
      expect(e.code).toBe('illegal_transition');
      const cr = (await getChangeRequest(deps(), w.pipeline, waiting.changeRequest.number)).changeRequest;
      expect(cr).toMatchObject({ type: 'normal', state: 'assess', approval: 'rejected' });
    });

    it('refuses a closed CR and one left in review', async () => {
      const w = await world();
      const done = await w.deployed('api', '1.0.0');
      expect((await failure(w.begin({ changeRequestId: done.changeRequest.number }))).code).toBe(
        'illegal_transition',
      );
      await w.ship('api', '1.1.0');
      await w.promoteTo();
      const begun = await w.begin();
      const failed = await w.finish(begun.run.id, { acceptanceStatus: 'failure' });
      const e = await failure(w.begin({ changeRequestId: failed.changeRequest.number }));
      expect(e.code).toBe('illegal_transition');
      expect(e.message).toMatch(/is in review after its deployment \(unsuccessful\)/);
    });
  });

  describe('awaiting approval', () => {
    async function waitingRun() {
      const w = await world();
      await w.ship('api', '1.0.0', 'failure');
      await w.promoteTo();
      return { w, waiting: await w.begin() };
    }

    it('returns the run still waiting when nothing was decided in time', async () => {
      const { w, waiting } = await waitingRun();
      const view = await awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 });
      expect(view.run.phase).toBe('awaiting_approval');
    });

    it('passes the gate once approved, retaking the lock', async () => {
      const { w, waiting } = await waitingRun();
      const pending = awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      await decideChangeApproval(deps(), w.approver, waiting.changeRequest.number, 'approved', 'ok');
      const view = await pending;
      expect(view.run.phase).toBe('implementing');
      expect(view.changeRequest).toMatchObject({ state: 'implement', approval: 'approved' });
      expect(view.run.stages.filter((s) => s.name === 'gate')).toHaveLength(1);
      expect((await failure(w.begin({ forceRedeploy: true }))).details.lockedBy).toBe(waiting.run.id);
    });

    it('ends the run when the CR is rejected', async () => {
      const { w, waiting } = await waitingRun();
      await decideChangeApproval(
        deps(),
        w.approver,
        waiting.changeRequest.number,
        'rejected',
        'scan must pass',
      );
      const view = await awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 });
      expect(view.run.phase).toBe('abandoned');
      expect(view.rejection).toEqual({ approver: 'approver@example.com', comment: 'scan must pass' });
    });

    it('refuses to pass the gate while another run holds the lock', async () => {
      const { w, waiting } = await waitingRun();
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        pipelineRunId: waiting.run.delta[0]?.to?.pipelineRunId,
      });
      const other = await w.begin();
      expect(other.run.phase).toBe('implementing');
      await decideChangeApproval(deps(), w.approver, waiting.changeRequest.number, 'approved', 'ok');
      const e = await failure(awaitApproval(deps(), w.pipeline, waiting.run.id, { waitMs: 0 }));
      expect(e.details.lockedBy).toBe(other.run.id);
      expect((await getDeployment(deps(), w.pipeline, waiting.run.id)).run.phase).toBe('awaiting_approval');
    });
  });

  describe('rollback and evidence summary', () => {
    it('returns prod to an earlier deployment under a new linked emergency CR', async () => {
      const w = await world();
      const v1 = await w.deployed('api', '1.0.0');
      const v2 = await w.deployed('api', '2.0.0');
      const refused = await failure(
        beginRollback(deps(), w.pipeline, { environment: 'prod', changeRequestId: v2.changeRequest.number }),
      );
      expect(refused.message).toMatch(/is what prod\/default runs now/);
      const rollback = await beginRollback(deps(), w.pipeline, {
        environment: 'prod',
        changeRequestId: v1.changeRequest.number,
      });
      expect(rollback.run).toMatchObject({
        flow: 'rollback',
        phase: 'implementing',
        targetRevisionId: v1.run.targetRevisionId,
      });
      expect(rollback.changeRequest).toMatchObject({
        type: 'emergency',
        state: 'implement',
        approval: 'retro_pending',
      });
      expect(rollback.run.delta.map((d) => `${d.name} ${d.fromVersion} → ${d.toVersion}`)).toEqual([
        'api 2.0.0 → 1.0.0',
      ]);
      const links = (await getChangeRequest(deps(), w.pipeline, rollback.changeRequest.number)).links;
      expect(links.map((l) => [l.kind, l.target])).toEqual([['rollback_of', v1.changeRequest.number]]);
      const done = await w.finish(rollback.run.id);
      expect(done.changeRequest.state).toBe('closed');
      expect(await w.latest()).toBe(v1.run.targetRevisionId);
    });

    it('previews readiness and the delta without writing anything', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.ship('web', '1.0.0', 'failure');
      await w.promoteTo();
      const audit = (await verifyAuditChain(deps(), w.pipeline)).count;
      const summary = await evidenceSummary(deps(), w.pipeline, 'prod');
      expect(summary.delta.map((d) => d.name)).toEqual(['api', 'web']);
      expect(summary.readiness.ready).toBe(false);
      expect(summary.readiness.summary).toMatch(/1 of 2 entries ready; 1 failing: web \(unit_tests failed\)/);
      expect(summary.baseRevision).toBeNull();
      expect((await verifyAuditChain(deps(), w.pipeline)).count).toBe(audit);
      expect((await failure(evidenceSummary(deps(), w.pipeline, 'staging'))).message).toMatch(
        /nothing has been promoted to 'staging'/,
      );
    });

    // The evidence index and readiness must normalise repository URLs alike (fixed in 29d2f4e).
    it('finds evidence on the commit whatever the case of a .git suffix', async () => {
      const w = await world();
      const sha = 'c'.repeat(40);
      await addInventoryEntries(deps(), w.pipeline, {
        entries: [
          {
            name: 'api',
            version: '1.0.0',
            artifact: 'docker://registry.example/api:1.0.0',
            commitSha: sha,
            repositoryUrl: 'https://git.example/acme/api.GIT',
            pipelineRunId: 'ci-git',
          },
        ],
      });
      await addEvidence(deps(), w.pipeline, {
        evidenceTypeId: 'unit_tests',
        result: 'success',
        tool: 'vitest',
        assets: [`https://git.example/acme/api#${sha}`],
      });
      await w.promoteTo();
      expect((await evidenceSummary(deps(), w.pipeline, 'prod')).readiness.ready).toBe(true);
    });
  });

  describe('audit', () => {
    it('records every write of the flows in an intact chain', async () => {
      const w = await world();
      const actions = async (fn: () => Promise<unknown>) => {
        const before = (await verifyAuditChain(deps(), w.pipeline)).count;
        await fn();
        const events = await readAuditLog(deps(), w.pipeline, { afterSeq: before });
        return events.map((e) => e.action);
      };
      expect(await actions(() => w.ship('api', '1.0.0'))).toEqual(['inventory.updated', 'evidence.added']);
      expect(await actions(() => w.promoteTo())).toEqual(['promotion.created']);
      let runId = '';
      const begun = await actions(async () => {
        runId = (await w.begin()).run.id;
      });
      expect(begun).toEqual(
        expect.arrayContaining([
          'change_request.created',
          'change_request.attached',
          'change_request.implementation_started',
        ]),
      );
      const finished = await actions(() => w.finish(runId));
      expect(finished).toEqual(
        expect.arrayContaining([
          'evidence.added',
          'change_request.attached',
          'change_request.transitioned',
          'change_request.closed',
          'deployment.finished',
        ]),
      );
      expect(finished.at(-1)).toBe('deployment.finished');
      const report = await verifyAuditChain(deps(), w.pipeline);
      expect(report).toMatchObject({ ok: true, firstBad: null });
    });

    it('records a begin that takes over an interrupted run', async () => {
      const w = await world();
      await w.ship('api', '1.0.0');
      await w.promoteTo();
      const first = await w.begin({ pipelineRunId: 'cd-1' });
      advance(lockStaleMs + 1);
      const before = (await verifyAuditChain(deps(), w.pipeline)).count;
      const rerun = await w.begin({ pipelineRunId: 'cd-1', changeRequestId: first.changeRequest.number });
      expect(rerun.run.flow).toBe('fast_path');
      // The run was replaced, the lock moved and the old run abandoned: an auditor must be able to see that.
      const events = await readAuditLog(deps(), w.pipeline, { afterSeq: before });
      expect(events.length).toBeGreaterThan(0);
      expect((await verifyAuditChain(deps(), w.pipeline)).ok).toBe(true);
    });
  });

  describe('tenant isolation', () => {
    it("keeps one tenant's runs, inventory, evidence and promotions out of another's reach", async () => {
      const a = await world();
      const done = await a.deployed('api', '1.0.0');
      await a.ship('web', '1.0.0');
      await a.promoteTo();
      const waiting = await a.begin({ pipelineRunId: 'cd-a' });
      const b = await world();
      const notFound = async (p: Promise<unknown>) => expect((await failure(p)).code).toBe('not_found');

      await notFound(getDeployment(deps(), b.pipeline, done.run.id));
      await notFound(getDeployment(deps(), b.pipeline, 'cd-a'));
      await notFound(b.finish(waiting.run.id));
      await notFound(awaitApproval(deps(), b.pipeline, waiting.run.id, { waitMs: 0 }));
      await notFound(renewLock(deps(), b.pipeline, waiting.run.id, 60));
      await notFound(getChangeRequest(deps(), b.pipeline, done.changeRequest.id));
      await notFound(b.begin({ changeRequestId: done.changeRequest.id }));
      await notFound(
        beginRollback(deps(), b.pipeline, { environment: 'prod', changeRequestId: done.changeRequest.id }),
      );
      await notFound(getInventory(deps(), b.pipeline, { environment: 'prod', label: 'prod_latest' }));
      expect(await findEvidence(deps(), b.pipeline, {})).toEqual([]);
      expect((await getInventory(deps(), b.pipeline, {})).revision).toBeNull();
      // A's promotions and deployments do not exist for B.
      expect((await failure(b.begin())).message).toMatch(/nothing has been promoted to 'prod'/);
      expect((await failure(evidenceSummary(deps(), b.pipeline, 'prod'))).message).toMatch(
        /nothing has been promoted/,
      );
      expect((await failure(b.promoteTo('staging', { source: 'prod' }))).message).toMatch(
        /nothing has been deployed to 'prod'/,
      );
      // B's inventory is its own, and A's lock does not block B.
      await b.ship('api', '9.0.0');
      expect(
        (await getInventory(deps(), b.pipeline, {})).entries.map((e) => `${e.name} ${e.version}`),
      ).toEqual(['api 9.0.0']);
      expect(
        (await getInventory(deps(), a.pipeline, {})).entries.map((e) => `${e.name} ${e.version}`),
      ).toEqual(['api 1.0.0', 'web 1.0.0']);
      await b.promoteTo();
      expect((await b.begin()).run.phase).toBe('implementing');
      expect((await verifyAuditChain(deps(), a.pipeline)).ok).toBe(true);
      expect((await verifyAuditChain(deps(), b.pipeline)).ok).toBe(true);
    });
  });
});
