import { AppError, isErrorCode } from '../../domain/errors.js';
import { latestLabel } from '../../domain/inventory.js';
import {
  type AuthorizedDeployment,
  driftKey,
  formatUnauthorizedNumber,
  judgeObservation,
  type Observation,
  type UnauthorizedChange,
  validateObservation,
} from '../../domain/observation.js';
import { nextCounterValue } from '../../store/counters.js';
import { type DbOrTx, inSavepoint, inTransaction } from '../../store/database.js';
import { findEntries, findRevision, listLabels } from '../../store/inventory.js';
import {
  authorizedDeployments,
  changeRequestOfRevision,
  findOpenDrift,
  insertUnauthorizedChange,
  noteRepeatedObservation,
} from '../../store/observations.js';
import { insertOutboxEvent } from '../../store/outbox.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { environmentNames, unknownEnvironment } from '../environments/environment-service.js';

/** The outbox topic of the alert an unauthorized change raises. */
export const unauthorizedTopic = 'change.unauthorized';

export interface ObservationOutcome {
  observation: Observation;
  authorized: boolean;
  matchedBy: { changeRequest: string | null; runId: string | null; label: string | null } | null;
  explanation: string | null;
  /** The record it opened or counted against; null when authorized. */
  unauthorizedChange: UnauthorizedChange | null;
  /** True when the same drift was already open: counted, no new record and no new alert. */
  repeated: boolean;
}

const maxBatch = 500;

/** Reads one observation or `{ observations: [...] }`; every item is checked before anything is written. */
function parseBatch(input: unknown, now: number, source: string): Observation[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AppError('invalid_input', 'send one observation object, or { "observations": [ … ] }');
  const body = input as Record<string, unknown>;
  if (!('observations' in body)) return [validateObservation(body, now, source)];
  const items = body.observations;
  if (!Array.isArray(items) || items.length === 0 || items.length > maxBatch)
    throw new AppError('invalid_input', `observations: must be a list of 1 to ${maxBatch} observations`, {
      field: 'observations',
    });
  return items.map((item, i) => {
    const at = `observations[${i}].`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new AppError('invalid_input', `${at.slice(0, -1)}: must be an object`, { field: 'observations' });
    try {
      return validateObservation(item as Record<string, unknown>, now, source, at);
    } catch (error) {
      // requireFields and rejectUnknown name the bare field; say which item it was.
      if (error instanceof AppError && isErrorCode(error.code) && !error.message.startsWith(at))
        throw new AppError(error.code, `${at}${error.message}`, error.details);
      throw error;
    }
  });
}

/**
 * Drift monitors report what runs (docs/compliance.md#observe). Each observation is matched against
 * `<env>_latest` and the deployments of implemented, approved change requests; what matches nothing
 * opens an unauthorized-change record with an audit event and a `change.unauthorized` alert in the
 * outbox, in one transaction. The same drift reported again while unresolved is only counted.
 */
export async function reportObservations(
  deps: ServiceDeps,
  actor: Actor,
  input: unknown,
  defaultSource = 'api',
): Promise<ObservationOutcome[]> {
  const observations = parseBatch(input, deps.now(), defaultSource);
  return inTransaction(deps.db, async (tx) => {
    const known = await environmentNames(tx, actor);
    for (const o of observations)
      if (!known.includes(o.environment)) throw unknownEnvironment(o.environment, known);
    const outcomes: ObservationOutcome[] = [];
    for (const o of observations) outcomes.push(await judgeAndRecord(tx, deps, actor, o));
    return outcomes;
  });
}

async function judgeAndRecord(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  o: Observation,
): Promise<ObservationOutcome> {
  const facts = await matchFacts(tx, actor.tenantId, o);
  const verdict = judgeObservation(o, facts);
  if (verdict.authorized) {
    return {
      observation: o,
      authorized: true,
      matchedBy: verdict.matchedBy,
      explanation: null,
      unauthorizedChange: null,
      repeated: false,
    };
  }
  const key = driftKey(o);
  const open = await findOpenDrift(tx, actor.tenantId, key, deps.dialect);
  if (open) return countRepeat(tx, deps, actor, o, open);
  const record = await openUnauthorizedChange(tx, deps, actor, o, verdict.explanation, key);
  if (record === null) {
    // Another monitor reported the same drift at the same moment and opened the record first.
    const theirs = await findOpenDrift(tx, actor.tenantId, key, deps.dialect);
    if (!theirs) throw new Error(`the open record of drift ${key} was neither inserted nor found`);
    return countRepeat(tx, deps, actor, o, theirs);
  }
  return {
    observation: o,
    authorized: false,
    matchedBy: null,
    explanation: verdict.explanation,
    unauthorizedChange: record,
    repeated: false,
  };
}

