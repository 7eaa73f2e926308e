import type { FastifyInstance } from 'fastify';
import { incidentWebhookResultDto } from '../../api/incident-dto.js';
import type { App } from '../../app.js';
import { receiveIncidentWebhook } from '../../services/incidents/receive-incident-webhook.js';

/** The largest delivery accepted: alert payloads are small; anything bigger is not an alert. */
const webhookBodyLimit = 256 * 1024;

/**
 * The generic inbound incident webhook (docs/incidents.md#inbound-webhook). No bearer token: the
 * sender signs the raw body with the tenant's secret, so this route keeps the body as bytes (its
 * own content-type parser, scoped to this plugin) and the service checks the HMAC before parsing.
 * Not in the OpenAPI document, which describes the bearer-authenticated API.
 */
export function incidentWebhookRoutes(fastify: FastifyInstance, app: App): void {
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/hooks/incidents/:tenant',
      { schema: { hide: true }, bodyLimit: webhookBodyLimit },
      async (request, reply) => {
        const header = (name: string) => {
          const value = request.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const result = await receiveIncidentWebhook(app.deps, app.config.dataDir, {
          tenantSlug: (request.params as { tenant: string }).tenant,
          timestamp: header('x-changegate-timestamp'),
          signature: header('x-changegate-signature'),
          rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        });
        return reply.status(result.outcome === 'created' ? 201 : 200).send(incidentWebhookResultDto(result));
      },
    );
  });
}
