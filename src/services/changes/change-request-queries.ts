import {
  type Approval,
  type ApprovalState,
  type Attachment,
  approvalStates,
  type ChangeRequest,
  type ChangeState,
  type ChangeType,
  type Comment,
  changeRef,
  changeStates,
  changeTypes,
} from '../../domain/change-request.js';
import type { ChecklistState } from '../../domain/checklist.js';
import type { Obligation } from '../../domain/deployment.js';
import { AppError, notFound } from '../../domain/errors.js';
import { oneOf, text as textField } from '../../domain/validate.js';
import { batchesOfChanges } from '../../store/batches.js';
import { listApprovals, listAttachments, listComments } from '../../store/change-activity.js';
import { type ChangeLink, listLinks } from '../../store/change-links.js';
import { findChangeRequest, listChangeRequests } from '../../store/change-requests.js';
import { listObligations } from '../../store/obligations.js';
import { changeChecklistState } from '../checklists/checklist-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { type ChangeRequestWindows, changeRequestWindows } from '../windows/change-request-windows.js';

/** A CR with everything that hangs off it: what `cr get` and `GET …/change-requests/{id}` show. */
export interface ChangeRequestDetail {
  changeRequest: ChangeRequest;
  approvals: Approval[];
  comments: Comment[];
  attachments: Attachment[];
  obligations: Obligation[];
  links: ChangeLink[];
  /** Windows its plan falls into, and freeze overrides granted to it. */
  windows: ChangeRequestWindows;
  /** Its category's checklist with the completed items, or null. */
  checklist: ChecklistState | null;
  /** The change batch it belongs to, or null. */
  batch: { number: string; name: string } | null;
}

export async function getChangeRequest(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
): Promise<ChangeRequestDetail> {
  const cr = await findChangeRequest(deps.db, actor.tenantId, changeRef(ref));
  if (!cr) throw notFound('change request', ref);
  const [approvals, comments, attachments, obligations, links, windows, checklist] = await Promise.all([
    listApprovals(deps.db, actor.tenantId, cr.id),
    listComments(deps.db, actor.tenantId, cr.id),
    listAttachments(deps.db, actor.tenantId, cr.id),
    listObligations(deps.db, actor.tenantId, cr.id),
    listLinks(deps.db, actor.tenantId, cr.id),
    changeRequestWindows(deps.db, actor, cr),
    changeChecklistState(deps.db, actor, cr),
  ]);
  const inBatch = (await batchesOfChanges(deps.db, actor.tenantId, [cr.id])).get(cr.id);
  const batch = inBatch ? { number: inBatch.number, name: inBatch.name } : null;
  return {
    changeRequest: cr,
    approvals,
    comments,
    attachments,
    obligations,
    links,
    windows,
    checklist,
    batch,
  };
}

export interface ListQuery {
  state?: unknown[];
  environment?: unknown[];
  type?: unknown[];
  approval?: unknown[];
  q?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const maxPageSize = 200;

export async function findChangeRequests(
  deps: ServiceDeps,
  actor: Actor,
  query: ListQuery,
): Promise<Page<ChangeRequest>> {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new AppError(
      'invalid_input',
      `limit: '${String(query.limit)}' must be a whole number from 1 to ${maxPageSize}`,
      {
        field: 'limit',
      },
    );
  }
  const beforeId =
    query.cursor === undefined || query.cursor === '' ? undefined : decodeCursor(String(query.cursor));
  const items = await listChangeRequests(deps.db, actor.tenantId, {
    state: query.state?.map((v) => oneOf<ChangeState>('state', v, changeStates)),
    environment: query.environment?.map(String),
    type: query.type?.map((v) => oneOf<ChangeType>('type', v, changeTypes)),
    approval: query.approval?.map((v) => oneOf<ApprovalState>('approval', v, approvalStates)),
    text: query.q === undefined || query.q === '' ? undefined : textField('q', query.q, { max: 200 }),
    beforeId,
    limit: limit + 1,
  });
  const more = items.length > limit;
  const page = more ? items.slice(0, limit) : items;
  const last = page.at(-1);
  return { items: page, nextCursor: more && last ? encodeCursor(last.id) : null };
}

function encodeCursor(id: string): string {
  return Buffer.from(`cr:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^cr:[0-9A-Z]{26}$/.test(text)) {
    throw new AppError(
      'invalid_input',
      'cursor: not a cursor from a previous page; pass nextCursor back unchanged',
      {
        field: 'cursor',
      },
    );
  }
  return text.slice(3);
}
