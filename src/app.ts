import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { monotonicFactory } from 'ulid';
import type { AppConfig } from './config.js';
import { AppError } from './domain/errors.js';
import { OidcVerifier, type OidcVerifierOptions } from './integrations/oidc/oidc-verifier.js';
import { ensureDefaultTenant } from './services/access/tenant-service.js';
import {
  type CheckpointSigner,
  generateSignerPem,
  signerFromPem,
} from './services/audit/audit-checkpoint.js';
import type { ServiceDeps } from './services/context.js';
import { OidcAuthenticator } from './services/identity/oidc-authenticator.js';
import { openDatabase } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';

export interface App {
  deps: ServiceDeps;
  config: AppConfig;
  /** The checkpoint signing key, created on first use and kept outside the database. */
  /** `create: false` for verification: a missing key is an error, never silently replaced by a new one. */
  signer(options?: { create?: boolean }): CheckpointSigner;
  /** Signs in bearer JWTs from the identity providers tenants configure. */
  oidc: OidcAuthenticator;
  close(): Promise<void>;
}

export interface AppOptions {
  now?: () => number;
  newId?: () => string;
  logger?: Logger;
  /** Key-rotation cooldown and caching of the OIDC verifier (tests shorten them). */
  oidc?: OidcVerifierOptions;
}

/** The composition root: `serve` and the CLI's local mode both start here. Migrates on open. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<App> {
  const opened = openDatabase(config.database);
  const logger = options.logger ?? pino({ level: config.logLevel }, pino.destination(2));
  const deps: ServiceDeps = {
    db: opened.db,
    dialect: opened.dialect,
    now: options.now ?? Date.now,
    newId: options.newId ?? monotonicFactory(),
    logger,
    limits: { maxAttachmentBytes: config.maxAttachmentBytes },
  };
  try {
    await migrateToLatest(opened.db, opened.dialect);
    await ensureDefaultTenant(deps);
  } catch (error) {
    await opened.close();
    throw error;
  }
  let signer: CheckpointSigner | undefined;
  return {
    deps,
    config,
    signer: ({ create = true } = {}) => {
      signer ??= loadSigner(config.auditKeyPath, create);
      return signer;
    },
    oidc: new OidcAuthenticator(deps, new OidcVerifier(options.oidc)),
    close: () => opened.close(),
  };
}

function loadSigner(path: string, create: boolean): CheckpointSigner {
  if (!existsSync(path)) {
    if (!create) {
      throw new AppError(
        'conflict',
        `no audit signing key at ${path}: checkpoints cannot be verified without the key that signed them (set CHANGEGATE_AUDIT_KEY to its file)`,
        { field: 'auditKey' },
      );
    }
    mkdirSync(dirname(path), { recursive: true });
    // wx: never overwrite a key another process created meanwhile.
    try {
      writeFileSync(path, generateSignerPem(), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return signerFromPem(readFileSync(path, 'utf8'));
}
