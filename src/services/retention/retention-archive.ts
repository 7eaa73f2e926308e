import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type AuditEvent, ChainVerifier, genesisHash } from '../../domain/audit-chain.js';
import { AppError } from '../../domain/errors.js';

export const archiveFormat = 'changegate-retention-archive/v1';

export interface ArchiveManifest {
  format: typeof archiveFormat;
  tenant: string;
  createdAt: string;
  cutoff: string;
  /** The last purged event: the first kept event links to this hash. */
  cut: { seq: number; hash: string } | null;
  /** The cut before this run (or genesis): the first archived event links to this hash. */
  previousCut: { seq: number; hash: string };
  counts: Record<string, number>;
  files: Record<string, { sha256: string; rows: number }>;
}

function writeDurably(path: string, content: Buffer | string): void {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes one gzipped JSON-lines file per table and the manifest, each fsynced, before anything is deleted. */
export function writeRetentionArchive(
  dir: string,
  tables: Record<string, unknown[]>,
  manifest: Omit<ArchiveManifest, 'format' | 'files'>,
): ArchiveManifest {
  mkdirSync(dir, { recursive: true });
  const files: ArchiveManifest['files'] = {};
  for (const [table, rows] of Object.entries(tables)) {
    const name = `${table}.jsonl.gz`;
    const bytes = gzipSync(rows.map((r) => `${JSON.stringify(r, binaryAsBase64)}\n`).join(''));
    writeDurably(join(dir, name), bytes);
    files[name] = { sha256: sha256(bytes), rows: rows.length };
  }
  const full: ArchiveManifest = { format: archiveFormat, ...manifest, files };
  writeDurably(join(dir, 'manifest.json'), `${JSON.stringify(full, null, 2)}\n`);
  syncDirectory(dir);
  return full;
}

/** Attachment bytes and other binary columns are archived as `{ "base64": "…" }`. */
function binaryAsBase64(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Uint8Array ? { base64: Buffer.from(raw).toString('base64') } : value;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ArchiveReport {
  ok: boolean;
  dir: string;
  events: number;
  cut: { seq: number; hash: string } | null;
  problems: string[];
}

/**
 * Offline check of an archive: every file matches its manifest hash, and the archived events form an
 * unbroken chain from the previous cut (or genesis) to the cut the manifest names.
 */
export function verifyRetentionArchive(dir: string): ArchiveReport {
  let manifest: ArchiveManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw new AppError('invalid_input', `${dir}: no readable manifest.json (${(error as Error).message})`, {
      field: 'dir',
    });
  }
  if (manifest.format !== archiveFormat) {
    throw new AppError('invalid_input', `${dir}/manifest.json: format must be ${archiveFormat}`, {
      field: 'dir',
    });
  }
  const problems: string[] = [];
  let events: AuditEvent[] = [];
  for (const [name, entry] of Object.entries(manifest.files)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch {
      problems.push(`${name} is missing`);
      continue;
    }
    if (sha256(bytes) !== entry.sha256) problems.push(`${name} does not match its sha256 in the manifest`);
    else if (name === 'audit_events.jsonl.gz') events = parseLines(gunzipSync(bytes).toString('utf8'));
  }
  const start = manifest.previousCut ?? { seq: 0, hash: genesisHash };
  const verifier = new ChainVerifier(null, start.seq > 0 ? start : null);
  for (const e of events) if (!verifier.push(e)) break;
  if (verifier.broken) problems.push(verifier.broken.message);
  else if (
    manifest.cut &&
    (verifier.head.seq !== manifest.cut.seq || verifier.head.hash !== manifest.cut.hash)
  ) {
    problems.push(
      `the archived events end at event ${verifier.head.seq}, not at the cut the manifest names (event ${manifest.cut.seq})`,
    );
  }
  return { ok: problems.length === 0, dir, events: verifier.count, cut: manifest.cut, problems };
}

function parseLines(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as AuditEvent);
}
