import type { Logger } from 'pino';
import type { Role } from '../domain/access.js';
import type { Db, Dialect } from '../store/database.js';

/** What every use case needs, passed in by the composition root; tests pass a fixed clock and ids. */
export interface ServiceDeps {
  db: Db;
  dialect: Dialect;
  now: () => number;
  newId: () => string;
  logger: Logger;
  limits: { maxAttachmentBytes: number };
}

/** Who is acting, in which tenant. Edges authenticate and authorize before calling a service. */
export interface Actor {
  tenantId: string;
  tenantSlug: string;
  name: string;
  role: Role;
  /** The IdP groups of an OIDC sign-in; they make the person a member of groups listing them (idpGroups). */
  idpGroups?: string[];
  /** The credential that authenticated this call (an API token id); absent in local mode. */
  credentialId?: string;
}