/** The same drift seen again while its record is unresolved: counted, no new record and no new alert. */
async function countRepeat(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  o: Observation,
  open: UnauthorizedChange,
): Promise<ObservationOutcome> {
  const last = Math.max(open.lastObservedAt, o.observedAt);
  await noteRepeatedObservation(tx, actor.tenantId, open.id, last, deps.now());
  const counted = { ...open, lastObservedAt: last, timesObserved: open.timesObserved + 1 };
  return {
    observation: o,
    authorized: false,
    matchedBy: null,
    explanation: open.explanation,
    unauthorizedChange: counted,
    repeated: true,
  };
}

async function matchFacts(tx: DbOrTx, tenantId: string, o: Observation) {
  const [label] = await listLabels(tx, tenantId, o.environment, latestLabel(o.environment));
  let latest = null;
  let latestChangeRequest = null;
  if (label) {
    const revision = await findRevision(tx, tenantId, label.revisionId);
    const entryId = revision?.entries[o.component];
    if (entryId) [latest] = await findEntries(tx, tenantId, [entryId]);
    latestChangeRequest = await changeRequestOfRevision(tx, tenantId, o.environment, label.revisionId);
  }
  const deployments: AuthorizedDeployment[] = [];
  for (const run of await authorizedDeployments(tx, tenantId, o.environment)) {
    for (const item of run.delta) {
      if (item.to && item.name === o.component)
        deployments.push({ changeRequestNumber: run.changeRequestNumber, runId: run.runId, entry: item.to });
    }
  }
  return { latest: latest ?? null, latestChangeRequest, deployments };
}

/** Thrown inside the savepoint only to undo the number a lost race took; never leaves this file. */
class DriftAlreadyOpen extends Error {}

/**
 * Opens the record, audits it and queues its alert; null when a concurrent report of the same drift
 * opened it first. The number and the insert share a savepoint, so losing the race gives the number
 * back (no gap in UAC numbers) and writes nothing.
 */
async function openUnauthorizedChange(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  o: Observation,
  explanation: string,
  key: string,
): Promise<UnauthorizedChange | null> {
  let record: UnauthorizedChange;
  try {
    record = await inSavepoint(tx, async (sp) => {
      const opened = draftRecord(
        deps,
        actor,
        o,
        explanation,
        await nextCounterValue(sp, actor.tenantId, 'unauthorized_change'),
      );
      if (!(await insertUnauthorizedChange(sp, actor.tenantId, opened, key))) throw new DriftAlreadyOpen();
      return opened;
    });
  } catch (error) {
    if (error instanceof DriftAlreadyOpen) return null;
    throw error;
  }
  const now = record.createdAt;
  const { id: _id, ...facts } = record;
  await recordAudit(tx, deps, actor, {
    action: 'unauthorized_change.detected',
    entityType: 'unauthorized_change',
    entityId: record.id,
    after: facts,
  });
  await insertOutboxEvent(tx, {
    id: deps.newId(),
    tenantId: actor.tenantId,
    topic: unauthorizedTopic,
    payload: {
      number: record.number,
      environment: o.environment,
      component: o.component,
      version: o.version,
      digest: o.digest,
      observedAt: new Date(o.observedAt).toISOString(),
      source: o.source,
      explanation,
    },
    createdAt: now,
  });
  return record;
}

function draftRecord(
  deps: ServiceDeps,
  actor: Actor,
  o: Observation,
  explanation: string,
  counter: number,
): UnauthorizedChange {
  const now = deps.now();
  return {
    id: deps.newId(),
    number: formatUnauthorizedNumber(counter),
    ...o,
    lastObservedAt: o.observedAt,
    timesObserved: 1,
    status: 'open',
    explanation,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    note: null,
    createdBy: actor.name,
    createdAt: now,
    updatedAt: now,
  };
}
