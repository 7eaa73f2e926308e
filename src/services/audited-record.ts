import { changedFields } from '../domain/change-request-input.js';
import { AppError } from '../domain/errors.js';
import type { DbOrTx } from '../store/database.js';
import { recordAudit } from './audit/record-audit.js';
import type { Actor, ServiceDeps } from './context.js';
import { uniqueOrConflict } from './unique-or-conflict.js';

/**
 * The create, update and delete shape the tenant's named records share (groups, components,
 * templates, checklists): a new record is stamped with its id, tenant, author and times; a taken name
 * is a conflict, the insert is guarded by the unique constraint against a racing writer, an update
 * moves `updatedAt`, and each write is audited (`<entity>.created` / `.updated` / `.deleted`) in the
 * caller's transaction: a created or deleted record less its tenant id, an update's changed fields.
 */
export interface NamedRecord {
  id: string;
  tenantId: string;
}

/** A named record as the registry keeps it: who created it, and when it was created and last changed. */
export interface RegistryRecord extends NamedRecord {
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** The fields the registry sets itself; the rest are the record's own. */
type Stamp = 'id' | 'tenantId' | 'createdBy' | 'createdAt' | 'updatedAt';

export interface RecordKind {
  entityType: 'group' | 'component' | 'template' | 'checklist';
  /** The field that names a record: conflicts are reported on it. */
  key: 'name' | 'category';
}

/** What the audit trail keeps of a record: everything but the tenant id. */
export function auditedRecord<T extends NamedRecord>({ tenantId: _t, ...rest }: T): Omit<T, 'tenantId'> {
  return rest;
}

/** Stamps validated fields as a new record of the actor's tenant, inserts it and audits it. */
export async function createAuditedRecord<T extends RegistryRecord>(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  kind: RecordKind,
  write: {
    fields: Omit<T, Stamp>;
    exists: string;
    find: () => Promise<unknown>;
    insert: (record: T) => Promise<void>;
  },
): Promise<T> {
  const now = deps.now();
  const record = {
    id: deps.newId(),
    tenantId: actor.tenantId,
    ...write.fields,
    createdBy: actor.name,
    createdAt: now,
    updatedAt: now,
  } as T;
  if (await write.find()) throw new AppError('conflict', write.exists, { field: kind.key });
  await uniqueOrConflict(write.insert(record), write.exists, kind.key);
  await recordAudit(tx, deps, actor, {
    action: `${kind.entityType}.created`,
    entityType: kind.entityType,
    entityId: record.id,
    after: auditedRecord(record),
  });
  return record;
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

/**
 * Applies changes to a record (moving `updatedAt`), writes them with `update` (which may refuse the
 * result by throwing) and audits the fields they changed, before and after, named by the record's key.
 */
export async function updateAuditedRecord<T extends RegistryRecord>(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'now' | 'newId'>,
  actor: Pick<Actor, 'tenantId' | 'name'>,
  kind: RecordKind,
  write: { before: T; changes: Partial<Omit<T, Stamp>>; update: (after: T) => Promise<void> },
): Promise<T> {
  const after = { ...write.before, ...write.changes, updatedAt: deps.now() } as T;
  const changed = changedFields(write.before, after);
  delete changed.before.updatedAt;
  delete changed.after.updatedAt;
  const key = { [kind.key]: (write.before as unknown as Record<string, unknown>)[kind.key] };
  await write.update(after);
  await recordAudit(tx, deps, actor, {
    action: `${kind.entityType}.updated`,
    entityType: kind.entityType,
    entityId: write.before.id,
    before: { ...key, ...changed.before },
    after: { ...key, ...changed.after },
  });
  return after;
}
