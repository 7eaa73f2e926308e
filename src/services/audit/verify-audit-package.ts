import { type AuditEvent, ChainVerifier } from '../../domain/audit-chain.js';
import {
  type AuditCheckpoint,
  checkpointSignedByItsKey,
  keyIdOfSpki,
  parseCheckpoint,
} from './audit-checkpoint.js';
import { readTarGz } from './audit-package-archive.js';
import {
  type AuditPackageManifest,
  manifestSignedByItsKey,
  type PackagedAttachment,
  packageFormat,
  packagePaths,
  sha256Hex,
} from './audit-package-format.js';

export interface PackageCheck {
  check: 'archive' | 'manifest' | 'files' | 'attachments' | 'chain' | 'checkpoint' | 'change_request_events';
  ok: boolean;
  detail: string;
}

export interface PackageReport {
  ok: boolean;
  tenant: string | null;
  changeRequest: string | null;
  keyId: string | null;
  /** Every check, in order; each runs even after an earlier one failed. */
  checks: PackageCheck[];
  /** The first failed check's detail, or null. */
  problem: string | null;
}

class CheckFailed extends Error {}

function fail(message: string): never {
  throw new CheckFailed(message);
}

function json<T>(files: Map<string, Buffer>, path: string): T {
  const content = files.get(path) ?? fail(`${path} is missing from the package`);
  try {
    return JSON.parse(content.toString('utf8')) as T;
  } catch (error) {
    return fail(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Verifies an audit package with nothing but its own bytes: no database, no server, no installation key.
 * The keys inside prove the package is intact; compare `keyId` with your installation's to know it is yours.
 */
export async function verifyAuditPackage(
  archive: Buffer,
  options: { expectedKeyId?: string } = {},
): Promise<PackageReport> {
  const report: PackageReport = {
    ok: false,
    tenant: null,
    changeRequest: null,
    keyId: null,
    checks: [],
    problem: null,
  };
  const step = (check: PackageCheck['check'], work: () => string): boolean => {
    try {
      report.checks.push({ check, ok: true, detail: work() });
      return true;
    } catch (error) {
      if (!(error instanceof CheckFailed)) throw error;
      report.checks.push({ check, ok: false, detail: error.message });
      report.problem ??= error.message;
      return false;
    }
  };

  let files = new Map<string, Buffer>();
  const opened = await readTarGz(archive).then(
    (read) => {
      files = read;
      return null;
    },
    (error: Error) => error.message,
  );
  if (!step('archive', () => (opened ? fail(`not a readable tar.gz: ${opened}`) : `${files.size} files`)))
    return report;

  let manifest: AuditPackageManifest | undefined;
  const manifestOk = step('manifest', () => {
    manifest = json<AuditPackageManifest>(files, packagePaths.manifest);
    return checkManifest(manifest, options.expectedKeyId);
  });
  if (!manifestOk || !manifest) return report;
  const m: AuditPackageManifest = manifest;
  report.tenant = m.tenant;
  report.changeRequest = m.changeRequest?.number ?? null;
  report.keyId = m.keyId;

  step('files', () => checkFiles(files, m));
  step('attachments', () => checkAttachments(files));
  let events: AuditEvent[] = [];
  step('chain', () => {
    events = readChain(files, m);
    return checkChain(events, m);
  });
  step('checkpoint', () => checkCheckpoint(json(files, packagePaths.checkpoint), m, events));
  step('change_request_events', () => checkChangeEvents(events, m));
  report.ok = report.problem === null;
  return report;
}

function checkManifest(m: AuditPackageManifest, expectedKeyId: string | undefined): string {
  if (m?.format !== packageFormat)
    fail(`manifest.json: format is '${String(m?.format)}', expected '${packageFormat}'`);
  if (!manifestSignedByItsKey(m))
    fail(
      'manifest.json: the signature is not valid for its content and public key: the manifest was altered',
    );
  // The id shown is the public key's own fingerprint, never what the manifest claims.
  const derived = keyIdOfSpki(m.publicKey);
  if (derived !== m.keyId)
    fail(
      `manifest.json: key id '${m.keyId}' is not the fingerprint of the public key it carries ('${derived}'): the package was forged`,
    );
  if (expectedKeyId !== undefined && expectedKeyId !== derived)
    fail(`manifest.json: signed by key ${derived}, not by the expected key ${expectedKeyId}`);
  if (!m.changeRequest?.number || !m.changeRequest.id) fail('manifest.json: names no change request');
  const listed = new Set((m.files ?? []).map((f) => f.path));
  const required = [
    packagePaths.changeRequest,
    packagePaths.approvals,
    packagePaths.evidence,
    packagePaths.chain,
  ];
  const absent = required.filter((p) => !listed.has(p));
  if (absent.length > 0) fail(`manifest.json: does not list ${absent.join(', ')}`);
  return `signed by key ${m.keyId} (tenant '${m.tenant}', ${m.changeRequest.number}, exported ${m.exportedAt} by ${m.exportedBy})`;
}

function checkFiles(files: Map<string, Buffer>, m: AuditPackageManifest): string {
  const listed = new Set(m.files.map((f) => f.path));
  for (const f of m.files) {
    const content = files.get(f.path) ?? fail(`${f.path} is listed in manifest.json but missing`);
    if (sha256Hex(content) !== f.sha256)
      fail(`${f.path} does not match its sha256 in manifest.json: the file was altered`);
  }
  for (const path of files.keys()) {
    if (path !== packagePaths.manifest && !listed.has(path))
      fail(`${path} is in the archive but not listed in manifest.json`);
  }
  return `${m.files.length} files match their sha256 in manifest.json`;
}

function checkAttachments(files: Map<string, Buffer>): string {
  const list = json<PackagedAttachment[]>(files, packagePaths.attachments);
  for (const a of list) {
    const content = files.get(a.path) ?? fail(`attachment ${a.id} (${a.name}) is missing: ${a.path}`);
    if (sha256Hex(content) !== a.sha256)
      fail(`attachment ${a.id} (${a.name}) does not match the sha256 recorded when it was attached`);
  }
  return `${list.length} attachments match the sha256 recorded when they were attached`;
}

function readChain(files: Map<string, Buffer>, m: AuditPackageManifest): AuditEvent[] {
  const text = (files.get(packagePaths.chain) ?? fail(`${packagePaths.chain} is missing`)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        const e = JSON.parse(line) as AuditEvent;
        return { ...e, tenantId: m.tenantId };
      } catch {
        return fail(`${packagePaths.chain} line ${i + 1} is not valid JSON`);
      }
    });
}

function checkChain(events: AuditEvent[], m: AuditPackageManifest): string {
  // Events are hashed with the tenant's internal id; the manifest's id is the one every event must carry.
  const verifier = new ChainVerifier(null, { seq: m.chain.firstSeq - 1, hash: m.chain.prevHash });
  for (const e of events) if (!verifier.push(e)) break;
  if (verifier.broken) fail(verifier.broken.message);
  if (verifier.head.seq !== m.chain.lastSeq)
    fail(`the chain excerpt ends at event ${verifier.head.seq}, but the manifest says ${m.chain.lastSeq}`);
  return `events ${m.chain.firstSeq}..${m.chain.lastSeq} (${verifier.count}) link from prev hash ${m.chain.prevHash.slice(0, 12)}…`;
}

function checkCheckpoint(input: unknown, m: AuditPackageManifest, events: AuditEvent[]): string {
  let cp: AuditCheckpoint;
  try {
    cp = parseCheckpoint(input);
  } catch {
    return fail(`${packagePaths.checkpoint} is not a changegate audit checkpoint`);
  }
  if (cp.publicKey !== m.publicKey || cp.keyId !== m.keyId)
    fail('the checkpoint was signed by another key than the manifest');
  if (!checkpointSignedByItsKey(cp))
    fail('the checkpoint signature is not valid: the checkpoint was altered');
  if (cp.tenant !== m.tenant) fail(`the checkpoint is for tenant '${cp.tenant}', not '${m.tenant}'`);
  const at = events.find((e) => e.seq === cp.sequence);
  if (!at) fail(`event ${cp.sequence} named by the checkpoint is not in the chain excerpt`);
  if (at.hash !== cp.hash)
    fail(`event ${cp.sequence} does not have the hash the checkpoint signed: the chain was rewritten`);
  return `event ${cp.sequence} carries the hash signed at ${cp.time} by key ${cp.keyId}`;
}

function checkChangeEvents(events: AuditEvent[], m: AuditPackageManifest): string {
  const about = events
    .filter((e) => e.entityType === 'change_request' && e.entityId === m.changeRequest.id)
    .map((e) => e.seq);
  const listed = m.chain.changeRequestEvents;
  if (listed.length === 0) fail(`the manifest lists no events of ${m.changeRequest.number}`);
  const missing = listed.filter((seq) => !about.includes(seq));
  if (missing.length > 0)
    fail(
      `event ${missing[0]} of ${m.changeRequest.number} listed in the manifest is not in the chain excerpt`,
    );
  const unlisted = about.filter((seq) => !listed.includes(seq));
  if (unlisted.length > 0)
    fail(`event ${unlisted[0]} of ${m.changeRequest.number} is in the chain but not listed in the manifest`);
  return `${listed.length} events of ${m.changeRequest.number} are in the verified chain`;
}
