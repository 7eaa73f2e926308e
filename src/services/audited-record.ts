import { changedFields } from '../domain/change-request-input.js';
import { AppError } from '../domain/errors.js';
import type { DbOrTx } from '../store/database.js';
import { recordAudit } from './audit/record-audit.js';
import type { Actor, ServiceDeps } from './context.js';
import { uniqueOrConflict } from './unique-or-conflict.js';

/**
 * The create and delete shape the tenant's named records share (groups, components, templates,
 * checklists): a taken name is a conflict, the insert is guarded by the unique constraint against a
 * racing writer, and each write is audited (`<entity>.created` / `.updated` / `.deleted`) in the
 * caller's transaction: a created or deleted record less its tenant id, an update's changed fields.
 */
export interface NamedRecord {
  id: string;
  tenantId: string;
}

export interface RecordKind {
  entityType: 'group' | 'component' | 'template' | 'checklist';
  /** The field that names a record: conflicts are reported on it. */
  key: 'name' | 'category';
}

/** What the audit trail keeps of a record: everything but the tenant id. */
export function auditedRecord<T extends NamedRecord>({ tenantId: _t, ...rest }: T): Omit<T, 'tenantId'> {
  return rest;
}

export async function createAuditedRecord<T extends NamedRecord>(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  kind: RecordKind,
  write: { record: T; exists: string; find: () => Promise<unknown>; insert: () => Promise<void> },
): Promise<T> {
  if (await write.find()) throw new AppError('conflict', write.exists, { field: kind.key });
  await uniqueOrConflict(write.insert(), write.exists, kind.key);
  await recordAudit(tx, deps, actor, {
    action: `${kind.entityType}.created`,
    entityType: kind.entityType,
    entityId: write.record.id,
    after: auditedRecord(write.record),
  });
  return write.record;
}

export async function deleteAuditedRecord<T extends NamedRecord>(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  kind: RecordKind,
  write: { record: T; remove: () => Promise<void> },
): Promise<T> {
  await write.remove();
  await recordAudit(tx, deps, actor, {
    action: `${kind.entityType}.deleted`,
    entityType: kind.entityType,
    entityId: write.record.id,
    before: auditedRecord(write.record),
  });
  return write.record;
}

/** Writes an update and audits the fields it changed (before and after), named by the record's key. */
export async function updateAuditedRecord<T extends NamedRecord & { updatedAt: number }>(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  kind: RecordKind,
  write: { before: T; after: T; update: () => Promise<void> },
): Promise<T> {
  const { before, after } = changedFields(write.before, write.after);
  delete before.updatedAt;
  delete after.updatedAt;
  const key = { [kind.key]: (write.before as unknown as Record<string, unknown>)[kind.key] };
  await write.update();
  await recordAudit(tx, deps, actor, {
    action: `${kind.entityType}.updated`,
    entityType: kind.entityType,
    entityId: write.before.id,
    before: { ...key, ...before },
    after: { ...key, ...after },
  });
  return write.after;
}
