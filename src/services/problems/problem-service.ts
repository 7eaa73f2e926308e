import { AppError, notFound } from '../../domain/errors.js';
import {
  formatProblemNumber,
  type Problem,
  type ProblemStatus,
  problemRef,
  problemStatuses,
  statusAfterRootCause,
  validateProblemCreate,
  validateRootCause,
} from '../../domain/problem.js';
import { oneOf } from '../../domain/validate.js';
import { nextCounterValue } from '../../store/counters.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  findProblem,
  insertProblem,
  listProblemIncidents,
  listProblems,
  updateProblem,
} from '../../store/problems.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { requireIncident } from '../incidents/incident-service.js';
import { attachIncident, changeRequestNumberOf } from './problem-links.js';

/** A problem with its incidents and its fix CR's number (docs/incidents.md#problems). */
export interface ProblemDetail {
  problem: Problem;
  fixChangeRequest: string | null;
  incidents: { incidentNumber: string; linkedBy: string; linkedAt: number }[];
}

export async function requireProblem(
  db: DbOrTx,
  deps: Pick<ServiceDeps, 'dialect'>,
  actor: Pick<Actor, 'tenantId'>,
  ref: string,
  options: { lock?: boolean } = {},
): Promise<Problem> {
  const found = await findProblem(db, actor.tenantId, problemRef(ref), {
    lockFor: options.lock ? deps.dialect : undefined,
  });
  if (!found) throw notFound('problem', ref);
  return found;
}

/** Opens a problem, optionally from an incident (linked at once, audited on both). */
export async function createProblem(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<ProblemDetail> {
  const { title, incident: incidentRef } = validateProblemCreate(input);
  return inTransaction(deps.db, async (tx) => {
    const incident = incidentRef ? await requireIncident(tx, deps, actor, incidentRef) : null;
    const now = deps.now();
    const problem: Problem = {
      id: deps.newId(),
      number: formatProblemNumber(await nextCounterValue(tx, actor.tenantId, 'problem')),
      title,
      status: 'open',
      rootCause: null,
      fixChangeRequestId: null,
      createdBy: actor.name,
      createdAt: now,
      updatedAt: now,
      resolvedAt: null,
    };
    await insertProblem(tx, actor.tenantId, problem);
    await recordAudit(tx, deps, actor, {
      action: 'problem.created',
      entityType: 'problem',
      entityId: problem.id,
      after: { number: problem.number, title, status: problem.status },
    });
    if (incident) await attachIncident(tx, deps, actor, problem, incident);
    return problemDetail(tx, actor, problem);
  });
}

export async function listTenantProblems(
  deps: ServiceDeps,
  actor: Actor,
  query: { status?: unknown } = {},
): Promise<Omit<ProblemDetail, 'incidents'>[]> {
  const status =
    query.status === undefined || query.status === ''
      ? undefined
      : oneOf<ProblemStatus>('status', query.status, problemStatuses);
  return listProblems(deps.db, actor.tenantId, status ? { status } : {});
}

export async function getProblem(deps: ServiceDeps, actor: Actor, ref: string): Promise<ProblemDetail> {
  return problemDetail(deps.db, actor, await requireProblem(deps.db, deps, actor, ref));
}

export async function problemDetail(db: DbOrTx, actor: Actor, problem: Problem): Promise<ProblemDetail> {
  const [incidents, fixChangeRequest] = await Promise.all([
    listProblemIncidents(db, actor.tenantId, { problemId: problem.id }),
    problem.fixChangeRequestId ? changeRequestNumberOf(db, actor, problem.fixChangeRequestId) : null,
  ]);
  return {
    problem,
    fixChangeRequest,
    incidents: incidents.map((l) => ({
      incidentNumber: l.incidentNumber,
      linkedBy: l.linkedBy,
      linkedAt: l.linkedAt,
    })),
  };
}

/** Records the root-cause findings (the post-incident review's outcome): an open problem becomes a known error. */
export async function recordRootCause(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: Record<string, unknown>,
): Promise<ProblemDetail> {
  const rootCause = validateRootCause(input);
  return inTransaction(deps.db, async (tx) => {
    const problem = await requireProblem(tx, deps, actor, ref, { lock: true });
    const status = statusAfterRootCause(problem.status);
    const now = deps.now();
    await updateProblem(tx, actor.tenantId, problem.id, { rootCause, status }, now);
    await recordAudit(tx, deps, actor, {
      action: 'problem.root_cause_recorded',
      entityType: 'problem',
      entityId: problem.id,
      before: { rootCause: problem.rootCause, status: problem.status },
      after: { number: problem.number, rootCause, status },
    });
    return problemDetail(tx, actor, { ...problem, rootCause, status, updatedAt: now });
  });
}

/** Resolves a problem: its root cause is known and fixed. Needs root-cause findings first. */
export async function resolveProblem(deps: ServiceDeps, actor: Actor, ref: string): Promise<ProblemDetail> {
  return inTransaction(deps.db, async (tx) => {
    const problem = await requireProblem(tx, deps, actor, ref, { lock: true });
    if (problem.status === 'resolved') {
      throw new AppError('illegal_transition', `${problem.number} is already resolved`, {
        field: 'problem',
        status: problem.status,
      });
    }
    if (problem.rootCause === null) {
      throw new AppError(
        'illegal_transition',
        `${problem.number} has no root cause yet; record the findings first: changegate problem root-cause ${problem.number} --text "…"`,
        { field: 'rootCause' },
      );
    }
    const now = deps.now();
    await updateProblem(tx, actor.tenantId, problem.id, { status: 'resolved', resolvedAt: now }, now);
    await recordAudit(tx, deps, actor, {
      action: 'problem.resolved',
      entityType: 'problem',
      entityId: problem.id,
      before: { status: problem.status },
      after: { number: problem.number, status: 'resolved', resolvedAt: now },
    });
    return problemDetail(tx, actor, { ...problem, status: 'resolved', resolvedAt: now, updatedAt: now });
  });
}
