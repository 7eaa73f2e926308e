import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, testApp } from '../../../test/support/dialects.js';
import { changeRequestDetailDto } from '../../api/dto.js';
import { evidenceDto } from '../../api/pipeline-dto.js';
import { changeApprovalsDto } from '../../api/policy-dto.js';
import { requestApproval } from '../changes/change-request-actions.js';
import { addComment, attachFile } from '../changes/change-request-records.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { exportAuditPackage } from './audit-package.js';
import { readTarGz, writeTarGz } from './audit-package-archive.js';
import { signManifest } from './audit-package-format.js';
import { verifyAuditPackage } from './verify-audit-package.js';

const present = {
  changeRequest: changeRequestDetailDto,
  approvals: changeApprovalsDto,
  evidence: evidenceDto,
};

/** Rewrites files inside a package the way someone holding only the file would. */
async function tampered(archive: Buffer, edit: (files: Map<string, Buffer>) => void): Promise<Buffer> {
  const files = await readTarGz(archive);
  edit(files);
  return writeTarGz(files, new Date(0));
}

const text = (files: Map<string, Buffer>, path: string) => files.get(path)?.toString('utf8') ?? '';

describe.each(dialects)('audit package on %s', (dialect) => {
  async function exported() {
    const t = await testApp(dialect, 'auditpkg');
    const actor = await actorIn(t.app, 'default', 'alice@example.com');
    await createChangeRequest(t.app.deps, actor, { ...validChange, title: 'before' });
    const cr = await createChangeRequest(t.app.deps, actor, { ...validChange, title: 'exported' });
    await attachFile(t.app.deps, actor, cr.number, {
      name: 'plan v1.txt',
      mediaType: 'text/plain',
      content: Buffer.from('the rollout plan'),
    });
    await createChangeRequest(t.app.deps, actor, { ...validChange, title: 'interleaved' });
    await addComment(t.app.deps, actor, cr.number, 'looks good');
    await requestApproval(t.app.deps, actor, cr.number);
    const pkg = await exportAuditPackage(t.app.deps, actor, t.app.signer(), cr.number, present);
    return { t, cr, pkg };
  }

  it('exports one archive that verifies offline, with the CR, attachments and a linked chain', async () => {
    const { t, cr, pkg } = await exported();
    try {
      const files = await readTarGz(pkg.archive);
      expect([...files.keys()].sort()).toEqual([
        'approvals.json',
        'attachments.json',
        expect.stringMatching(/^attachments\/.+-plan_v1.txt$/),
        'audit/chain.jsonl',
        'audit/checkpoint.json',
        'change-request.json',
        'evidence.json',
        'manifest.json',
      ]);
      expect(JSON.parse(text(files, 'change-request.json')).number).toBe(cr.number);
      // Events 1 (tenant) and 2 (the first CR) come before this CR; the interleaved CR's event is inside.
      expect(pkg.manifest.chain).toMatchObject({ firstSeq: 3, lastSeq: 7 });
      expect(pkg.manifest.chain.changeRequestEvents).toEqual([3, 4, 6, 7]);
      expect(text(files, 'audit/chain.jsonl').trim().split('\n')).toHaveLength(5);

      const report = await verifyAuditPackage(pkg.archive);
      expect(report.problem).toBeNull();
      expect(report).toMatchObject({ ok: true, tenant: 'default', changeRequest: cr.number });
      expect(report.checks.map((c) => c.check)).toEqual([
        'archive',
        'manifest',
        'files',
        'attachments',
        'chain',
        'checkpoint',
        'change_request_events',
      ]);
      expect(report.checks.every((c) => c.ok)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('names a tampered event, attachment, manifest or checkpoint signature', async () => {
    const { t, pkg } = await exported();
    try {
      const failed = async (archive: Buffer) => {
        const report = await verifyAuditPackage(archive);
        expect(report.ok).toBe(false);
        return report;
      };
      const check = (report: Awaited<ReturnType<typeof failed>>, name: string) =>
        report.checks.find((c) => c.check === name);

      const event = await failed(
        await tampered(pkg.archive, (files) =>
          files.set(
            'audit/chain.jsonl',
            Buffer.from(
              text(files, 'audit/chain.jsonl').replace('"actor":"alice@example.com"', '"actor":"mallory"'),
            ),
          ),
        ),
      );
      expect(event.problem).toBe(
        'audit/chain.jsonl does not match its sha256 in manifest.json: the file was altered',
      );
      expect(check(event, 'chain')?.detail).toMatch(
        /^event 3 \(\w+\) was edited: its hash does not match its content$/,
      );

      const attachment = await failed(
        await tampered(pkg.archive, (files) => {
          const path = [...files.keys()].find((p) => p.startsWith('attachments/')) ?? '';
          files.set(path, Buffer.from('a different plan'));
        }),
      );
      expect(attachment.problem).toMatch(/^attachments\/.+ does not match its sha256 in manifest.json/);
      expect(check(attachment, 'attachments')?.detail).toMatch(
        /^attachment \w+ \(plan v1.txt\) does not match the sha256 recorded when it was attached$/,
      );

      const manifest = await failed(
        await tampered(pkg.archive, (files) => {
          const m = JSON.parse(text(files, 'manifest.json'));
          m.exportedBy = 'someone else';
          files.set('manifest.json', Buffer.from(JSON.stringify(m)));
        }),
      );
      expect(manifest.problem).toBe(
        'manifest.json: the signature is not valid for its content and public key: the manifest was altered',
      );

      const signature = await failed(
        await tampered(pkg.archive, (files) => {
          const cp = JSON.parse(text(files, 'audit/checkpoint.json'));
          cp.signature = Buffer.alloc(64, 1).toString('base64');
          files.set('audit/checkpoint.json', Buffer.from(JSON.stringify(cp)));
        }),
      );
      expect(signature.problem).toMatch(/^audit\/checkpoint.json does not match its sha256/);
      expect(check(signature, 'checkpoint')?.detail).toBe(
        'the checkpoint signature is not valid: the checkpoint was altered',
      );

      const dropped = await failed(
        await tampered(pkg.archive, (files) => {
          const lines = text(files, 'audit/chain.jsonl').trim().split('\n');
          files.set(
            'audit/chain.jsonl',
            Buffer.from(`${[...lines.slice(0, 2), ...lines.slice(3)].join('\n')}\n`),
          );
        }),
      );
      expect(check(dropped, 'chain')?.detail).toBe('event 5 is missing: sequence jumps from 4 to 6');

      expect((await verifyAuditPackage(Buffer.from('not a package'))).problem).toMatch(
        /^not a readable tar.gz/,
      );
    } finally {
      await t.close();
    }
  });

  it("refuses a package re-signed with another key that claims the installation's key id, and pins the key asked for", async () => {
    const { t, pkg } = await exported();
    try {
      const genuine = await verifyAuditPackage(pkg.archive);
      expect(genuine.ok).toBe(true);
      const keyId = genuine.keyId as string;
      const forged = await verifyAuditPackage(
        await tampered(pkg.archive, (files) => {
          const { privateKey, publicKey } = generateKeyPairSync('ed25519');
          const m = JSON.parse(text(files, 'manifest.json'));
          m.publicKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
          files.set('manifest.json', Buffer.from(JSON.stringify(signManifest(m, privateKey))));
        }),
      );
      expect(forged.ok).toBe(false);
      expect(forged.problem).toMatch(
        new RegExp(`^manifest.json: key id '${keyId}' is not the fingerprint of the public key it carries`),
      );
      expect((await verifyAuditPackage(pkg.archive, { expectedKeyId: keyId })).ok).toBe(true);
      const other = await verifyAuditPackage(pkg.archive, { expectedKeyId: '0000000000000000' });
      expect(other.problem).toBe(
        `manifest.json: signed by key ${keyId}, not by the expected key 0000000000000000`,
      );
    } finally {
      await t.close();
    }
  });

  it('is refused for an unknown CR', async () => {
    const t = await testApp(dialect, 'auditpkg');
    try {
      const actor = await actorIn(t.app, 'default', 'alice@example.com');
      await expect(
        exportAuditPackage(t.app.deps, actor, t.app.signer(), 'CHG0000099', present),
      ).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await t.close();
    }
  });
});
