import {
  type ApprovalState,
  type ChangeFields,
  type ChangeRequest,
  type ChangeState,
  changeFieldNames,
  riskLevels,
  sameFieldValue,
} from './change-request.js';
import { AppError } from './errors.js';
import { effectiveRisk } from './risk-assessment.js';

/** The only allowed state transitions (DESIGN.md §4). `closed` and `canceled` are terminal. */
export const transitions: Readonly<Record<ChangeState, readonly ChangeState[]>> = {
  new: ['assess', 'authorize', 'canceled'],
  assess: ['new', 'authorize', 'canceled'],
  authorize: ['assess', 'scheduled', 'implement', 'canceled'],
  scheduled: ['authorize', 'implement', 'canceled'],
  implement: ['review'],
  review: ['closed'],
  closed: [],
  canceled: [],
};

export function isTerminal(state: ChangeState): boolean {
  return transitions[state].length === 0;
}

export interface TransitionOutcome {
  state: ChangeState;
  approval: ApprovalState;
}

/**
 * Decides a state change for a CR, or throws `illegal_transition` naming the allowed targets.
 * Approval guards: `scheduled` needs an approved CR; `implement` needs approval, except that an
 * emergency change may go ahead (from authorize or scheduled) and owes a retrospective approval (`retro_pending`).
 */
export function decideTransition(
  cr: Pick<ChangeRequest, 'number' | 'state' | 'approval' | 'type'>,
  to: ChangeState,
): TransitionOutcome {
  const allowed = transitions[cr.state];
  if (!allowed.includes(to)) {
    const hint = allowed.length
      ? `allowed from '${cr.state}': ${allowed.join(', ')}`
      : `'${cr.state}' is final`;
    throw new AppError(
      'illegal_transition',
      `${cr.number} cannot move from '${cr.state}' to '${to}'; ${hint}`,
      {
        field: 'state',
        from: cr.state,
        to,
        validValues: allowed,
      },
    );
  }
  if (to === 'closed') {
    throw new AppError(
      'illegal_transition',
      `${cr.number}: use close with a category to close a change request`,
      {
        field: 'state',
        from: cr.state,
        to,
      },
    );
  }
  if (to === 'canceled') {
    throw new AppError('illegal_transition', `${cr.number}: use cancel to cancel a change request`, {
      field: 'state',
      from: cr.state,
      to,
    });
  }
  switch (to) {
    case 'scheduled':
      if (cr.approval !== 'approved') throw needsApproval(cr, to);
      return { state: to, approval: cr.approval };
    case 'implement':
      // Only an emergency may skip scheduling: it goes ahead now and owes a retrospective approval.
      if (cr.type === 'emergency') {
        return { state: to, approval: cr.approval === 'approved' ? 'approved' : 'retro_pending' };
      }
      if (cr.state === 'authorize') {
        throw new AppError(
          'illegal_transition',
          `${cr.number} is a ${cr.type} change: it moves to implement from scheduled, after approval; only an emergency change may go ahead from authorize`,
          { field: 'state', from: cr.state, to, validValues: ['assess', 'scheduled', 'canceled'] },
        );
      }
      if (cr.approval === 'approved' || cr.approval === 'retro_pending')
        return { state: to, approval: cr.approval };
      throw needsApproval(cr, to);
    case 'authorize':
      // Entering authorize from an earlier state is how approval gets requested.
      if (cr.state === 'new' || cr.state === 'assess') {
        return { state: to, approval: cr.approval === 'approved' ? 'approved' : 'requested' };
      }
      return { state: to, approval: cr.approval };
    case 'new':
    case 'assess':
    case 'review':
      return { state: to, approval: cr.approval };
    default:
      return assertNever(to);
  }
}

function needsApproval(cr: Pick<ChangeRequest, 'number' | 'approval'>, to: ChangeState): AppError {
  return new AppError(
    'illegal_transition',
    `${cr.number} cannot enter '${to}' while approval is '${cr.approval}'; it must be approved first`,
    { field: 'approval', approval: cr.approval, to },
  );
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}

/** Approval can be requested while the CR is still being prepared. */
export function decideRequestApproval(cr: Pick<ChangeRequest, 'number' | 'state' | 'approval' | 'type'>) {
  if (cr.approval === 'requested' || cr.approval === 'approved') {
    throw new AppError('illegal_transition', `${cr.number}: approval is already '${cr.approval}'`, {
      field: 'approval',
      approval: cr.approval,
    });
  }
  if (cr.state !== 'new' && cr.state !== 'assess' && cr.state !== 'authorize') {
    throw new AppError(
      'illegal_transition',
      `${cr.number}: approval can be requested only in new, assess or authorize (state is '${cr.state}')`,
      { field: 'state', from: cr.state },
    );
  }
  return { state: 'authorize' as const, approval: 'requested' as const };
}

