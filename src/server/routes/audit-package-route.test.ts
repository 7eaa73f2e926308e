import { describe, expect, it } from 'vitest';
import { tokenFor, validChange } from '../../../test/support/actors.js';
import { dialects } from '../../../test/support/dialects.js';
import { testServer } from '../../../test/support/server.js';
import { verifyAuditPackage } from '../../services/audit/verify-audit-package.js';

describe.each(dialects)('GET /api/v1/change-requests/{ref}/audit-package on %s', (dialect) => {
  it('gives auditors a package that verifies, and refuses roles without audit:export', async () => {
    const s = await testServer(dialect, 'auditpkgroute');
    try {
      const admin = await tokenFor(s.app, 'default', 'admin@example.com', 'admin');
      const auditor = await tokenFor(s.app, 'default', 'audrey@example.com', 'auditor');
      const manager = await tokenFor(s.app, 'default', 'carol@example.com', 'change_manager');
      const cr = (
        await s.call(admin, { method: 'POST', url: '/api/v1/change-requests', payload: validChange })
      ).json();
      const url = `/api/v1/change-requests/${cr.number}/audit-package`;

      const res = await s.call(auditor, { method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename=${cr.number}-audit-package.tar.gz`,
      );
      const report = await verifyAuditPackage(res.rawPayload);
      expect(report).toMatchObject({ ok: true, changeRequest: cr.number, problem: null });

      const refused = await s.call(manager, { method: 'GET', url });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toContain("lacks the permission 'audit:export'");
      expect(
        (await s.call(auditor, { method: 'GET', url: '/api/v1/change-requests/CHG0000099/audit-package' }))
          .statusCode,
      ).toBe(404);
    } finally {
      await s.close();
    }
  });
});
