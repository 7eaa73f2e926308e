import type { Role } from './access.js';

/** An API token as listed: never its secret, which is kept only as a hash. */
export interface ApiToken {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  prefix: string;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}
