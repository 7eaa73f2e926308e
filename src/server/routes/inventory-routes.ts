import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  InventoryAddResultSchema,
  InventoryLabelSchema,
  InventorySchema,
  PromotionSchema,
} from '../../api/pipeline-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import type { ChangegateApi } from '../../client/changegate-api.js';
import { ciInventory } from '../../domain/inventory.js';
import { entryInputFields } from '../../domain/inventory-input.js';
import { promotionFieldNames } from '../../domain/promotion.js';
import { apiRoute } from '../api-route.js';
import { withLargeBodies } from './large-bodies.js';

const tags = ['inventory'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
// Open objects: the services check every field and name it in their errors (entries[3].commitSha: …).
const JsonObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });
const StringList = (description: string) => Type.Array(Type.String(), { description });

/** Inventories (what CI built, what each environment holds) and promotions between them. */
export function inventoryRoutes(fastify: FastifyInstance, app: App): void {
  withLargeBodies(fastify, (scope) =>
    apiRoute(scope, app, {
      method: 'POST',
      url: '/api/v1/inventory/entries',
      permission: 'inventory:write',
      schema: {
        tags,
        summary:
          'Record builds as one new inventory revision; a failed CI run records nothing unless skipping is off (see `updated` and `reason`)',
        body: Type.Object(
          {
            environment: Type.Optional(
              Type.String({ description: `Inventory to write, default '${ciInventory}'` }),
            ),
            ciStatus: Type.Optional(Type.String({ description: 'success (default) or failure' })),
            skipInventoryUpdateOnFailure: Type.Optional(
              Type.String({
                description: "'1' (default): a failed run records nothing; '0' or '': record anyway",
              }),
            ),
            entries: Type.Array(
              JsonObject(
                `An entry with the fields ${entryInputFields.join(', ')}; sbom is a CycloneDX JSON document or its text`,
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: InventoryAddResultSchema, 413: ErrorSchema, ...errors },
      },
      handler: (api, req) => api.addInventory(req.body as Parameters<ChangegateApi['addInventory']>[0]),
    }),
  );

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/inventory',
    permission: 'inventory:read',
    schema: {
      tags,
      summary: 'An inventory at its latest revision, or at the revision a label names',
      querystring: Type.Object(
        {
          environment: Type.Optional(Type.String({ description: `Inventory, default '${ciInventory}'` })),
          label: Type.Optional(
            Type.String({ description: 'e.g. prod_latest, a CR number or a pipeline run id' }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: InventorySchema, ...errors },
    },
    handler: (api, req) => api.getInventory(req.query as { environment?: string; label?: string }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/inventory/labels',
    permission: 'inventory:read',
    schema: {
      tags,
      summary: "Labels of an inventory's revisions (pipeline run ids, CR numbers, <env>_latest)",
      querystring: Type.Object({ environment: Type.String() }, { additionalProperties: false }),
      response: { 200: Type.Array(InventoryLabelSchema), ...errors },
    },
    handler: (api, req) => api.listInventoryLabels((req.query as { environment: string }).environment),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/promotions',
    permission: 'promotion:create',
    status: 201,
    schema: {
      tags: ['promotions'],
      summary:
        "Promote: the source inventory's entries (filtered by the globs) become a new revision of the target's",
      body: Type.Object(
        {
          source: Type.Optional(
            Type.String({ description: `'${ciInventory}' (default) or an environment (its <env>_latest)` }),
          ),
          target: Type.Optional(Type.String({ description: 'The environment promoted to (required)' })),
          include: Type.Optional(StringList('Glob patterns of entry names to promote; none: all')),
          exclude: Type.Optional(StringList('Glob patterns of entry names to leave out')),
          fields: Type.Optional(
            JsonObject(
              `The change request fields (required): ${promotionFieldNames.join(', ')}; priority, assignee, customerImpact and deploymentImpact must be given`,
            ),
          ),
          labels: Type.Optional(StringList("Promotion labels, e.g. 'emergency'")),
        },
        { additionalProperties: false },
      ),
      response: { 201: PromotionSchema, ...errors },
    },
    handler: (api, req) => api.promote(req.body as Record<string, unknown>),
  });
}
