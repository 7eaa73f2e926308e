import type { App } from '../app.js';
import type { ChangegateApi } from '../client/changegate-api.js';
import { remoteApi } from '../client/remote-api.js';
import { type AppConfig, loadConfig } from '../config.js';
import { AppError } from '../domain/errors.js';

// Local mode's database layer (Kysely, drivers, services, CycloneDX) loads only when a command needs it,
// so remote commands and --help start fast.

export interface GlobalOptions {
  json?: boolean;
  db?: string;
  tenant?: string;
  as?: string;
}

/** Resolves the mode for one command: remote when CHANGEGATE_SERVER is set, else local on the database. */
export class Runtime {
  private app: App | undefined;
  readonly config: AppConfig;

  constructor(
    readonly options: GlobalOptions,
    defaultLogLevel = 'warn',
  ) {
    this.config = loadConfig(process.env, {
      db: options.db,
      tenant: options.tenant,
      actor: options.as,
      defaultLogLevel,
    });
  }

  get remote(): boolean {
    return this.config.server !== null && this.options.db === undefined;
  }

  async openApp(): Promise<App> {
    if (!this.app) {
      const { createApp } = await import('../app.js');
      this.app = await createApp(this.config);
    }
    return this.app;
  }

  /** The port for this invocation. Locally the actor has the database in hand, so it acts as admin. */
  async api(): Promise<ChangegateApi> {
    if (this.remote && this.config.server) {
      // Over HTTP the token decides tenant and actor; a flag that would be ignored is refused instead.
      const ignored = [this.options.tenant && '--tenant', this.options.as && '--as'].filter(Boolean);
      if (ignored.length > 0) {
        throw new AppError(
          'invalid_input',
          `${ignored.join(' and ')}: only for local mode; with CHANGEGATE_SERVER set, the API token decides tenant and actor (unset CHANGEGATE_SERVER or use --db for local mode)`,
          { field: String(ignored[0]).slice(2) },
        );
      }
      return remoteApi({ server: this.config.server, token: this.config.token });
    }
    const app = await this.openApp();
    const [{ requireTenant }, { localApi }] = await Promise.all([
      import('../services/access/tenant-service.js'),
      import('../client/local-api.js'),
    ]);
    const tenant = await requireTenant(app.deps, this.config.tenant);
    return localApi(app, {
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      name: this.config.actor,
      role: 'admin',
    });
  }

  async close(): Promise<void> {
    await this.app?.close();
  }
}
