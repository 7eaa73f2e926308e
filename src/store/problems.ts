import type { Selectable } from 'kysely';
import type { Problem, ProblemStatus } from '../domain/problem.js';
import type { DbOrTx, Dialect } from './database.js';
import type { ProblemsTable } from './schema.js';

/** Problems, the incidents linked to them, and the `problem_fix` change link of their fix CR. */

function toProblem(row: Selectable<ProblemsTable>): Problem {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    status: row.status as ProblemStatus,
    rootCause: row.root_cause,
    fixChangeRequestId: row.fix_change_request_id,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
  };
}

export async function insertProblem(db: DbOrTx, tenantId: string, p: Problem): Promise<void> {
  await db
    .insertInto('problems')
    .values({
      id: p.id,
      tenant_id: tenantId,
      number: p.number,
      title: p.title,
      status: p.status,
      root_cause: p.rootCause,
      fix_change_request_id: p.fixChangeRequestId,
      created_by: p.createdBy,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      resolved_at: p.resolvedAt,
    })
    .execute();
}

export async function findProblem(
  db: DbOrTx,
  tenantId: string,
  ref: { by: 'number' | 'id'; value: string },
  options: { lockFor?: Dialect } = {},
): Promise<Problem | undefined> {
  const row = await db
    .selectFrom('problems')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(ref.by === 'number' ? 'number' : 'id', '=', ref.value)
    .$if(options.lockFor === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toProblem(row);
}

/** Newest first; optionally of one status; each with its fix CR's number. */
export async function listProblems(
  db: DbOrTx,
  tenantId: string,
  filter: { status?: ProblemStatus } = {},
): Promise<{ problem: Problem; fixChangeRequest: string | null }[]> {
  let query = db
    .selectFrom('problems as p')
    .leftJoin('change_requests as c', (j) =>
      j.onRef('c.id', '=', 'p.fix_change_request_id').on('c.tenant_id', '=', tenantId),
    )
    .selectAll('p')
    .select('c.number as fix_number')
    .where('p.tenant_id', '=', tenantId);
  if (filter.status) query = query.where('p.status', '=', filter.status);
  const rows = await query.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').execute();
  return rows.map(({ fix_number, ...row }) => ({ problem: toProblem(row), fixChangeRequest: fix_number }));
}

export async function updateProblem(
  db: DbOrTx,
  tenantId: string,
  id: string,
  set: Partial<Pick<Problem, 'status' | 'rootCause' | 'fixChangeRequestId' | 'resolvedAt'>>,
  at: number,
): Promise<void> {
  await db
    .updateTable('problems')
    .set({
      updated_at: at,
      ...(set.status !== undefined ? { status: set.status } : {}),
      ...(set.rootCause !== undefined ? { root_cause: set.rootCause } : {}),
      ...(set.fixChangeRequestId !== undefined ? { fix_change_request_id: set.fixChangeRequestId } : {}),
      ...(set.resolvedAt !== undefined ? { resolved_at: set.resolvedAt } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function insertProblemIncident(
  db: DbOrTx,
  tenantId: string,
  link: { problemId: string; incidentId: string; linkedBy: string; linkedAt: number },
): Promise<void> {
  await db
    .insertInto('problem_incidents')
    .values({
      tenant_id: tenantId,
      problem_id: link.problemId,
      incident_id: link.incidentId,
      linked_by: link.linkedBy,
      linked_at: link.linkedAt,
    })
    .execute();
}

/** False when the incident was not linked to the problem. */
export async function deleteProblemIncident(
  db: DbOrTx,
  tenantId: string,
  problemId: string,
  incidentId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('problem_incidents')
    .where('tenant_id', '=', tenantId)
    .where('problem_id', '=', problemId)
    .where('incident_id', '=', incidentId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface ProblemIncidentLink {
  problemNumber: string;
  problemId: string;
  incidentNumber: string;
  incidentId: string;
  linkedBy: string;
  linkedAt: number;
}

/** The links of one problem or of one incident, with both numbers, oldest first. */
export async function listProblemIncidents(
  db: DbOrTx,
  tenantId: string,
  filter: { problemId?: string; incidentId?: string },
): Promise<ProblemIncidentLink[]> {
  let query = db
    .selectFrom('problem_incidents as l')
    .innerJoin('problems as p', 'p.id', 'l.problem_id')
    .innerJoin('incidents as i', 'i.id', 'l.incident_id')
    .select([
      'p.number as problem_number',
      'p.id as problem_id',
      'i.number as incident_number',
      'i.id as incident_id',
      'l.linked_by',
      'l.linked_at',
    ])
    .where('l.tenant_id', '=', tenantId)
    .where('p.tenant_id', '=', tenantId)
    .where('i.tenant_id', '=', tenantId);
  if (filter.problemId) query = query.where('l.problem_id', '=', filter.problemId);
  if (filter.incidentId) query = query.where('l.incident_id', '=', filter.incidentId);
  const rows = await query.orderBy('l.linked_at').orderBy('i.number').execute();
  return rows.map((r) => ({
    problemNumber: r.problem_number,
    problemId: r.problem_id,
    incidentNumber: r.incident_number,
    incidentId: r.incident_id,
    linkedBy: r.linked_by,
    linkedAt: Number(r.linked_at),
  }));
}

/** Drops the `problem_fix` change link naming this problem from a CR (when the fix moves to another CR). */
export async function deleteProblemFixLink(
  db: DbOrTx,
  tenantId: string,
  changeRequestId: string,
  problemNumber: string,
): Promise<void> {
  await db
    .deleteFrom('change_links')
    .where('tenant_id', '=', tenantId)
    .where('change_request_id', '=', changeRequestId)
    .where('kind', '=', 'problem_fix')
    .where('target', '=', problemNumber)
    .execute();
}
