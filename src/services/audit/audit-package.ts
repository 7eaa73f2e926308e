import type { AuditEvent } from '../../domain/audit-chain.js';
import type { Attachment } from '../../domain/change-request.js';
import type { Evidence } from '../../domain/evidence.js';
import { readAuditPage } from '../../store/audit-log.js';
import { findAttachmentContent } from '../../store/change-activity.js';
import { runsForChangeRequest } from '../../store/deployment-runs.js';
import { type ChangeApprovals, getChangeApprovals } from '../approvals/approval-queries.js';
import { type ChangeRequestDetail, getChangeRequest } from '../changes/change-request-queries.js';
import type { Actor, ServiceDeps } from '../context.js';
import { candidateEvidence } from '../evidence/evidence-service.js';
import { type CheckpointSigner, createAuditCheckpoint } from './audit-checkpoint.js';
import { writeTarGz } from './audit-package-archive.js';
import {
  type AuditPackageManifest,
  attachmentPath,
  type PackagedAttachment,
  packageFormat,
  packagePaths,
  sha256Hex,
  signManifest,
} from './audit-package-format.js';

/** How records appear in the package: the API's JSON shapes, supplied by the caller (the client port). */
export interface PackagePresenter {
  changeRequest(detail: ChangeRequestDetail): unknown;
  approvals(approvals: ChangeApprovals): unknown;
  evidence(evidence: Evidence): unknown;
}

export interface AuditPackage {
  fileName: string;
  manifest: AuditPackageManifest;
  archive: Buffer;
}

const pageSize = 5000;

/**
 * Exports one CR for auditors (docs/audit-trail.md#audit-packages): its records, evidence and
 * attachments, and the tenant's chain from the CR's first event to a freshly signed checkpoint, so
 * `changegate audit verify-package` can check everything offline. Reads only; nothing is recorded.
 */
export async function exportAuditPackage(
  deps: ServiceDeps,
  actor: Actor,
  signer: CheckpointSigner,
  ref: string,
  present: PackagePresenter,
): Promise<AuditPackage> {
  const detail = await getChangeRequest(deps, actor, ref);
  const cr = detail.changeRequest;
  const approvals = await getChangeApprovals(deps, actor, cr.number);
  const evidence = await changeEvidence(deps, actor, cr.id);
  const checkpoint = await createAuditCheckpoint(deps, actor, signer);
  const [first] = await readAuditPage(deps.db, actor.tenantId, 0, 1, { entityIds: [cr.id] });
  const chain = first ? await readChain(deps, actor, first, checkpoint.sequence) : [];

  const files = new Map<string, Buffer>();
  const put = (path: string, value: unknown) =>
    files.set(path, Buffer.from(`${JSON.stringify(value, null, 2)}\n`));
  put(packagePaths.changeRequest, present.changeRequest(detail));
  put(packagePaths.approvals, present.approvals(approvals));
  put(packagePaths.evidence, evidence.map(present.evidence));
  const attachments: PackagedAttachment[] = [];
  for (const a of detail.attachments) attachments.push(await packAttachment(deps, actor, a, files));
  put(packagePaths.attachments, attachments);
  files.set(packagePaths.chain, Buffer.from(chain.map((e) => `${JSON.stringify(e)}\n`).join('')));
  put(packagePaths.checkpoint, checkpoint);

  const exportedAt = new Date(deps.now());
  const manifest = signManifest(
    {
      format: packageFormat,
      tenant: actor.tenantSlug,
      tenantId: actor.tenantId,
      changeRequest: { id: cr.id, number: cr.number },
      exportedAt: exportedAt.toISOString(),
      exportedBy: actor.name,
      keyId: signer.keyId,
      publicKey: checkpoint.publicKey,
      chain: {
        firstSeq: first?.seq ?? checkpoint.sequence + 1,
        lastSeq: checkpoint.sequence,
        prevHash: first?.prevHash ?? checkpoint.hash,
        changeRequestEvents: chain
          .filter((e) => e.entityType === 'change_request' && e.entityId === cr.id)
          .map((e) => e.seq),
      },
      files: [...files].map(([path, content]) => ({
        path,
        sha256: sha256Hex(content),
        size: content.length,
      })),
    },
    signer.privateKey,
  );
  const archive = await writeTarGz(
    new Map([[packagePaths.manifest, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)], ...files]),
    exportedAt,
  );
  return { fileName: `${cr.number}-audit-package.tar.gz`, manifest, archive };
}

/** Evidence recorded for what the CR's deployments delivered: their delta's artifacts, repositories and CI runs. */
async function changeEvidence(deps: ServiceDeps, actor: Actor, crId: string): Promise<Evidence[]> {
  const runs = await runsForChangeRequest(deps.db, actor.tenantId, crId);
  const entries = runs.flatMap((run) => run.delta.flatMap((d) => (d.to ? [d.to] : [])));
  return entries.length ? candidateEvidence(deps.db, actor.tenantId, entries) : [];
}

async function packAttachment(
  deps: ServiceDeps,
  actor: Actor,
  a: Attachment,
  files: Map<string, Buffer>,
): Promise<PackagedAttachment> {
  const found = await findAttachmentContent(deps.db, actor.tenantId, a.changeRequestId, a.id);
  const path = attachmentPath(a.id, a.name);
  files.set(path, found?.content ?? Buffer.alloc(0));
  return { id: a.id, name: a.name, mediaType: a.mediaType, size: a.size, sha256: a.sha256, path };
}

/** Every event of the tenant from `first` up to the checkpointed sequence, so the hashes link end to end. */
async function readChain(
  deps: ServiceDeps,
  actor: Actor,
  first: AuditEvent,
  lastSeq: number,
): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let after = first.seq - 1;
  while (after < lastSeq) {
    const page = await readAuditPage(deps.db, actor.tenantId, after, pageSize);
    for (const e of page) if (e.seq <= lastSeq) events.push(e);
    const last = page.at(-1);
    if (!last || page.length < pageSize) break;
    after = last.seq;
  }
  return events;
}
