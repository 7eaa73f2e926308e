export interface Tenant {
  id: string;
  slug: string;
  name: string;
  createdAt: number;
}

export interface Environment {
  id: string;
  tenantId: string;
  name: string;
  purpose: import('./change-request.js').EnvironmentPurpose;
  detail: string | null;
  createdAt: number;
}

export interface ApiToken {
  id: string;
  tenantId: string;
  name: string;
  role: import('./access.js').Role;
  prefix: string;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}
