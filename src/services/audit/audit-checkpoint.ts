import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import canonicalize from 'canonicalize';
import { AppError } from '../../domain/errors.js';
import { readAuditEventAt, readAuditHead } from '../../store/audit-log.js';
import type { Actor, ServiceDeps } from '../context.js';
import { type ChainReport, verifyAuditChain } from './audit-queries.js';

/** A signed statement "tenant T's log had this hash at this sequence", kept outside the database. */
export interface AuditCheckpoint {
  format: 'changegate-audit-checkpoint/v1';
  tenant: string;
  sequence: number;
  hash: string;
  time: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

/** The Ed25519 key that signs checkpoints; the composition root loads or creates it. */
export interface CheckpointSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export function signerFromPem(pem: string): CheckpointSigner {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function generateSignerPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The key id of a public key given as base64 SPKI DER (as checkpoints and packages carry it); null if it is not one. */
export function keyIdOfSpki(base64: string): string | null {
  try {
    return keyIdOf(createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' }));
  } catch {
    return null;
  }
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function signedBytes(cp: Omit<AuditCheckpoint, 'signature'>): Buffer {
  const { format, tenant, sequence, hash, time, keyId, publicKey } = cp;
  return Buffer.from(canonicalize({ format, tenant, sequence, hash, time, keyId, publicKey }) ?? '');
}

/** Offline check of a checkpoint with the public key it carries (SPKI DER, base64): intact, not "yours". */
export function checkpointSignedByItsKey(cp: AuditCheckpoint): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(cp.publicKey, 'base64'), format: 'der', type: 'spki' });
    return (
      keyIdOf(key) === cp.keyId && verify(null, signedBytes(cp), key, Buffer.from(cp.signature, 'base64'))
    );
  } catch {
    return false;
  }
}

export async function createAuditCheckpoint(
  deps: ServiceDeps,
  actor: Actor,
  signer: CheckpointSigner,
): Promise<AuditCheckpoint> {
  const head = await readAuditHead(deps.db, actor.tenantId);
  if (!head)
    throw new AppError(
      'conflict',
      `tenant '${actor.tenantSlug}' has no audit events yet; nothing to checkpoint`,
    );
  const unsigned = {
    format: 'changegate-audit-checkpoint/v1' as const,
    tenant: actor.tenantSlug,
    sequence: head.seq,
    hash: head.hash,
    time: new Date(deps.now()).toISOString(),
    keyId: signer.keyId,
    publicKey: signer.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), signer.privateKey).toString('base64') };
}

export interface CheckpointReport extends ChainReport {
  checkpoint: { sequence: number; ok: boolean; message: string };
}

/**
 * Verifies the chain and that it still passes through the checkpoint: a suffix rewritten with
 * recomputed hashes is internally consistent, but no longer has the signed hash at that sequence.
 */
export async function verifyAgainstCheckpoint(
  deps: ServiceDeps,
  actor: Actor,
  signer: CheckpointSigner,
  input: unknown,
): Promise<CheckpointReport> {
  const cp = parseCheckpoint(input);
  const report = await verifyAuditChain(deps, actor);
  const fail = (message: string): CheckpointReport => ({
    ...report,
    ok: false,
    checkpoint: { sequence: cp.sequence, ok: false, message },
  });
  if (cp.tenant !== actor.tenantSlug)
    return fail(`the checkpoint is for tenant '${cp.tenant}', not '${actor.tenantSlug}'`);
  if (cp.keyId !== signer.keyId)
    return fail(`the checkpoint was signed by key ${cp.keyId}, not this installation's key ${signer.keyId}`);
  const valid = verify(null, signedBytes(cp), signer.publicKey, Buffer.from(cp.signature, 'base64'));
  if (!valid) return fail('the checkpoint signature is not valid: the file was altered');
  if (report.cut && cp.sequence <= report.cut.seq) return checkpointBeforeCut(report, cp);
  const event = await readAuditEventAt(deps.db, actor.tenantId, cp.sequence);
  if (!event) return fail(`event ${cp.sequence} named by the checkpoint is missing: the log was truncated`);
  if (event.hash !== cp.hash) {
    return fail(
      `event ${cp.sequence} has hash ${event.hash.slice(0, 12)}… but the checkpoint signed ${cp.hash.slice(0, 12)}…: the log was rewritten at or before event ${cp.sequence}`,
    );
  }
  return {
    ...report,
    checkpoint: {
      sequence: cp.sequence,
      ok: true,
      message: `the log passes through the signed checkpoint at event ${cp.sequence}`,
    },
  };
}

/**
 * A checkpoint at or below the retention cut: its event was archived and purged. At the cut itself
 * the cut's recorded hash still proves it; below it, only the archive can (`audit verify-archive`).
 */
function checkpointBeforeCut(report: ChainReport, cp: AuditCheckpoint): CheckpointReport {
  const cut = report.cut as NonNullable<ChainReport['cut']>;
  if (cp.sequence === cut.seq && cp.hash === cut.hash) {
    const message = `the log passes through the signed checkpoint at event ${cp.sequence}, the retention cut`;
    return { ...report, checkpoint: { sequence: cp.sequence, ok: true, message } };
  }
  const message =
    cp.sequence === cut.seq
      ? `the checkpoint signed ${cp.hash.slice(0, 12)}… at event ${cp.sequence} but the retention cut there recorded ${cut.hash.slice(0, 12)}…: the log was rewritten before it was purged`
      : `the checkpoint (event ${cp.sequence}) predates the retention purge: events up to ${cut.seq} were archived to ${cut.archive} and purged; verify the checkpoint against that archive, or use a checkpoint taken after the purge`;
  return { ...report, ok: false, checkpoint: { sequence: cp.sequence, ok: false, message } };
}

export function parseCheckpoint(input: unknown): AuditCheckpoint {
  const cp = input as Partial<AuditCheckpoint> | null;
  const ok =
    cp !== null &&
    typeof cp === 'object' &&
    cp.format === 'changegate-audit-checkpoint/v1' &&
    typeof cp.tenant === 'string' &&
    Number.isSafeInteger(cp.sequence) &&
    typeof cp.hash === 'string' &&
    typeof cp.time === 'string' &&
    typeof cp.keyId === 'string' &&
    typeof cp.publicKey === 'string' &&
    typeof cp.signature === 'string';
  if (!ok) {
    throw new AppError(
      'invalid_input',
      'checkpoint: not a changegate audit checkpoint (create one with `changegate audit checkpoint`)',
      {
        field: 'checkpoint',
      },
    );
  }
  return cp as AuditCheckpoint;
}
