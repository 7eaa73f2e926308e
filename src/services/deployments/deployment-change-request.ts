import { type ChangeRequest, changeRef } from '../../domain/change-request.js';
import { isTerminal } from '../../domain/change-request-state.js';
import type { DeploymentRun } from '../../domain/deployment.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Readiness } from '../../domain/readiness.js';
import { findChangeRequest } from '../../store/change-requests.js';
import type { DbOrTx } from '../../store/database.js';
import type { Actor, ServiceDeps } from '../context.js';

/** A CR supplied with --change-request-id: it must exist, be for this environment, and still be deployable. */
export async function loadSuppliedChangeRequest(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  environment: string,
): Promise<ChangeRequest> {
  const cr = await findChangeRequest(tx, actor.tenantId, changeRef(ref), { lockFor: deps.dialect });
  if (!cr) throw notFound('change request', ref);
  if (cr.environment !== null && cr.environment !== environment) {
    throw new AppError(
      'invalid_input',
      `${cr.number} is for environment '${cr.environment}', not '${environment}'; supply a change request for '${environment}'`,
      {
        field: 'changeRequestId',
      },
    );
  }
  if (isTerminal(cr.state)) {
    throw new AppError(
      'illegal_transition',
      `${cr.number} is ${cr.state}; a ${cr.state} change request cannot be deployed (leave --change-request-id out to have a new one created)`,
      {
        field: 'changeRequestId',
        state: cr.state,
      },
    );
  }
  if (cr.state === 'review') {
    throw new AppError(
      'illegal_transition',
      `${cr.number} is in review after its deployment${cr.closeCategory ? ` (${cr.closeCategory})` : ''}; close it, and deploy without --change-request-id to have a new one created`,
      {
        field: 'changeRequestId',
        state: cr.state,
      },
    );
  }
  return cr;
}

/** The promotion's description with what the automation knows appended (seed 000: "Additional Description"). */
export function pipelineDescription(
  given: string | null,
  delta: DeploymentRun['delta'],
  readiness: Readiness,
  run: string,
): string {
  const lines = [
    `Prepared by changegate from pipeline run ${run}.`,
    ...delta.map(
      (d) =>
        `- ${d.change} ${d.name}${d.fromVersion ? ` ${d.fromVersion}` : ''}${d.toVersion ? ` → ${d.toVersion}` : ''}`,
    ),
    `Readiness: ${readiness.ready ? 'ready' : 'not ready'} (${readiness.summary})`,
  ];
  return `${given ? `${given}\n\n` : ''}${lines.join('\n')}`.slice(0, 10_000);
}
