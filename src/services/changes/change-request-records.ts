import { createHash } from 'node:crypto';
import {
  type Attachment,
  type AttachmentKind,
  attachmentKinds,
  type ChangeRequest,
  type Comment,
  changeRef,
} from '../../domain/change-request.js';
import { assertEditable } from '../../domain/change-request-state.js';
import { AppError, invalidField, notFound } from '../../domain/errors.js';
import { oneOf, text } from '../../domain/validate.js';
import {
  findAttachmentContent,
  insertAttachment,
  insertComment,
  listAttachments,
} from '../../store/change-activity.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

/** Comments and attachments: added to a CR with their audit event, never edited afterwards. */

export async function addComment(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  body: unknown,
): Promise<Comment> {
  const bodyText = text('body', body, { min: 1, max: 20_000 });
  return inTransaction(deps.db, async (tx) => {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref));
    if (!cr) throw notFound('change request', ref);
    const comment: Comment = {
      id: deps.newId(),
      changeRequestId: cr.id,
      author: actor.name,
      body: bodyText,
      createdAt: deps.now(),
    };
    await insertComment(tx, actor.tenantId, comment);
    await recordAudit(tx, deps, actor, {
      action: 'change_request.commented',
      entityType: 'change_request',
      entityId: cr.id,
      after: { number: cr.number, commentId: comment.id, body: comment.body },
    });
    return comment;
  });
}

export interface AttachInput {
  kind?: unknown;
  name: unknown;
  mediaType?: unknown;
  /** When given, the content must hash to it; a mismatch means a corrupted upload. */
  sha256?: unknown;
  content: Buffer;
}

// type/subtype with optional parameters, printable ASCII only: it is sent back as a response header.
const mediaTypePattern = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/i;

export async function attachFile(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: AttachInput,
): Promise<Attachment> {
  const kind: AttachmentKind =
    input.kind === undefined ? 'other' : oneOf('kind', input.kind, attachmentKinds);
  const name = text('name', input.name, { min: 1, max: 255 });
  const mediaType =
    input.mediaType === undefined
      ? 'application/octet-stream'
      : text('mediaType', input.mediaType, { min: 1 });
  if (!mediaTypePattern.test(mediaType))
    throw invalidField('mediaType', `'${mediaType}' is not a media type such as application/json`);
  const max = deps.limits.maxAttachmentBytes;
  if (input.content.length > max) {
    throw new AppError(
      'payload_too_large',
      `attachment '${name}' is ${input.content.length} bytes; the limit is ${max} bytes (set CHANGEGATE_MAX_ATTACHMENT_BYTES to change it)`,
      { field: 'content', size: input.content.length, limit: max },
    );
  }
  const sha256 = createHash('sha256').update(input.content).digest('hex');
  if (input.sha256 !== undefined && String(input.sha256).toLowerCase() !== sha256) {
    throw invalidField(
      'sha256',
      `the content hashes to ${sha256}, not ${String(input.sha256)}; the upload may be corrupted`,
    );
  }
  return inTransaction(deps.db, async (tx) => {
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', ref);
    assertEditable(cr);
    return storeAttachment(tx, deps, actor, cr, { kind, name, mediaType, sha256, content: input.content });
  });
}

/** Stores a validated attachment on a CR inside the caller's transaction, with its audit event. */
export async function storeAttachment(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: Pick<ChangeRequest, 'id' | 'number'>,
  {
    kind,
    name,
    mediaType,
    sha256,
    content,
  }: { kind: AttachmentKind; name: string; mediaType: string; sha256: string; content: Buffer },
): Promise<Attachment> {
  const attachment: Attachment = {
    id: deps.newId(),
    changeRequestId: cr.id,
    kind,
    name,
    mediaType,
    sha256,
    size: content.length,
    createdBy: actor.name,
    createdAt: deps.now(),
  };
  await insertAttachment(tx, actor.tenantId, attachment, content);
  const { changeRequestId: _c, ...audited } = attachment;
  await recordAudit(tx, deps, actor, {
    action: 'change_request.attached',
    entityType: 'change_request',
    entityId: cr.id,
    after: { number: cr.number, attachment: audited },
  });
  return attachment;
}

export async function listChangeAttachments(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<Attachment[]> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  return listAttachments(deps.db, actor.tenantId, cr.id);
}

export async function readAttachment(deps: ServiceDeps, actor: Actor, ref: string, attachmentId: string) {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  const found = await findAttachmentContent(deps.db, actor.tenantId, cr.id, attachmentId);
  if (!found) throw notFound('attachment', attachmentId);
  return found;
}
