import { environmentPurposes } from '../../domain/change-request.js';
import type { Environment } from '../../domain/environment.js';
import { AppError } from '../../domain/errors.js';
import { nullable, oneOf, slug, text } from '../../domain/validate.js';
import type { DbOrTx } from '../../store/database.js';
import { inTransaction } from '../../store/database.js';
import { findEnvironment, insertEnvironment, listEnvironments } from '../../store/environments.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';
import { uniqueOrConflict } from '../unique-or-conflict.js';

export async function createEnvironment(
  deps: ServiceDeps,
  actor: Actor,
  input: { name: unknown; purpose: unknown; detail?: unknown },
): Promise<Environment> {
  const env: Environment = {
    id: deps.newId(),
    tenantId: actor.tenantId,
    name: slug('name', input.name),
    purpose: oneOf('purpose', input.purpose, environmentPurposes),
    detail:
      input.detail === undefined ? null : nullable(input.detail, (v) => text('detail', v, { max: 500 })),
    regions: [],
    rollbackEnabled: false,
    createdAt: deps.now(),
  };
  return inTransaction(deps.db, async (tx) => {
    if (await findEnvironment(tx, actor.tenantId, env.name)) {
      throw new AppError('conflict', `environment '${env.name}' already exists`, { field: 'name' });
    }
    await uniqueOrConflict(insertEnvironment(tx, env), `environment '${env.name}' already exists`, 'name');
    const { tenantId: _t, ...audited } = env;
    await recordAudit(tx, deps, actor, {
      action: 'environment.created',
      entityType: 'environment',
      entityId: env.id,
      after: audited,
    });
    return env;
  });
}

export function listTenantEnvironments(deps: ServiceDeps, actor: Actor): Promise<Environment[]> {
  return listEnvironments(deps.db, actor.tenantId);
}

export async function environmentNames(db: DbOrTx, actor: Pick<Actor, 'tenantId'>): Promise<string[]> {
  return (await listEnvironments(db, actor.tenantId)).map((e) => e.name);
}

export function unknownEnvironment(name: string, known: string[]): AppError {
  return new AppError(
    'invalid_input',
    known.length
      ? `environment: '${name}' does not exist; use one of: ${known.join(', ')}`
      : `environment: '${name}' does not exist; create it first with 'changegate env create ${name} --purpose production|pre_prod'`,
    { field: 'environment', validValues: known },
  );
}
