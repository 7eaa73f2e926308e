import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { configRoutes } from './config-routes.js';
import { deploymentRoutes } from './deployment-routes.js';
import { evidenceRoutes } from './evidence-routes.js';
import { inventoryRoutes } from './inventory-routes.js';

/** The pipeline API: configuration, inventory and promotion, evidence, deployments and rollbacks. */
export function pipelineRoutes(fastify: FastifyInstance, app: App): void {
  configRoutes(fastify, app);
  inventoryRoutes(fastify, app);
  evidenceRoutes(fastify, app);
  deploymentRoutes(fastify, app);
}