/**
 * An approval decision. `requested` → approved moves the CR on to `scheduled`; a retrospective approval
 * of an emergency change (`retro_pending`) settles the approval without touching the state.
 * A rejection sends the CR back to `assess` so it can be revised and requested again.
 */
export function decideApproval(
  cr: Pick<ChangeRequest, 'number' | 'state' | 'approval' | 'requestedBy' | 'implementedBy'>,
  decision: 'approved' | 'rejected',
  approver: string,
): TransitionOutcome {
  const verb = decision === 'approved' ? 'approve' : 'reject';
  if (sameActor(cr.requestedBy, approver)) {
    throw new AppError(
      'separation_of_duties',
      `${approver} requested ${cr.number} and cannot ${verb} it; ask another approver`,
      {
        field: 'approver',
        requestedBy: cr.requestedBy,
      },
    );
  }
  if (cr.implementedBy !== null && sameActor(cr.implementedBy, approver)) {
    throw new AppError(
      'separation_of_duties',
      `${approver} deployed ${cr.number} and cannot ${verb} it; ask another approver`,
      {
        field: 'approver',
        implementedBy: cr.implementedBy,
      },
    );
  }
  if (cr.approval === 'retro_pending') {
    return { state: cr.state, approval: decision };
  }
  if (cr.approval !== 'requested') {
    throw new AppError(
      'illegal_transition',
      `${cr.number}: approval is '${cr.approval}'; only a requested (or emergency retro_pending) approval can be decided`,
      { field: 'approval', approval: cr.approval, validValues: ['requested', 'retro_pending'] },
    );
  }
  return decision === 'approved'
    ? { state: cr.state === 'authorize' ? 'scheduled' : cr.state, approval: 'approved' }
    : { state: cr.state === 'authorize' ? 'assess' : cr.state, approval: 'rejected' };
}

export function sameActor(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** A CR may be closed once it has been implemented; the category records how it went. */
export function assertClosable(cr: Pick<ChangeRequest, 'number' | 'state'>): void {
  if (cr.state !== 'implement' && cr.state !== 'review') {
    throw new AppError(
      'illegal_transition',
      `${cr.number} cannot be closed from '${cr.state}'; close is allowed from implement or review (cancel it instead if it will not happen)`,
      { field: 'state', from: cr.state, validValues: ['implement', 'review'] },
    );
  }
}

export function assertCancelable(cr: Pick<ChangeRequest, 'number' | 'state'>): void {
  if (!transitions[cr.state].includes('canceled')) {
    throw new AppError(
      'illegal_transition',
      `${cr.number} cannot be canceled from '${cr.state}'; once implementation started, close it with a category`,
      { field: 'state', from: cr.state },
    );
  }
}

export function assertEditable(cr: Pick<ChangeRequest, 'number' | 'state'>): void {
  if (isTerminal(cr.state)) {
    throw new AppError('illegal_transition', `${cr.number} is ${cr.state} and can no longer be changed`, {
      field: 'state',
      from: cr.state,
    });
  }
}

/**
 * A reassessment that raises the effective risk of a CR awaiting or holding approval, before
 * implementation, withdraws the approval like an edit does: the rules route a riskier change differently.
 */
export function approvalAfterRiskRise(
  cr: Pick<ChangeRequest, 'state' | 'approval' | 'risk' | 'riskAssessment'>,
  after: Pick<ChangeRequest, 'risk' | 'riskAssessment'>,
): TransitionOutcome | null {
  const before = effectiveRisk(cr);
  const now = effectiveRisk(after);
  const rose = now !== null && (before === null || riskLevels.indexOf(now) > riskLevels.indexOf(before));
  return rose ? withdrawnApproval(cr) : null;
}

/** Fields whose change alters what was approved; title, assignee and priority do not. */
const approvalRelevant = changeFieldNames.filter(
  (f) => f !== 'title' && f !== 'assignee' && f !== 'priority',
);

/**
 * An approval covers what the approvers saw. Editing an approval-relevant field of a CR that is
 * awaiting or holding approval, before implementation, withdraws it: back to assess, to be requested again.
 */
export function approvalAfterEdit(
  cr: Pick<ChangeRequest, 'state' | 'approval'> & ChangeFields,
  patch: Partial<ChangeFields>,
): TransitionOutcome | null {
  const relevant = approvalRelevant.some((f) => f in patch && !sameFieldValue(patch[f], cr[f]));
  return relevant ? withdrawnApproval(cr) : null;
}

/** A requested or held approval, before implementation, is withdrawn: back to assess (or new). */
function withdrawnApproval(cr: Pick<ChangeRequest, 'state' | 'approval'>): TransitionOutcome | null {
  const pending = cr.approval === 'requested' || cr.approval === 'approved';
  const beforeImplementation =
    cr.state === 'new' || cr.state === 'assess' || cr.state === 'authorize' || cr.state === 'scheduled';
  if (!pending || !beforeImplementation) return null;
  return { state: cr.state === 'new' ? 'new' : 'assess', approval: 'not_requested' };
}
