import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChangeRequestDto } from '../../src/api/schemas.js';
import { readTarGz, writeTarGz } from '../../src/services/audit/audit-package-archive.js';
import { assertBuilt, runCli } from '../support/cli-process.js';
import {
  build,
  createWorld,
  crFields,
  deploy,
  type PipelineWorld,
  people,
  pipelineModes,
  ship,
} from '../support/pipeline-fixture.js';

/**
 * An auditor's round trip through the built CLI: export one CR's audit package, verify it on a
 * machine with no database and no server, and see tampering named; then stream the trail to a SIEM.
 */

beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const config = `
environments:
  - name: prod
    purpose: production
  - name: staging
    purpose: pre_prod
autoApproval:
  maxRisk: moderate
`;

describe.each(pipelineModes())('audit package and SIEM export through the CLI (%s)', (mode) => {
  let w: PipelineWorld;
  let offline: string;
  beforeAll(async () => {
    w = await createWorld(mode, 'auditexport', config);
    offline = mkdtempSync(join(tmpdir(), 'changegate-offline-'));
  });
  afterAll(async () => {
    await w?.close();
    rmSync(offline, { recursive: true, force: true });
  });

  it('exports a package that verifies offline and names what was tampered with', async () => {
    const cr = await w.json<ChangeRequestDto>(
      ['cr', 'create', '--title', 'Rotate the payment keys', '--environment', 'prod', ...crFields],
      people.manager,
    );
    const plan = join(w.dir, 'plan.md');
    writeFileSync(plan, '# rollout\n1. rotate\n2. verify\n');
    expect((await w.cli(['cr', 'attach', cr.number, plan], people.manager)).code).toBe(0);
    const out = join(offline, 'package.tar.gz');
    const exported = await w.cli(['audit', 'export', '--cr', cr.number, '--out', out], people.manager);
    if (mode === 'remote') {
      // Change managers read and verify the log; exporting it whole is for auditors and admins.
      expect(exported.code).toBe(2);
      expect(exported.stderr).toContain("role 'change_manager' lacks the permission 'audit:export'");
      return;
    }
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(
      new RegExp(`^audit package of ${cr.number} written to .*package.tar.gz \\(\\d+ bytes\\)`),
    );

    // Offline: no database, no server, no signing key in reach.
    const verified = await runCli(['audit', 'verify-package', out], { cwd: offline });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ok {5}manifest: signed by key [0-9a-f]{16} \(tenant 'default'/m);
    expect(verified.stdout).toMatch(/^ok {5}attachments: 1 attachments match the sha256 recorded/m);
    expect(verified.stdout).toMatch(/^ok {5}chain: events \d+\.\.\d+ \(\d+\) link from prev hash/m);
    expect(verified.stdout).toMatch(
      /^ok {5}change_request_events: 2 events of CHG\d+ are in the verified chain/m,
    );
    expect(verified.stdout).toMatch(new RegExp(`^OK: audit package of ${cr.number}`, 'm'));

    const files = await readTarGz(readFileSync(out));
    const chain = files.get('audit/chain.jsonl')?.toString() ?? '';
    files.set('audit/chain.jsonl', Buffer.from(chain.replace('Rotate the payment keys', 'Nothing to see')));
    const bad = join(offline, 'tampered.tar.gz');
    writeFileSync(bad, await writeTarGz(files, new Date()));
    const tampered = await runCli(['audit', 'verify-package', bad], { cwd: offline });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(
      /^FAILED chain: event \d+ \(\w+\) was edited: its hash does not match its content$/m,
    );
    expect(tampered.stdout).toMatch(
      /^FAILED: audit\/chain.jsonl does not match its sha256 in manifest.json: the file was altered$/m,
    );
  });

  it.runIf(mode !== 'remote')('puts the evidence of what the CR deployed into its package', async () => {
    await ship(w, 'staging', [build('ledger-api', '3.1.0')]);
    const deployed = await deploy(w, 'staging');
    expect(deployed.code, deployed.stderr).toBe(0);
    const number = deployed.doc.changeRequest.number;
    const out = join(offline, 'deployed.tar.gz');
    expect((await w.cli(['audit', 'export', '--cr', number, '--out', out])).code).toBe(0);
    const files = await readTarGz(readFileSync(out));
    const evidence = JSON.parse(files.get('evidence.json')?.toString() ?? '[]');
    // The build's unit tests, and the acceptance result the deployment itself recorded.
    expect(evidence.map((e: { evidenceTypeId: string }) => e.evidenceTypeId).sort()).toEqual([
      'acceptance_tests',
      'unit_tests',
    ]);
    const verified = await runCli(['--json', 'audit', 'verify-package', out], { cwd: offline });
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, changeRequest: number, problem: null });
  });

  it('streams the audit trail to a TCP listener and resumes where it stopped', async () => {
    const received: Buffer[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('data', (c) => received.push(c));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const to = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const first = await w.cli(['siem', 'export', '--format', 'jsonl', '--to', to]);
      if (mode === 'remote') {
        expect(first.code).toBe(2);
        expect(first.stderr).toContain('siem export reads the audit trail from the database (local mode)');
        return;
      }
      expect(first.code, first.stderr).toBe(0);
      const count = Number(/^sent (\d+) audit events of tenant 'default'/.exec(first.stdout)?.[1]);
      expect(count).toBeGreaterThan(3);
      const again = await w.json<{ sent: number; cursor: number }>([
        'siem',
        'export',
        '--format',
        'jsonl',
        '--to',
        to,
      ]);
      expect(again).toMatchObject({ sent: 0, cursor: count });
      for (let i = 0; i < 200 && Buffer.concat(received).toString().split('\n').length <= count; i++)
        await new Promise((r) => setTimeout(r, 20));
      const lines = Buffer.concat(received).toString().trim().split('\n');
      expect(lines.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      const refused = await w.cli(['siem', 'export', '--format', 'xml', '--to', to]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("format: 'xml' is not valid; use one of: jsonl, syslog, cef");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
