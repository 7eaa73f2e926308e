import type {
  Approval,
  ApprovalDecision,
  Attachment,
  AttachmentKind,
  Comment,
} from '../domain/change-request.js';
import type { DbOrTx } from './database.js';

/** Approvals, comments and attachments: the records that hang off one change request. */

export async function insertApproval(db: DbOrTx, tenantId: string, a: Approval): Promise<void> {
  await db
    .insertInto('approvals')
    .values({
      id: a.id,
      tenant_id: tenantId,
      change_request_id: a.changeRequestId,
      approver: a.approver,
      decision: a.decision,
      comment: a.comment,
      decided_at: a.decidedAt,
      step_id: a.stepId ?? null,
    })
    .execute();
}

export async function listApprovals(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<Approval[]> {
  const rows = await db
    .selectFrom('approvals')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    changeRequestId: r.change_request_id,
    approver: r.approver,
    decision: r.decision as ApprovalDecision,
    comment: r.comment,
    decidedAt: Number(r.decided_at),
    stepId: r.step_id,
  }));
}

export async function insertComment(db: DbOrTx, tenantId: string, c: Comment): Promise<void> {
  await db
    .insertInto('comments')
    .values({
      id: c.id,
      tenant_id: tenantId,
      change_request_id: c.changeRequestId,
      author: c.author,
      body: c.body,
      created_at: c.createdAt,
    })
    .execute();
}

export async function listComments(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<Comment[]> {
  const rows = await db
    .selectFrom('comments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    changeRequestId: r.change_request_id,
    author: r.author,
    body: r.body,
    createdAt: Number(r.created_at),
  }));
}

export async function insertAttachment(
  db: DbOrTx,
  tenantId: string,
  a: Attachment,
  content: Buffer,
): Promise<void> {
  await db
    .insertInto('attachments')
    .values({
      id: a.id,
      tenant_id: tenantId,
      change_request_id: a.changeRequestId,
      kind: a.kind,
      name: a.name,
      media_type: a.mediaType,
      sha256: a.sha256,
      size: a.size,
      content,
      created_by: a.createdBy,
      created_at: a.createdAt,
    })
    .execute();
}

const attachmentColumns = [
  'id',
  'change_request_id',
  'kind',
  'name',
  'media_type',
  'sha256',
  'size',
  'created_by',
  'created_at',
] as const;

type AttachmentRow = {
  id: string;
  change_request_id: string;
  kind: string;
  name: string;
  media_type: string;
  sha256: string;
  size: number;
  created_by: string;
  created_at: number;
};

function toAttachment(r: AttachmentRow): Attachment {
  return {
    id: r.id,
    changeRequestId: r.change_request_id,
    kind: r.kind as AttachmentKind,
    name: r.name,
    mediaType: r.media_type,
    sha256: r.sha256,
    size: Number(r.size),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  };
}

export async function listAttachments(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
): Promise<Attachment[]> {
  const rows = await db
    .selectFrom('attachments')
    .select(attachmentColumns)
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .orderBy('id')
    .execute();
  return rows.map(toAttachment);
}

export async function findAttachmentContent(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
  attachmentId: string,
): Promise<{ attachment: Attachment; content: Buffer } | undefined> {
  const row = await db
    .selectFrom('attachments')
    .select([...attachmentColumns, 'content'])
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .where('id', '=', attachmentId)
    .executeTakeFirst();
  return row && { attachment: toAttachment(row), content: Buffer.from(row.content) };
}
