import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildServer } from '../../src/server/build-server.js';
import type { TestDialect } from './dialects.js';
import { testApp } from './dialects.js';

/** An in-process server on a fresh database; `call` injects a request with a bearer token. */
export async function testServer(
  dialect: TestDialect,
  label: string,
  overrides: Parameters<typeof testApp>[2] = {},
) {
  const t = await testApp(dialect, label, overrides);
  const fastify: FastifyInstance = await buildServer(t.app);
  const call = (token: string | null, opts: InjectOptions) =>
    fastify.inject({
      ...opts,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers ?? {}) },
    });
  return {
    ...t,
    fastify,
    call,
    close: async () => {
      await fastify.close();
      await t.close();
    },
  };
}
