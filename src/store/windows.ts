import type { Selectable } from 'kysely';
import type {
  ChangeWindow,
  WindowDefinition,
  WindowKind,
  WindowOverride,
  WindowSchedule,
} from '../domain/windows.js';
import type { DbOrTx } from './database.js';
import type { ChangeWindowsTable } from './schema.js';
import { updateTenantRow } from './update-tenant-row.js';

/** Freeze and maintenance windows, and their overrides; a deleted window stays as a row with deleted_at set. */

function toWindow(row: Selectable<ChangeWindowsTable>): ChangeWindow {
  const schedule: WindowSchedule =
    row.rrule === null
      ? { type: 'once', start: Number(row.starts_at), end: Number(row.ends_at) }
      : {
          type: 'recurring',
          rrule: row.rrule,
          startTime: row.start_time as string,
          duration: Number(row.duration_minutes),
          timeZone: row.time_zone as string,
          from: row.series_from as string,
          until: row.until_at === null ? null : Number(row.until_at),
        };
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as WindowKind,
    schedule,
    environments: JSON.parse(row.environments_json) as string[],
    components: JSON.parse(row.components_json) as string[],
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

/** The columns of a window's definition (all but its identity, creation and deletion). */
function definitionColumns(w: WindowDefinition) {
  const s = w.schedule;
  return {
    kind: w.kind,
    starts_at: s.type === 'once' ? s.start : null,
    ends_at: s.type === 'once' ? s.end : null,
    rrule: s.type === 'recurring' ? s.rrule : null,
    start_time: s.type === 'recurring' ? s.startTime : null,
    duration_minutes: s.type === 'recurring' ? s.duration : null,
    time_zone: s.type === 'recurring' ? s.timeZone : null,
    series_from: s.type === 'recurring' ? s.from : null,
    until_at: s.type === 'recurring' ? s.until : null,
    environments_json: JSON.stringify(w.environments),
    components_json: JSON.stringify(w.components),
    reason: w.reason,
  };
}

export async function insertWindow(db: DbOrTx, tenantId: string, w: ChangeWindow): Promise<void> {
  await db
    .insertInto('change_windows')
    .values({
      id: w.id,
      tenant_id: tenantId,
      name: w.name,
      ...definitionColumns(w),
      created_by: w.createdBy,
      created_at: w.createdAt,
      deleted_by: null,
      deleted_at: null,
    })
    .execute();
}

/** A window that is not deleted, by name. */
export async function findWindow(
  db: DbOrTx,
  tenantId: string,
  name: string,
): Promise<ChangeWindow | undefined> {
  const row = await db
    .selectFrom('change_windows')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row && toWindow(row);
}

/** The tenant's windows that are not deleted, by name; optionally of one kind. */
export async function listWindows(
  db: DbOrTx,
  tenantId: string,
  filter: { kind?: WindowKind } = {},
): Promise<ChangeWindow[]> {
  let query = db
    .selectFrom('change_windows')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  return (await query.orderBy('name').execute()).map(toWindow);
}

/** Replaces the definition of a window that is not deleted; its name, id and overrides stay. */
export async function updateWindow(
  db: DbOrTx,
  tenantId: string,
  id: string,
  definition: WindowDefinition,
): Promise<void> {
  await updateTenantRow(db, 'change_windows', { tenantId, id }, definitionColumns(definition), {
    column: 'deleted_at',
    is: null,
  });
}

/** Marks a window deleted; false when it already was (another request got there first). */
export async function markWindowDeleted(
  db: DbOrTx,
  tenantId: string,
  id: string,
  by: string,
  at: number,
): Promise<boolean> {
  return updateTenantRow(
    db,
    'change_windows',
    { tenantId, id },
    { deleted_by: by, deleted_at: at },
    { column: 'deleted_at', is: null },
  );
}

export async function insertOverride(
  db: DbOrTx,
  tenantId: string,
  o: Pick<WindowOverride, 'id' | 'windowId' | 'changeRequestId' | 'reason' | 'grantedBy' | 'grantedAt'>,
): Promise<void> {
  await db
    .insertInto('window_overrides')
    .values({
      id: o.id,
      tenant_id: tenantId,
      window_id: o.windowId,
      change_request_id: o.changeRequestId,
      reason: o.reason,
      granted_by: o.grantedBy,
      granted_at: o.grantedAt,
    })
    .execute();
}

/** Overrides of a change request, or of a window, with the window's name and the CR's number. */
export async function listOverrides(
  db: DbOrTx,
  tenantId: string,
  filter: { changeRequestId?: string; windowId?: string },
): Promise<WindowOverride[]> {
  let query = db
    .selectFrom('window_overrides as o')
    .innerJoin('change_windows as w', 'w.id', 'o.window_id')
    .innerJoin('change_requests as c', 'c.id', 'o.change_request_id')
    .select([
      'o.id',
      'o.window_id',
      'w.name as window_name',
      'o.change_request_id',
      'c.number as change_request_number',
      'o.reason',
      'o.granted_by',
      'o.granted_at',
    ])
    .where('o.tenant_id', '=', tenantId)
    .where('w.tenant_id', '=', tenantId)
    .where('c.tenant_id', '=', tenantId);
  if (filter.changeRequestId) query = query.where('o.change_request_id', '=', filter.changeRequestId);
  if (filter.windowId) query = query.where('o.window_id', '=', filter.windowId);
  const rows = await query.orderBy('o.granted_at').orderBy('o.id').execute();
  return rows.map((r) => ({
    id: r.id,
    windowId: r.window_id,
    windowName: r.window_name,
    changeRequestId: r.change_request_id,
    changeRequestNumber: r.change_request_number,
    reason: r.reason,
    grantedBy: r.granted_by,
    grantedAt: Number(r.granted_at),
  }));
}
