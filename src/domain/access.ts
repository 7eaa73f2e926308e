/** Roles of DESIGN.md §7 and the one table that says what each may do. Every route checks it. */

export const roles = [
  'viewer',
  'requester',
  'approver',
  'change_manager',
  'auditor',
  'admin',
  'pipeline',
] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  'change:read',
  'change:create',
  'change:update',
  'change:comment',
  'change:attach',
  'change:request_approval',
  'change:approve',
  'change:transition',
  'change:close',
  'change:cancel',
  'environment:read',
  'environment:manage',
  'catalog:read',
  'catalog:manage',
  'template:manage',
  'audit:read',
  'audit:verify',
  'audit:checkpoint',
  'audit:export',
  'token:manage',
  'tenant:manage',
  'config:read',
  'config:apply',
  'policy:read',
  'inventory:read',
  'inventory:write',
  'evidence:read',
  'evidence:write',
  'promotion:create',
  'deployment:read',
  'deployment:run',
  'window:manage',
  'window:override',
  'event:read',
  'incident:read',
  'incident:write',
  'batch:read',
  'batch:write',
  'maturity:read',
  'report:read',
  'observation:write',
  'unauthorized:manage',
  'metrics:read',
  'retention:run',
] as const;
export type Permission = (typeof permissions)[number];

const read: Permission[] = [
  'change:read',
  'environment:read',
  'catalog:read',
  'config:read',
  'policy:read',
  'inventory:read',
  'evidence:read',
  'deployment:read',
  'incident:read',
  'batch:read',
  // Aggregate figures only; every role reads the records they are computed from.
  'metrics:read',
];
const request: Permission[] = [
  ...read,
  'change:create',
  'change:update',
  'change:comment',
  'change:attach',
  'change:request_approval',
  'change:cancel',
];
const audit: Permission[] = ['audit:read', 'audit:verify'];

export const rolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: read,
  requester: [...request, 'promotion:create', 'incident:write', 'batch:write'],
  approver: [...read, 'change:comment', 'change:approve', 'incident:write'],
  change_manager: [
    ...request,
    'change:approve',
    'change:transition',
    'change:close',
    'environment:manage',
    'catalog:manage',
    'template:manage',
    'config:apply',
    'promotion:create',
    'window:manage',
    'window:override',
    'event:read',
    'incident:write',
    'batch:write',
    'maturity:read',
    'report:read',
    'unauthorized:manage',
    ...audit,
  ],
  auditor: [
    ...read,
    ...audit,
    'audit:checkpoint',
    'audit:export',
    'event:read',
    'maturity:read',
    'report:read',
  ],
  // The pipeline records builds and evidence, promotes and deploys; it cannot change the policy that gates it.
  pipeline: [
    ...request,
    'change:transition',
    'change:close',
    'inventory:write',
    'evidence:write',
    'promotion:create',
    'deployment:run',
    'observation:write',
  ],
  // tenant:manage is granted by role here but only honoured for admins of the default tenant (see can()).
  admin: [...permissions],
};

export const systemTenant = 'default';

/** Whether a principal may do something. Creating tenants is reserved to admins of the default tenant. */
export function can(principal: { role: Role; tenantSlug: string }, permission: Permission): boolean {
  if (permission === 'tenant:manage' && principal.tenantSlug !== systemTenant) return false;
  return rolePermissions[principal.role].includes(permission);
}
