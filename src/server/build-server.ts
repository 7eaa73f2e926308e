import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { App } from '../app.js';
import { AppError } from '../domain/errors.js';
import { checkDatabase } from '../services/health.js';
import { purgeExpiredIdempotencyKeys } from '../services/idempotency/run-idempotent.js';
import { startEscalationWorker } from './escalation-worker.js';
import { sendError } from './http-errors.js';
import { adminRoutes } from './routes/admin-routes.js';
import { attributionRoutes } from './routes/attribution-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { batchRoutes } from './routes/batch-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { changeRequestRoutes } from './routes/change-request-routes.js';
import { complianceRoutes } from './routes/compliance-routes.js';
import { conflictRoutes } from './routes/conflict-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { incidentRoutes } from './routes/incident-routes.js';
import { incidentWebhookRoutes } from './routes/incident-webhook-routes.js';
import { maturityRoutes } from './routes/maturity-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { observationRoutes } from './routes/observation-routes.js';
import { pipelineRoutes } from './routes/pipeline-routes.js';
import { policyRoutes } from './routes/policy-routes.js';
import { problemRoutes } from './routes/problem-routes.js';
import { retentionRoutes } from './routes/retention-routes.js';
import { riskRoutes } from './routes/risk-routes.js';
import { templateRoutes } from './routes/template-routes.js';
import { windowRoutes } from './routes/window-routes.js';

export interface ServerOptions {
  /** Fastify's request log; off in tests and benchmarks. */
  logRequests?: boolean;
  /** Fire due approval-step SLA timers this often (serve passes CHANGEGATE_ESCALATION_INTERVAL_MS); off when absent or 0. */
  escalationIntervalMs?: number;
}

/** Builds the HTTP server without listening, so tests can `inject` and `serve` can `listen`. */
export async function buildServer(app: App, options: ServerOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    // The logger is always there so a 500 is recorded; request lines only when asked for.
    loggerInstance: app.deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    // Unknown fields are an error, not silently dropped; query strings may repeat (?state=a&state=b).
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false, verbose: true },
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });

  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'changegate API',
        version: '1',
        description:
          'Change requests and their approvals, the delivery pipeline (configuration, inventory, evidence, promotion, deployments), and a tamper-evident audit trail.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  fastify.setErrorHandler((error, request, reply) => {
    const code = (error as { code?: string }).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' && request.url.includes('/attachments')) {
      const limit = app.config.maxAttachmentBytes;
      return sendError(
        reply,
        request,
        new AppError(
          'payload_too_large',
          `attachment is larger than the limit of ${limit} bytes (CHANGEGATE_MAX_ATTACHMENT_BYTES)`,
          {
            field: 'content',
            limit,
          },
        ),
      );
    }
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit;
      return sendError(
        reply,
        request,
        new AppError(
          'payload_too_large',
          `request body is larger than this endpoint's limit of ${limit} bytes`,
          {
            limit,
          },
        ),
      );
    }
    return sendError(reply, request, error);
  });
  fastify.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  fastify.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  fastify.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await checkDatabase(app.deps);
      return { status: 'ready' };
    } catch (error) {
      return sendError(
        reply,
        request,
        new AppError('unavailable', `database is not reachable: ${(error as Error).message}`),
      );
    }
  });
  fastify.get('/api/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());

  changeRequestRoutes(fastify, app);
  auditRoutes(fastify, app);
  adminRoutes(fastify, app);
  pipelineRoutes(fastify, app);
  windowRoutes(fastify, app);
  eventRoutes(fastify, app);
  catalogRoutes(fastify, app);
  templateRoutes(fastify, app);
  batchRoutes(fastify, app);
  incidentRoutes(fastify, app);
  incidentWebhookRoutes(fastify, app);
  problemRoutes(fastify, app);
  complianceRoutes(fastify, app);
  observationRoutes(fastify, app);
  attributionRoutes(fastify, app);
  conflictRoutes(fastify, app);
  riskRoutes(fastify, app);
  policyRoutes(fastify, app);
  maturityRoutes(fastify, app);
  retentionRoutes(fastify, app);
  metricsRoutes(fastify, app);

  // Idempotency keys answer retries for a day; purge older ones at start and hourly.
  const purge = () =>
    purgeExpiredIdempotencyKeys(app.deps).catch((error: Error) =>
      app.deps.logger.warn({ err: error }, 'could not purge expired idempotency keys'),
    );
  const timer = setInterval(purge, 60 * 60 * 1000).unref();
  fastify.addHook('onClose', async () => clearInterval(timer));
  await purge();

  if (options.escalationIntervalMs) {
    const worker = startEscalationWorker(app.deps, options.escalationIntervalMs);
    // onClose runs once in-flight requests are done; the database closes after it.
    fastify.addHook('onClose', () => worker.stop());
  }

  await fastify.ready();
  return fastify;
}
