import type { ChangeRequest } from '../../domain/change-request.js';
import { AppError } from '../../domain/errors.js';
import {
  type ChangeWindow,
  describeHit,
  type WindowHit,
  type WindowOverride,
  windowsOverlapping,
} from '../../domain/windows.js';
import { insertComment } from '../../store/change-activity.js';
import type { DbOrTx } from '../../store/database.js';
import { listOverrides, listWindows } from '../../store/windows.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

/** A stretch of time a change happens in, and what it touches; start === end is one instant. */
export interface FreezeSpan {
  environment: string | null;
  /** null: not known (a CR names no components yet), so component-scoped freezes apply too. */
  components: readonly string[] | null;
  start: number;
  end: number;
  /** How a refusal names what was checked: "deploying to prod now", "CHG0000004's plan (…)". */
  subject: string;
}

/** A freeze a change goes ahead in anyway, and on what grounds. */
export interface FreezePass {
  hit: WindowHit;
  basis: 'emergency' | 'override';
  override: WindowOverride | null;
}

export function loadFreezes(tx: DbOrTx, actor: Pick<Actor, 'tenantId'>): Promise<ChangeWindow[]> {
  return listWindows(tx, actor.tenantId, { kind: 'freeze' });
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The freeze rule, one function for deployments and change requests alike: a freeze that overlaps a
 * span, for its environment and components, blocks the change unless it is an emergency or its CR
 * holds an override for that window. Throws `conflict` naming every blocking freeze, its occurrence and
 * reason, and `proceed(names)` (how to go on); returns the freezes the change goes ahead in.
 */
export async function checkFreeze(
  tx: DbOrTx,
  actor: Pick<Actor, 'tenantId'>,
  spans: readonly FreezeSpan[],
  options: {
    changeRequest: ChangeRequest | null;
    emergency: boolean;
    proceed: (windowNames: string[]) => string;
    /** Freezes already loaded by the caller. */
    freezes?: ChangeWindow[];
  },
): Promise<FreezePass[]> {
  const freezes = options.freezes ?? (await loadFreezes(tx, actor));
  const seen = new Set<string>();
  const hits = spans.flatMap((span) =>
    windowsOverlapping(freezes, span.start, span.end, span).flatMap((hit) => {
      if (seen.has(hit.window.id)) return [];
      seen.add(hit.window.id);
      return [{ hit, span }];
    }),
  );
  if (hits.length === 0) return [];
  const overrides = options.changeRequest
    ? await listOverrides(tx, actor.tenantId, { changeRequestId: options.changeRequest.id })
    : [];
  const passes: FreezePass[] = [];
  const blocking: typeof hits = [];
  for (const { hit, span } of hits) {
    const override = overrides.find((o) => o.windowId === hit.window.id) ?? null;
    if (override) passes.push({ hit, basis: 'override', override });
    else if (options.emergency) passes.push({ hit, basis: 'emergency', override: null });
    else blocking.push({ hit, span });
  }
  if (blocking.length > 0) {
    const why = blocking.map(({ hit, span }) => `${span.subject} is blocked by ${describeHit(hit)}`);
    throw new AppError(
      'conflict',
      `${why.join('; ')}. ${options.proceed(blocking.map((b) => b.hit.window.name))}`,
      {
        field: 'window',
        windows: blocking.map(({ hit }) => ({
          name: hit.window.name,
          kind: hit.window.kind,
          start: iso(hit.occurrence.start),
          end: iso(hit.occurrence.end),
          reason: hit.window.reason,
        })),
      },
    );
  }
  return passes;
}

/** What a deployment adds to a CR's check when it moves the CR into implement. */
export interface DeploymentMoment {
  environment: string;
  /** The components it deploys. */
  components: readonly string[];
  pipelineRunId: string;
  emergency: boolean;
}

/** A CR's planned window as a span, if it has one; a start or an end alone is one instant. */
export function planSpan(cr: ChangeRequest): { start: number; end: number } | null {
  const start = cr.plannedStart ?? cr.plannedEnd;
  if (start === null) return null;
  return { start, end: cr.plannedEnd ?? start };
}

/**
 * The check for a CR entering `scheduled` or `implement` (by hand, by approval, or at the deployment
 * gate): its planned window, and for `implement` also the moment it starts (for the deployed
 * components, at the gate). The plan touches the CR's components, or all of them when it names none. Refused
 * unless the CR is an emergency or overridden; a freeze it goes ahead in is noted on the CR (and
 * returned, for the deployment gate's record).
 */
export async function enforceChangeFreeze(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  to: 'scheduled' | 'implement',
  deployment?: DeploymentMoment,
): Promise<FreezePass[]> {
  const spans: FreezeSpan[] = [];
  const plan = planSpan(cr);
  if (plan) {
    spans.push({
      environment: cr.environment,
      components: cr.components.length > 0 ? cr.components : null,
      ...plan,
      subject: `${cr.number}'s plan (${iso(plan.start)} – ${iso(plan.end)})`,
    });
  }
  if (to === 'implement') {
    const now = deps.now();
    spans.push({
      environment: deployment?.environment ?? cr.environment,
      components: deployment?.components ?? (cr.components.length > 0 ? cr.components : null),
      start: now,
      end: now,
      subject: deployment
        ? `deploying ${cr.number} to ${deployment.environment} now`
        : `implementing ${cr.number} now`,
    });
  }
  if (spans.length === 0) return [];
  const passes = await checkFreeze(tx, actor, spans, {
    changeRequest: cr,
    emergency: cr.type === 'emergency' || (deployment?.emergency ?? false),
    proceed: (names) =>
      `${deployment ? 'Wait for the freeze to end, deploy as an emergency change (--emergency)' : to === 'implement' || !plan ? 'Wait for the freeze to end' : `Re-plan ${cr.number} outside it`}, or have a change manager grant an override: ${names
        .map((n) => `changegate window override ${n} --change-request ${cr.number} --reason "…"`)
        .join('; ')}${deployment ? `, then rerun with --change-request-id ${cr.number}` : ''}`,
  });
  for (const pass of passes) await noteFreezePass(tx, deps, actor, cr, pass, to, deployment?.pipelineRunId);
  return passes;
}

/** A comment on the CR and an audit event: the change went ahead (or was scheduled) inside a freeze. */
async function noteFreezePass(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  cr: ChangeRequest,
  pass: FreezePass,
  to: 'scheduled' | 'implement',
  pipelineRunId: string | undefined,
): Promise<void> {
  const grounds =
    pass.basis === 'emergency'
      ? 'as an emergency change'
      : `under the override granted by ${pass.override?.grantedBy}: ${pass.override?.reason}`;
  const body = `${to === 'implement' ? 'Went ahead during' : 'Scheduled inside'} ${describeHit(pass.hit)} — ${grounds}${pipelineRunId ? ` (pipeline run ${pipelineRunId})` : ''}`;
  const comment = {
    id: deps.newId(),
    changeRequestId: cr.id,
    author: actor.name,
    body,
    createdAt: deps.now(),
  };
  await insertComment(tx, actor.tenantId, comment);
  await recordAudit(tx, deps, actor, {
    action: 'change_request.freeze_bypassed',
    entityType: 'change_request',
    entityId: cr.id,
    after: {
      number: cr.number,
      window: pass.hit.window.name,
      windowId: pass.hit.window.id,
      occurrence: { start: pass.hit.occurrence.start, end: pass.hit.occurrence.end },
      basis: pass.basis,
      overrideId: pass.override?.id ?? null,
      entering: to,
      pipelineRunId: pipelineRunId ?? null,
      commentId: comment.id,
      body,
    },
  });
}
