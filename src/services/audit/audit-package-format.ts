import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The offline-verifiable audit package of one CR (docs/audit-trail.md#audit-packages): a tar.gz of
 * JSON records, the attachments' bytes, a stretch of the tenant's hash chain ending at a signed
 * checkpoint, and manifest.json listing every other file with its SHA-256, signed with the same
 * Ed25519 key as the checkpoint.
 */
export const packageFormat = 'changegate-audit-package/v1';

export const packagePaths = {
  manifest: 'manifest.json',
  changeRequest: 'change-request.json',
  approvals: 'approvals.json',
  evidence: 'evidence.json',
  attachments: 'attachments.json',
  chain: 'audit/chain.jsonl',
  checkpoint: 'audit/checkpoint.json',
} as const;

export interface PackageFile {
  path: string;
  sha256: string;
  size: number;
}

export interface AuditPackageManifest {
  format: typeof packageFormat;
  tenant: string;
  tenantId: string;
  changeRequest: { id: string; number: string };
  exportedAt: string;
  exportedBy: string;
  keyId: string;
  /** Ed25519 public key, SPKI DER in base64, as in checkpoints. */
  publicKey: string;
  chain: {
    /** The chain excerpt runs from the CR's first event to the checkpoint's event. */
    firstSeq: number;
    lastSeq: number;
    /** The hash of event firstSeq - 1, which the first included event links to. */
    prevHash: string;
    /** Sequence numbers of the events about the CR. */
    changeRequestEvents: number[];
  };
  files: PackageFile[];
  /** Ed25519 over the RFC 8785 canonical JSON of every other field. */
  signature: string;
}

/** One entry of attachments.json: what the database recorded, and where the bytes are. */
export interface PackagedAttachment {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  path: string;
}

export function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

function manifestBytes(manifest: Omit<AuditPackageManifest, 'signature'>): Buffer {
  const { signature: _ignored, ...signed } = manifest as AuditPackageManifest;
  return Buffer.from(canonicalize(signed) ?? '');
}

export function signManifest(
  manifest: Omit<AuditPackageManifest, 'signature'>,
  privateKey: KeyObject,
): AuditPackageManifest {
  return { ...manifest, signature: sign(null, manifestBytes(manifest), privateKey).toString('base64') };
}

export function manifestSignedByItsKey(manifest: AuditPackageManifest): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.from(manifest.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    return verify(null, manifestBytes(manifest), key, Buffer.from(manifest.signature, 'base64'));
  } catch {
    return false;
  }
}

/** A file name safe inside the archive: the attachment's id keeps it unique, the name keeps it readable. */
export function attachmentPath(id: string, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'file';
  return `attachments/${id}-${safe}`;
}
