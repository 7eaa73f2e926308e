import { systemTenant } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { Tenant } from '../../domain/tenant.js';
import { slug, text } from '../../domain/validate.js';
import { inTransaction } from '../../store/database.js';
import { findTenantBySlug, insertTenant, listTenants } from '../../store/tenants.js';
import { recordAudit } from '../audit/record-audit.js';
import type { ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

export async function createTenant(
  deps: ServiceDeps,
  actorName: string,
  input: { slug: unknown; name?: unknown },
): Promise<Tenant> {
  const tenant: Tenant = {
    id: deps.newId(),
    slug: slug('slug', input.slug),
    name: '',
    createdAt: deps.now(),
  };
  tenant.name = input.name === undefined ? tenant.slug : text('name', input.name, { min: 1, max: 200 });
  return inTransaction(deps.db, async (tx) => {
    if (await findTenantBySlug(tx, tenant.slug)) {
      throw new AppError('conflict', `tenant '${tenant.slug}' already exists`, { field: 'slug' });
    }
    await uniqueOrConflict(insertTenant(tx, tenant), `tenant '${tenant.slug}' already exists`, 'slug');
    await recordAudit(
      tx,
      deps,
      { tenantId: tenant.id, name: actorName },
      {
        action: 'tenant.created',
        entityType: 'tenant',
        entityId: tenant.id,
        after: { slug: tenant.slug, name: tenant.name },
      },
    );
    return tenant;
  });
}

/** `init` and `serve` make sure the default tenant exists; concurrent starters may race, so tolerate it. */
export async function ensureDefaultTenant(deps: ServiceDeps): Promise<Tenant> {
  const existing = await findTenantBySlug(deps.db, systemTenant);
  if (existing) return existing;
  try {
    return await createTenant(deps, 'system', { slug: systemTenant, name: 'Default tenant' });
  } catch (error) {
    const raced = await findTenantBySlug(deps.db, systemTenant);
    if (raced) return raced;
    throw error;
  }
}

export async function requireTenant(deps: ServiceDeps, slugValue: string): Promise<Tenant> {
  const tenant = await findTenantBySlug(deps.db, slugValue);
  if (!tenant) {
    const known = (await listTenants(deps.db)).map((t) => t.slug);
    throw new AppError(
      'not_found',
      `tenant '${slugValue}' does not exist; known tenants: ${known.join(', ') || 'none (run changegate init)'}`,
      {
        field: 'tenant',
        validValues: known,
      },
    );
  }
  return tenant;
}
