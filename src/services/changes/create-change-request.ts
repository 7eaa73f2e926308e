import type { ChangeRequest } from '../../domain/change-request.js';
import { type ChangeCreateInput, validateChangeCreate } from '../../domain/change-request-input.js';
import { inTransaction } from '../../store/database.js';
import { assertRegisteredComponents } from '../catalog/component-service.js';
import type { Actor, ServiceDeps } from '../context.js';
import { createFromTemplate } from '../templates/create-from-template.js';
import { insertNewChangeRequest, type PipelineFacts } from './insert-new-change-request.js';

/** A CR asked for by a person or the API: from a template when it names one, else in state new. */
export async function createChangeRequest(
  deps: ServiceDeps,
  actor: Actor,
  input: ChangeCreateInput,
  facts: PipelineFacts = {},
): Promise<ChangeRequest> {
  if (input.template !== undefined && input.template !== null) {
    const { template, ...rest } = input;
    return createFromTemplate(deps, actor, template, rest);
  }
  const { template: _none, ...plain } = input;
  const valid = validateChangeCreate(plain);
  return inTransaction(deps.db, async (tx) => {
    // People name registered components; the pipeline records whatever its delta holds (docs/components.md).
    await assertRegisteredComponents(tx, actor, valid.fields.components);
    return insertNewChangeRequest(tx, deps, actor, valid, facts);
  });
}
