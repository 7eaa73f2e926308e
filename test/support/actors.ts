import type { App } from '../../src/app.js';
import type { Role } from '../../src/domain/access.js';
import { createTenant, requireTenant } from '../../src/services/access/tenant-service.js';
import { createApiToken } from '../../src/services/access/token-service.js';
import type { Actor } from '../../src/services/context.js';

export async function actorIn(
  app: App,
  tenantSlug: string,
  name: string,
  role: Role = 'admin',
): Promise<Actor> {
  const tenant = await requireTenant(app.deps, tenantSlug).catch(() =>
    createTenant(app.deps, 'test', { slug: tenantSlug }),
  );
  return { tenantId: tenant.id, tenantSlug: tenant.slug, name, role };
}

/** A bearer secret for a new token of the role in the tenant. */
export async function tokenFor(app: App, tenantSlug: string, name: string, role: Role): Promise<string> {
  const admin = await actorIn(app, tenantSlug, 'test-admin');
  return (await createApiToken(app.deps, admin, { name, role })).secret;
}

export const validChange = {
  title: 'Upgrade payments API to 2.4.1',
  priority: 'high',
  assignee: 'dev@example.com',
  customerImpact: 'low',
  deploymentImpact: 'small',
} as const;
