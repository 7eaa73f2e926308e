import type { BatchMember, ChangeBatch } from './batch.js';
import {
  type ApprovalState,
  approvalStates,
  type ChangeRequest,
  type ChangeState,
  changeStates,
} from './change-request.js';

/**
 * Where a batch stands, in one word: `empty` (no members), `planning` (members being prepared),
 * `awaiting_approval` (some member's approval is requested), `ready` (every member approved and
 * scheduled), `in_progress` (some member is being implemented or reviewed), `done` (all closed or canceled).
 */
export const batchPhases = [
  'empty',
  'planning',
  'awaiting_approval',
  'ready',
  'in_progress',
  'done',
] as const;
export type BatchPhase = (typeof batchPhases)[number];

export interface MemberGlance {
  member: BatchMember;
  /** What the member still waits for, in words; null when nothing (closed or canceled). */
  waitsFor: string | null;
  /** Approved and scheduled (or already past the gate), and inside the batch window when it has one. */
  ready: boolean;
}

export interface BatchGlance {
  phase: BatchPhase;
  ready: boolean;
  /** Why the batch is not ready, one reason per line; empty when it is. */
  blockers: string[];
  counts: { byState: Record<ChangeState, number>; byApproval: Record<ApprovalState, number> };
  members: MemberGlance[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const pastGate: readonly ChangeState[] = ['implement', 'review', 'closed'];

function planMatches(batch: ChangeBatch, cr: ChangeRequest): boolean {
  if (batch.plannedStart === null) return true;
  return cr.plannedStart === batch.plannedStart && cr.plannedEnd === batch.plannedEnd;
}

/** What a member waits for before the batch can go ahead, with the command that moves it on. */
export function memberWaitsFor(batch: ChangeBatch, m: BatchMember): string | null {
  const cr = m.changeRequest;
  if (cr.state === 'closed' || cr.state === 'canceled') return null;
  if (cr.approval === 'retro_pending') return 'retrospective approval (emergency change)';
  if (cr.state === 'implement') return 'implementation to finish';
  if (cr.state === 'review') return `closing (changegate cr close ${cr.number})`;
  switch (cr.approval) {
    case 'requested':
      return m.activeStep
        ? `approval by group '${m.activeStep.group}' (step '${m.activeStep.name}')`
        : 'approval';
    case 'approved':
      if (cr.state !== 'scheduled') return `scheduling (changegate cr transition ${cr.number} scheduled)`;
      if (!planMatches(batch, cr))
        return `re-planning into the batch window (changegate batch schedule ${batch.number})`;
      return cr.plannedStart === null ? 'a planned window' : `its window, from ${iso(cr.plannedStart)}`;
    case 'rejected':
      return `revision after rejection, then an approval request (changegate cr request-approval ${cr.number})`;
    case 'not_requested':
      return `an approval request (changegate cr request-approval ${cr.number})`;
    default:
      return null;
  }
}

function memberReady(batch: ChangeBatch, cr: ChangeRequest): boolean {
  if (pastGate.includes(cr.state)) return true;
  return cr.state === 'scheduled' && cr.approval === 'approved' && planMatches(batch, cr);
}

/** The batch's state at a glance: counts, the ready verdict with its blockers, and each member's wait. */
export function batchGlance(batch: ChangeBatch, members: readonly BatchMember[]): BatchGlance {
  const byState = Object.fromEntries(changeStates.map((s) => [s, 0])) as Record<ChangeState, number>;
  const byApproval = Object.fromEntries(approvalStates.map((a) => [a, 0])) as Record<ApprovalState, number>;
  const glances = members.map((member) => {
    const cr = member.changeRequest;
    byState[cr.state]++;
    byApproval[cr.approval]++;
    return { member, waitsFor: memberWaitsFor(batch, member), ready: memberReady(batch, cr) };
  });
  const live = glances.filter((g) => g.member.changeRequest.state !== 'canceled');
  const blockers = live
    .filter((g) => !g.ready)
    .map((g) => `${g.member.changeRequest.number} waits for ${g.waitsFor}`);
  if (live.length === 0)
    blockers.unshift(members.length === 0 ? 'the batch has no members' : 'every member is canceled');
  const ready = blockers.length === 0;
  return {
    phase: phaseOf(glances, ready),
    ready,
    blockers,
    counts: { byState, byApproval },
    members: glances,
  };
}

function phaseOf(glances: readonly MemberGlance[], ready: boolean): BatchPhase {
  const crs = glances.map((g) => g.member.changeRequest);
  if (crs.length === 0) return 'empty';
  if (crs.every((cr) => cr.state === 'closed' || cr.state === 'canceled')) return 'done';
  if (crs.some((cr) => cr.state === 'implement' || cr.state === 'review')) return 'in_progress';
  if (ready) return 'ready';
  if (crs.some((cr) => cr.approval === 'requested')) return 'awaiting_approval';
  return 'planning';
}
