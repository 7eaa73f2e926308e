import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DeploymentSchema } from '../../api/pipeline-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import type { DeployBeginInput, DeployFinishInput, RollbackBeginInput } from '../../client/changegate-api.js';
import { stepStatuses } from '../../domain/deployment.js';
import { apiRoute } from '../api-route.js';
import { withLargeBodies } from './large-bodies.js';

/** The longest one await-approval call waits, so that proxies between CI and the server do not time it out. */
export const maxApprovalWaitMs = 25_000;

const tags = ['deployments'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const reply = { 200: DeploymentSchema, ...errors };
const Run = Type.Object({ run: Type.String({ description: 'Deployment run id or pipeline run id' }) });
const LockTtl = Type.Optional(
  Type.Integer({ description: 'Seconds the environment lock lasts without renewal, default 900' }),
);
const statuses = stepStatuses.join('|');

/**
 * Deployments as separate CI steps: begin (target, CR, gate), wait at the gate, keep the lock while
 * the deploy and acceptance steps run, finish. A dropped connection on begin or finish is retried with
 * the same Idempotency-Key and answered from the stored response, so no second run starts.
 */
export function deploymentRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/deployments',
    permission: 'deployment:run',
    status: 201,
    schema: {
      tags,
      summary:
        'Begin a deployment: lock the environment, compute the delta, prepare or adopt the CR, pass the gate or stop awaiting approval',
      body: Type.Object(
        {
          environment: Type.String(),
          region: Type.Optional(Type.String({ description: "Default: the environment's only region" })),
          changeRequestId: Type.Optional(
            Type.String({
              description: "A CR to deploy under (number or id); 'notAvailable' or absent: create one",
            }),
          ),
          emergency: Type.Optional(Type.Boolean()),
          forceRedeploy: Type.Optional(Type.Boolean({ description: 'Deploy even when the delta is empty' })),
          outageMinutes: Type.Optional(
            Type.Integer({ description: 'Expected downtime; above 0 is never auto-approved' }),
          ),
          pipelineRunId: Type.Optional(Type.String({ description: 'The CD run; default a generated id' })),
          lockTtlSeconds: LockTtl,
        },
        { additionalProperties: false },
      ),
      response: { 201: DeploymentSchema, ...errors },
    },
    handler: (api, req) => api.beginDeployment(req.body as DeployBeginInput),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/deployments/:run',
    permission: 'deployment:read',
    schema: { tags, summary: 'A deployment run as it stands', params: Run, response: reply },
    handler: (api, req) => api.getDeployment(run(req)),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/deployments/:run/await-approval',
    permission: 'deployment:run',
    // A long poll, not a write to remember: a replay would answer a retry with a stale phase, and the
    // idempotency transaction would hold the database for the whole wait. Passing the gate happens
    // once whatever the number of calls, so retrying without a key is safe.
    replayable: false,
    schema: {
      tags,
      summary: `Wait for the run's CR to be decided (at most ${maxApprovalWaitMs} ms per call; call again to wait longer), then pass the gate`,
      params: Run,
      body: Type.Object(
        {
          waitMs: Type.Integer({
            minimum: 0,
            description: `How long to wait; capped at ${maxApprovalWaitMs}. 0: only look`,
          }),
          lockTtlSeconds: LockTtl,
        },
        { additionalProperties: false },
      ),
      response: reply,
    },
    handler: (api, req) => {
      const body = req.body as { waitMs: number; lockTtlSeconds?: number };
      return api.awaitDeploymentApproval(
        run(req),
        Math.min(body.waitMs, maxApprovalWaitMs),
        body.lockTtlSeconds,
      );
    },
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/deployments/:run/lock',
    permission: 'deployment:run',
    status: 204,
    // Renewing twice only extends the lease again; nothing to remember, and no body to replay.
    replayable: false,
    schema: {
      tags,
      summary: "Renew a running deployment's environment lock",
      params: Run,
      body: Type.Object({ lockTtlSeconds: LockTtl }, { additionalProperties: false }),
      response: { 204: Type.Null({ description: 'Renewed' }), ...errors },
    },
    handler: (api, req) =>
      api.renewDeploymentLock(run(req), (req.body as { lockTtlSeconds?: number }).lockTtlSeconds),
  });

  withLargeBodies(fastify, (scope) =>
    apiRoute(scope, app, {
      method: 'POST',
      url: '/api/v1/deployments/:run/finish',
      permission: 'deployment:run',
      schema: {
        tags,
        summary:
          'Finish after the deploy and acceptance steps: close the CR by readiness, or leave it in review as unsuccessful',
        params: Run,
        body: Type.Object(
          {
            deployStatus: Type.String({ description: 'success|failure' }),
            acceptanceStatus: Type.Optional(Type.String({ description: statuses })),
            rollbackStatus: Type.Optional(Type.String({ description: statuses })),
            rollbackLogs: Type.Optional(
              Type.String({ description: 'Output of the rollback step, up to 5 MiB' }),
            ),
            stages: Type.Optional(
              Type.Array(Type.Unknown(), {
                description: 'Steps run and timed by the caller: objects {name, status, durationMs, detail?}',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { ...reply, 413: ErrorSchema },
      },
      handler: (api, req) => api.finishDeployment(run(req), req.body as DeployFinishInput),
    }),
  );

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/rollbacks',
    permission: 'deployment:run',
    status: 201,
    schema: {
      tags,
      summary:
        'Begin a full rollback to the revision a concluded, successful CR deployed; finish it like a deployment',
      body: Type.Object(
        {
          environment: Type.String(),
          region: Type.Optional(Type.String()),
          changeRequestId: Type.String({ description: 'The concluded CR whose deployment to return to' }),
          limit: Type.Optional(
            Type.Integer({ description: 'At most this many successful deployments back, default 1' }),
          ),
          pipelineRunId: Type.Optional(Type.String()),
          lockTtlSeconds: LockTtl,
        },
        { additionalProperties: false },
      ),
      response: { 201: DeploymentSchema, ...errors },
    },
    handler: (api, req) => api.beginRollback(req.body as RollbackBeginInput),
  });
}

function run(req: { params: unknown }): string {
  return (req.params as { run: string }).run;
}
