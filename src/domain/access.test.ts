import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { can, permissions, rolePermissions, roles } from './access.js';

/** The table users read in docs/access-control.md, parsed back into role → permissions. */
function documentedTable(): Record<string, string[]> {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'access-control.md'), 'utf8');
  const section = doc.split('## Permission table')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('|'));
  const header = (rows[0] ?? '')
    .split('|')
    .map((c) => c.trim())
    .slice(2, -1);
  const table: Record<string, string[]> = Object.fromEntries(header.map((r) => [r, []]));
  for (const row of rows.slice(2)) {
    const cells = row.split('|').map((c) => c.trim());
    const permission = cells[1] ?? '';
    header.forEach((role, i) => {
      if (cells[i + 2] === '✓') table[role]?.push(permission);
    });
  }
  return table;
}

describe('permission table', () => {
  it('is documented exactly as the code grants it', () => {
    const documented = documentedTable();
    expect(Object.keys(documented)).toEqual([...roles]);
    for (const role of roles)
      expect([...(documented[role] ?? [])].sort(), role).toEqual([...rolePermissions[role]].sort());
  });

  it('gives every role read access and only admins tokens and tenants', () => {
    for (const role of roles) expect(can({ role, tenantSlug: 'default' }, 'change:read')).toBe(true);
    expect(roles.filter((role) => can({ role, tenantSlug: 'default' }, 'token:manage'))).toEqual(['admin']);
    expect(can({ role: 'admin', tenantSlug: 'acme' }, 'tenant:manage')).toBe(false);
    expect(permissions).toContain('tenant:manage');
  });
});
