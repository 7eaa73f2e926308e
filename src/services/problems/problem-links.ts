import { changeRef } from '../../domain/change-request.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Incident } from '../../domain/incident.js';
import type { Problem } from '../../domain/problem.js';
import { insertLink } from '../../store/change-links.js';
import { findChangeRequest } from '../../store/change-requests.js';
import { type DbOrTx, inTransaction } from '../../store/database.js';
import {
  deleteProblemFixLink,
  deleteProblemIncident,
  insertProblemIncident,
  listProblemIncidents,
  updateProblem,
} from '../../store/problems.js';
import { auditLink } from '../audit/audit-link.js';
import type { Actor, ServiceDeps } from '../context.js';
import { requireIncident } from '../incidents/incident-service.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';
import { type ProblemDetail, problemDetail, requireProblem } from './problem-service.js';

/**
 * The links of a problem: its incidents (problem_incidents) and its fix CR (problems.fix_change_request_id
 * plus a `problem_fix` change link, so `cr get` lists it). Each link and unlink is one fact written on
 * both trails: the problem's and the incident's or CR's.
 */

export async function changeRequestNumberOf(
  db: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  id: string,
): Promise<string | null> {
  return (await findChangeRequest(db, actor.tenantId, { by: 'id', value: id }))?.number ?? null;
}

/** Links an incident to a problem inside the caller's transaction. */
export async function attachIncident(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  problem: Problem,
  incident: Incident,
): Promise<void> {
  const exists = `${incident.number} is already linked to ${problem.number}`;
  const linked = await listProblemIncidents(tx, actor.tenantId, { problemId: problem.id });
  if (linked.some((l) => l.incidentId === incident.id))
    throw new AppError('conflict', exists, { field: 'incident' });
  const link = { problemId: problem.id, incidentId: incident.id, linkedBy: actor.name, linkedAt: deps.now() };
  await uniqueOrConflict(insertProblemIncident(tx, actor.tenantId, link), exists, 'incident');
  await auditIncidentLink(tx, deps, actor, problem, incident, 'linked');
}

function auditIncidentLink(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  problem: Problem,
  incident: Incident,
  verb: 'linked' | 'unlinked',
): Promise<void> {
  return auditLink(
    tx,
    deps,
    actor,
    [
      { entityType: 'problem', id: problem.id, number: problem.number, action: `problem.incident_${verb}` },
      {
        entityType: 'incident',
        id: incident.id,
        number: incident.number,
        action: `incident.problem_${verb}`,
      },
    ],
    { problem: problem.number, incident: incident.number },
  );
}

export async function linkProblemIncident(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  incidentRef: unknown,
): Promise<ProblemDetail> {
  return inTransaction(deps.db, async (tx) => {
    const problem = await requireProblem(tx, deps, actor, ref, { lock: true });
    const incident = await requireIncident(tx, deps, actor, String(incidentRef ?? ''));
    await attachIncident(tx, deps, actor, problem, incident);
    return problemDetail(tx, actor, problem);
  });
}

export async function unlinkProblemIncident(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  incidentRef: unknown,
): Promise<ProblemDetail> {
  return inTransaction(deps.db, async (tx) => {
    const problem = await requireProblem(tx, deps, actor, ref, { lock: true });
    const incident = await requireIncident(tx, deps, actor, String(incidentRef ?? ''));
    if (!(await deleteProblemIncident(tx, actor.tenantId, problem.id, incident.id))) {
      throw new AppError('not_found', `${incident.number} is not linked to ${problem.number}`, {
        field: 'incident',
      });
    }
    await auditIncidentLink(tx, deps, actor, problem, incident, 'unlinked');
    return problemDetail(tx, actor, problem);
  });
}

/**
 * Names the CR that fixes the problem (replacing an earlier one): the problem records it, and the CR
 * gets a `problem_fix` link to the problem's number. Audited on the problem and on both CRs.
 */
export async function setProblemFix(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  input: Record<string, unknown>,
): Promise<ProblemDetail> {
  const crRef = typeof input.changeRequestId === 'string' ? input.changeRequestId.trim() : '';
  if (crRef === '' || Object.keys(input).some((k) => k !== 'changeRequestId')) {
    throw new AppError('invalid_input', 'changeRequestId: give the fixing CR (--change CHG0000042)', {
      field: 'changeRequestId',
    });
  }
  return inTransaction(deps.db, async (tx) => {
    const problem = await requireProblem(tx, deps, actor, ref, { lock: true });
    const cr = await findChangeRequest(tx, actor.tenantId, changeRef(crRef), { lockFor: deps.dialect });
    if (!cr) throw notFound('change request', crRef);
    if (problem.fixChangeRequestId === cr.id) {
      throw new AppError('conflict', `${cr.number} is already the fix of ${problem.number}`, {
        field: 'changeRequestId',
      });
    }
    const now = deps.now();
    const previous = problem.fixChangeRequestId;
    if (previous) {
      await deleteProblemFixLink(tx, actor.tenantId, previous, problem.number);
      await auditFix(
        tx,
        deps,
        actor,
        problem,
        { id: previous, number: await changeRequestNumberOf(tx, actor, previous) },
        'unlinked',
      );
    }
    await updateProblem(tx, actor.tenantId, problem.id, { fixChangeRequestId: cr.id }, now);
    await insertLink(tx, actor.tenantId, {
      id: deps.newId(),
      changeRequestId: cr.id,
      kind: 'problem_fix',
      target: problem.number,
      createdBy: actor.name,
      createdAt: now,
    });
    await auditFix(tx, deps, actor, problem, cr, 'linked');
    return problemDetail(tx, actor, { ...problem, fixChangeRequestId: cr.id, updatedAt: now });
  });
}

function auditFix(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  problem: Problem,
  cr: { id: string; number: string | null },
  verb: 'linked' | 'unlinked',
): Promise<void> {
  return auditLink(
    tx,
    deps,
    actor,
    [
      { entityType: 'problem', id: problem.id, number: problem.number, action: `problem.fix_${verb}` },
      {
        entityType: 'change_request',
        id: cr.id,
        number: cr.number,
        action: `change_request.problem_fix_${verb}`,
      },
    ],
    { problem: problem.number, changeRequest: cr.number },
  );
}
