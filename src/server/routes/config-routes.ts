import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { TenantConfigSchema } from '../../api/pipeline-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { tenantConfigKeys } from '../../domain/tenant-config.js';
import { apiRoute } from '../api-route.js';

const tags = ['configuration'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

/** The tenant's `changegate.yaml`: the policy that gates its pipelines, versioned and audited. */
export function configRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/config',
    permission: 'config:read',
    schema: {
      tags,
      summary: 'The configuration in force (version 0: nothing applied yet, the defaults hold)',
      response: { 200: TenantConfigSchema, ...errors },
    },
    handler: (api) => api.getConfig(),
  });

  apiRoute(fastify, app, {
    method: 'PUT',
    url: '/api/v1/config',
    permission: 'config:apply',
    schema: {
      tags,
      summary:
        'Apply a configuration document as a new version (validated whole; nothing applies if any field is bad)',
      body: Type.Object(
        {
          // The document is checked by the service, so local and remote mode give the same errors.
          document: Type.Unknown({
            description: `The parsed changegate.yaml: a mapping with some of the keys ${tenantConfigKeys.join(', ')}`,
          }),
          source: Type.Optional(
            Type.String({
              description: 'Where the document came from, e.g. its file name; kept with the version',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: TenantConfigSchema, ...errors },
    },
    handler: (api, req) => api.applyConfig(req.body as { document: unknown; source?: string }),
  });
}
