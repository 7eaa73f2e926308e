import type { ChangeOrigin } from '../change-request.js';
import type { ComplianceFacts, JudgementBasis } from './compliance-facts.js';

/** The policy violations a compliance report lists (docs/compliance.md#violations). */
export const violationKinds = [
  'deployment_without_approval',
  'separation_of_duties',
  'retrospective_approval_late',
  'freeze_override',
  'evidence_at_deployment',
  'unauthorized_change',
] as const;
export type ViolationKind = (typeof violationKinds)[number];

/** Links to the records behind a violation, as paths relative to the server (the API's own routes). */
export interface ViolationLinks {
  changeRequest: string | null;
  deploymentRun: string | null;
  auditEvent: string | null;
  unauthorizedChange: string | null;
}

export interface Violation {
  kind: ViolationKind;
  /** When it happened, ISO-8601 UTC. */
  at: string;
  /** The CR's origin; null for an unauthorized change (no CR made it). */
  origin: ChangeOrigin | null;
  environment: string | null;
  changeRequest: string | null;
  /** The CR's title, as its requester wrote it (untrusted text: renderers escape it). */
  changeRequestTitle: string | null;
  deploymentRunId: string | null;
  auditEvent: { seq: number; id: string } | null;
  unauthorizedChange: string | null;
  /**
   * For a deployment's violations: judged by the gate's record on the run, or by the CR's current
   * state (a run from before gate records); null for the other kinds.
   */
  basis: JudgementBasis | null;
  /** Who did what, in one sentence. */
  summary: string;
  links: ViolationLinks;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Said of a run from before gate records, judged by what its CR and stored readiness say now. */
const currentStateNote = ' (no gate record: judged by the current state)';

/** API paths of the records a violation names. */
export function violationLinks(
  v: Pick<Violation, 'changeRequest' | 'deploymentRunId' | 'auditEvent' | 'unauthorizedChange'>,
): ViolationLinks {
  const enc = encodeURIComponent;
  return {
    changeRequest: v.changeRequest && `/api/v1/change-requests/${enc(v.changeRequest)}`,
    deploymentRun: v.deploymentRunId && `/api/v1/deployments/${enc(v.deploymentRunId)}`,
    auditEvent: v.auditEvent && `/api/v1/audit/events?afterSeq=${v.auditEvent.seq - 1}&limit=1`,
    unauthorizedChange: v.unauthorizedChange && `/api/v1/unauthorized-changes/${enc(v.unauthorizedChange)}`,
  };
}

type Draft = Omit<
  Violation,
  | 'at'
  | 'links'
  | 'changeRequest'
  | 'changeRequestTitle'
  | 'deploymentRunId'
  | 'auditEvent'
  | 'unauthorizedChange'
  | 'basis'
> &
  Partial<Pick<Violation, 'deploymentRunId' | 'auditEvent' | 'unauthorizedChange' | 'basis'>> & {
    at: number;
    cr: { number: string; title: string } | null;
  };

function violation({ cr, ...d }: Draft): Violation {
  const full = {
    deploymentRunId: null,
    auditEvent: null,
    unauthorizedChange: null,
    basis: null,
    ...d,
    at: iso(d.at),
    changeRequest: cr?.number ?? null,
    changeRequestTitle: cr?.title ?? null,
  };
  return { ...full, links: violationLinks(full) };
}

/** Every violation in the facts, oldest first; ties in a fixed order so reports are reproducible. */
export function detectViolations(f: ComplianceFacts): Violation[] {
  const found: Violation[] = [
    ...f.unapprovedDeployments.map((d) =>
      violation({
        kind: 'deployment_without_approval',
        at: d.startedAt,
        origin: d.changeRequest?.origin ?? 'internal',
        environment: d.environment,
        cr: d.changeRequest,
        deploymentRunId: d.runId,
        basis: d.basis,
        summary: d.changeRequest
          ? d.basis === 'gate_record'
            ? `pipeline run ${d.pipelineRunId} deployed ${d.changeRequest.number} to ${d.environment} while its approval was '${d.changeRequest.approval}' and it was not an emergency change`
            : `pipeline run ${d.pipelineRunId} deployed ${d.changeRequest.number} to ${d.environment}, whose approval is '${d.changeRequest.approval}' now and which is not an emergency change${currentStateNote}`
          : `pipeline run ${d.pipelineRunId} deployed to ${d.environment} without a change request`,
      }),
    ),
    ...f.separation.map((s) => {
      const roles = [
        s.approver.toLowerCase() === s.requestedBy.toLowerCase() ? 'requested' : null,
        s.approver.toLowerCase() === (s.implementedBy ?? '').toLowerCase() ? 'deployed' : null,
      ].filter(Boolean);
      return violation({
        kind: 'separation_of_duties',
        at: s.decidedAt,
        origin: s.changeRequest.origin,
        environment: s.environment,
        cr: s.changeRequest,
        summary: `${s.approver} approved ${s.changeRequest.number}, which they ${roles.join(' and ')}`,
      });
    }),
    ...f.retrospective.map((r) =>
      violation({
        kind: 'retrospective_approval_late',
        at: r.dueAt,
        origin: r.changeRequest.origin,
        environment: r.environment,
        cr: r.changeRequest,
        summary:
          r.completedAt === null
            ? `emergency change ${r.changeRequest.number} has no retrospective approval; it was due ${iso(r.dueAt)}`
            : `emergency change ${r.changeRequest.number} was approved retrospectively at ${iso(r.completedAt)}, after its due date ${iso(r.dueAt)}`,
      }),
    ),
    ...f.freeze.map((z) =>
      violation({
        kind: 'freeze_override',
        at: z.at,
        origin: z.changeRequest.origin,
        environment: z.environment,
        cr: z.changeRequest,
        auditEvent: { seq: z.auditSeq, id: z.auditId },
        summary: `${z.changeRequest.number} went ahead during freeze '${z.window}' ${
          z.basis === 'emergency'
            ? 'as an emergency change'
            : `under an override granted by ${z.override?.grantedBy ?? 'unknown'}${z.override ? ` (${z.override.reason})` : ''}`
        }${z.pipelineRunId ? `, pipeline run ${z.pipelineRunId}` : ''}`,
      }),
    ),
    ...f.evidence.map((e) =>
      violation({
        kind: 'evidence_at_deployment',
        at: e.startedAt,
        origin: e.changeRequest.origin,
        environment: e.environment,
        cr: e.changeRequest,
        deploymentRunId: e.runId,
        basis: e.basis,
        summary: `pipeline run ${e.pipelineRunId} deployed ${e.changeRequest.number}${e.emergency ? ' (emergency)' : ''} to ${e.environment} with failing or missing evidence${e.entries.length > 0 ? ` for ${e.entries.join(', ')}` : ''}: ${e.summary}${e.basis === 'current_state' ? currentStateNote : ''}`,
      }),
    ),
    ...f.unauthorized.map((u) =>
      violation({
        kind: 'unauthorized_change',
        at: u.observedAt,
        origin: null,
        environment: u.environment,
        cr: null,
        unauthorizedChange: u.number,
        summary: `${u.number} (${u.status}, seen ${u.timesObserved}× by ${u.source}): ${u.explanation}`,
      }),
    ),
  ];
  const order = (v: Violation) => violationKinds.indexOf(v.kind);
  // ISO-8601 UTC instants of one format sort as text.
  return found.sort(
    (a, b) => a.at.localeCompare(b.at) || order(a) - order(b) || a.summary.localeCompare(b.summary),
  );
}
