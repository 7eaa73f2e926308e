import { userInfo } from 'node:os';
import { join } from 'node:path';

/** Everything changegate reads from its environment, read once here and nowhere else. */
export interface AppConfig {
  database: string;
  dataDir: string;
  auditKeyPath: string;
  maxAttachmentBytes: number;
  logLevel: string;
  /** Log one line per HTTP request (CHANGEGATE_LOG_REQUESTS=1). */
  logRequests: boolean;
  /** Remote mode: the CLI talks to this server instead of the database. */
  server: string | null;
  token: string | null;
  tenant: string;
  actor: string;
  /** How often `serve` fires due approval-step SLA timers (CHANGEGATE_ESCALATION_INTERVAL_MS); 0: never. */
  escalationIntervalMs: number;
}

export interface ConfigOverrides {
  db?: string;
  tenant?: string;
  actor?: string;
  /** Used when CHANGEGATE_LOG_LEVEL is unset: the server logs at info, one-shot CLI commands at warn. */
  defaultLogLevel?: string;
}

export const defaultMaxAttachmentBytes = 10 * 1024 * 1024;
export const defaultEscalationIntervalMs = 15_000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): AppConfig {
  const dataDir = env.CHANGEGATE_HOME || './.changegate';
  const maxBytes = Number(env.CHANGEGATE_MAX_ATTACHMENT_BYTES || defaultMaxAttachmentBytes);
  const escalationMs = Number(env.CHANGEGATE_ESCALATION_INTERVAL_MS || defaultEscalationIntervalMs);
  return {
    database: overrides.db || env.CHANGEGATE_DB || join(dataDir, 'changegate.db'),
    dataDir,
    auditKeyPath: env.CHANGEGATE_AUDIT_KEY || join(dataDir, 'audit-signing-key.pem'),
    maxAttachmentBytes: Number.isInteger(maxBytes) && maxBytes > 0 ? maxBytes : defaultMaxAttachmentBytes,
    logLevel: env.CHANGEGATE_LOG_LEVEL || overrides.defaultLogLevel || 'info',
    logRequests: env.CHANGEGATE_LOG_REQUESTS === '1',
    server: env.CHANGEGATE_SERVER || null,
    token: env.CHANGEGATE_TOKEN || null,
    tenant: overrides.tenant || env.CHANGEGATE_TENANT || 'default',
    actor: overrides.actor || env.CHANGEGATE_ACTOR || osUser(),
    escalationIntervalMs:
      Number.isInteger(escalationMs) && escalationMs >= 0 ? escalationMs : defaultEscalationIntervalMs,
  };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
