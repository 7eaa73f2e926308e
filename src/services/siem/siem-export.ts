import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../domain/errors.js';
import {
  type FrameContext,
  formatSiemMessage,
  frameSiemMessage,
  parseSiemDestination,
  type SiemDestination,
  type SiemFormat,
  siemFormats,
} from '../../domain/siem/siem-format.js';
import { oneOf } from '../../domain/validate.js';
import type { SiemSender } from '../../integrations/siem/siem-transport.js';
import { readAuditPage } from '../../store/audit-log.js';
import { readSiemCursor, saveSiemCursor } from '../../store/siem-cursors.js';
import type { Actor, ServiceDeps } from '../context.js';

export interface SiemExportOptions {
  format: string;
  to: string;
  /** Start at event 1 instead of the stored cursor. */
  fromStart?: boolean;
  /** Keep polling for new events until `signal` aborts. */
  follow?: boolean;
  intervalMs?: number;
  batchSize?: number;
  signal?: AbortSignal;
  origin: Omit<FrameContext, 'tenant'>;
  connect: (destination: SiemDestination) => Promise<SiemSender>;
}

export interface SiemExportResult {
  tenant: string;
  destination: string;
  format: SiemFormat;
  /** Events handed to the destination by this run (re-sent ones included). */
  sent: number;
  /** The cursor now stored: the last sequence number acknowledged. */
  cursor: number;
}

/**
 * Streams a tenant's audit events to a SIEM in batches, from the cursor stored for that destination.
 * The cursor advances after each batch the transport acknowledged. When a batch fails, the cursor is
 * moved back to before the batch acknowledged last, because a stream connection that broke may have
 * dropped it unseen: a resumed run re-sends at most that one batch, never skips one (at-least-once,
 * docs/siem.md#resume). Cursors are bookkeeping, not changes: they are not audited.
 */
export async function exportAuditToSiem(
  deps: ServiceDeps,
  actor: Actor,
  options: SiemExportOptions,
): Promise<SiemExportResult> {
  const format = oneOf('format', options.format, siemFormats);
  const dest = parseSiemDestination(options.to);
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)
    throw new AppError('invalid_input', `batch-size: ${batchSize} must be a whole number from 1 to 5000`, {
      field: 'batchSize',
    });
  const intervalMs = options.intervalMs ?? 5000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10)
    throw new AppError('invalid_input', `interval: ${intervalMs} must be at least 10 milliseconds`, {
      field: 'interval',
    });

  const stored = (await readSiemCursor(deps.db, actor.tenantId, dest.url)) ?? 0;
  let cursor = options.fromStart ? 0 : stored;
  let beforeLastBatch = cursor;
  let sent = 0;
  const ctx: FrameContext = { ...options.origin, tenant: actor.tenantSlug };
  const save = (seq: number) =>
    saveSiemCursor(deps.db, { tenantId: actor.tenantId, destination: dest.url, format, seq, at: deps.now() });
  if (options.fromStart) await save(0);

  const sender = await options.connect(dest).catch((error: Error) => {
    throw unavailable(dest, error, sent, cursor);
  });
  try {
    for (;;) {
      if (options.signal?.aborted) break;
      const page = await readAuditPage(deps.db, actor.tenantId, cursor, batchSize);
      const last = page.at(-1);
      if (last) {
        const frames = page.map((e) =>
          frameSiemMessage(format, dest.protocol, formatSiemMessage(format, e, ctx)),
        );
        try {
          await sender.send(frames);
        } catch (error) {
          await save(beforeLastBatch);
          throw unavailable(dest, error as Error, sent, beforeLastBatch);
        }
        beforeLastBatch = cursor;
        cursor = last.seq;
        sent += page.length;
        await save(cursor);
      }
      if (page.length === batchSize) continue;
      if (!options.follow) break;
      await sleep(intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await sender.close();
  }
  return { tenant: actor.tenantSlug, destination: dest.url, format, sent, cursor };
}

function unavailable(dest: SiemDestination, error: Error, sent: number, cursor: number): AppError {
  return new AppError(
    'unavailable',
    `SIEM destination ${dest.url} failed: ${error.message}; ${sent} events sent by this run, cursor at event ${cursor} (run again with --resume to continue from there)`,
    { destination: dest.url, cursor },
  );
}
