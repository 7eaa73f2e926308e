import type { FastifyInstance } from 'fastify';

/**
 * What CI sends in one request can be large: 100 inventory entries with a CycloneDX SBOM of some
 * hundred components each is several megabytes, and a finish carries up to 5 MiB of rollback logs.
 * Every other route keeps Fastify's 1 MiB.
 */
export const largeBodyLimit = 64 * 1024 * 1024;

/** Registers routes in a scope whose request bodies may be up to `largeBodyLimit` bytes. */
export function withLargeBodies(fastify: FastifyInstance, register: (scope: FastifyInstance) => void): void {
  fastify.register(async (scope) => {
    // apiRoute declares no body limit; set it on each route of this scope as it is added.
    scope.addHook('onRoute', (route) => {
      route.bodyLimit ??= largeBodyLimit;
    });
    register(scope);
  });
}
