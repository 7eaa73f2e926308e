import type { Environment } from '../../domain/environment.js';
import { defaultTenantConfig, parseTenantConfig, type TenantConfig } from '../../domain/tenant-config.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  findEnvironment,
  insertEnvironment,
  listEnvironments,
  updateEnvironment,
} from '../../store/environments.js';
import {
  findLatestTenantConfigText,
  findTenantConfig,
  insertTenantConfig,
} from '../../store/tenant-configs.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { applyCatalog } from './apply-catalog.js';
import { ParsedConfigCache } from './parsed-config-cache.js';

export interface AppliedConfig {
  version: number;
  appliedBy: string | null;
  appliedAt: number | null;
  config: TenantConfig;
  document: unknown;
  environments: Environment[];
}

/**
 * Applies a `changegate.yaml` document: validated whole (nothing is applied when any field is bad),
 * kept as a new version, audited, and its environments created or updated, then its groups,
 * components, templates, checklists and windows (apply-catalog.ts). What the document does not
 * mention is left as it is: change requests refer to it.
 */
export async function applyTenantConfig(
  deps: ServiceDeps,
  actor: Actor,
  input: { document: unknown; source?: unknown },
): Promise<AppliedConfig> {
  const config = parseTenantConfig(input.document);
  const source = typeof input.source === 'string' ? input.source : null;
  return inTransaction(deps.db, async (tx) => {
    const previous = await findTenantConfig(tx, actor.tenantId);
    const version = (previous?.version ?? 0) + 1;
    const now = deps.now();
    await insertTenantConfig(tx, actor.tenantId, {
      version,
      document: input.document,
      source,
      appliedBy: actor.name,
      appliedAt: now,
    });
    const changes: string[] = [];
    for (const env of config.environments) {
      const props = {
        purpose: env.purpose,
        detail: env.detail,
        regions: env.regions,
        rollbackEnabled: env.rollbackEnabled,
      };
      const existing = await findEnvironment(tx, actor.tenantId, env.name);
      if (existing) {
        await updateEnvironment(tx, actor.tenantId, env.name, props);
        changes.push(`updated ${env.name}`);
      } else {
        await insertEnvironment(tx, {
          id: deps.newId(),
          tenantId: actor.tenantId,
          name: env.name,
          ...props,
          createdAt: now,
        });
        changes.push(`created ${env.name}`);
      }
    }
    const catalog = await applyCatalog(tx, deps, actor, config.catalog);
    await recordAudit(tx, deps, actor, {
      action: 'config.applied',
      entityType: 'tenant_config',
      entityId: `${actor.tenantSlug}#${version}`,
      before: previous ? { version: previous.version } : null,
      after: { version, document: input.document as object, environments: changes, catalog },
    });
    return {
      version,
      appliedBy: actor.name,
      appliedAt: now,
      config,
      document: input.document,
      environments: await listEnvironments(tx, actor.tenantId),
    };
  });
}

/** Parsed configurations in force, kept per tenant and version (parsed-config-cache.ts). */
const parsedConfigs = new ParsedConfigCache<TenantConfig>(1_000);

/**
 * The configuration in force: the latest applied version, or the defaults (version 0). The version is
 * read from the database on every call; its document is parsed once per version. The result is frozen.
 */
export async function loadTenantConfig(
  db: DbOrTx,
  tenantId: string,
): Promise<Omit<AppliedConfig, 'environments'>> {
  const stored = await findLatestTenantConfigText(db, tenantId);
  if (!stored) {
    return { version: 0, appliedBy: null, appliedAt: null, config: defaultTenantConfig, document: null };
  }
  const { config, document } = parsedConfigs.parsed(tenantId, stored.version, stored.documentJson, (text) => {
    const document: unknown = JSON.parse(text);
    return { config: parseTenantConfig(document), document };
  });
  return {
    version: stored.version,
    appliedBy: stored.appliedBy,
    appliedAt: stored.appliedAt,
    config,
    document,
  };
}

export async function showTenantConfig(deps: ServiceDeps, actor: Actor): Promise<AppliedConfig> {
  const loaded = await loadTenantConfig(deps.db, actor.tenantId);
  return { ...loaded, environments: await listEnvironments(deps.db, actor.tenantId) };
}
