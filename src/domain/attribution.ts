import type { RiskLevel } from './change-request.js';

/**
 * Change attribution (docs/attribution.md): which changes may have caused an incident, ranked by a
 * confidence from 0 to 1 with the factors that make it up. Pure: the store gathers the changes.
 */

export const causeStatuses = ['candidate', 'confirmed', 'rejected'] as const;
export type CauseStatus = (typeof causeStatuses)[number];

/** What kind of change it was: a pipeline deployment, a full rollback, or a CR implemented by hand. */
export type CauseKind = 'deployment' | 'rollback' | 'manual_change';

/** A change that happened, as the ranking needs it. */
export interface ChangeEvent {
  changeRequestId: string;
  changeRequestNumber: string;
  deploymentRunId: string | null;
  kind: CauseKind;
  /** When it was made: a run's start; a manual CR's planned start, else its closure, else its last update. */
  at: number;
  environment: string | null;
  /** What it changed: a deployment's delta names, a manual CR's components; empty when unknown. */
  components: string[];
  /** It failed its deployment or acceptance step, or was closed unsuccessful. */
  failed: boolean;
  /** The deployment was rolled back (successfully or not). */
  rolledBack: boolean;
  emergency: boolean;
  risk: RiskLevel | null;
}

export interface IncidentScope {
  startedAt: number;
  /** Empty: tenant-wide. */
  components: string[];
  /** null: every environment. */
  environment: string | null;
}

export interface CauseFactor {
  /** time | component | environment | running | failed | emergency | risk */
  factor: string;
  /** Its contribution to the confidence. */
  points: number;
  detail: string;
}

export interface RankedCause {
  change: ChangeEvent;
  confidence: number;
  factors: CauseFactor[];
}

/** Weights of the three base factors (they sum to 0.8); the signals add up to 0.2 more. */
export const attributionWeights = {
  time: 0.35,
  component: 0.3,
  environment: 0.15,
  failed: 0.1,
  emergency: 0.05,
  risk: { low: 0, moderate: 0.02, high: 0.035, critical: 0.05 } as Record<RiskLevel, number>,
} as const;

/** Component match: exact, on a tenant-wide incident, or a change whose components are unknown. */
const componentScore = { exact: 1, tenantWide: 0.5, unknown: 0.3 } as const;
/** Environment match: the incident's own, or an incident in every environment. */
const environmentScore = { exact: 1, anyEnvironment: 0.6 } as const;
/** A change whose components were all replaced by a later change before the incident keeps this share. */
const supersededShare = 0.5;

/**
 * The changes that may have caused the incident, highest confidence first (then the latest first):
 * made within `windowMs` before it started, in its environment (any, when it names none), on one of
 * its components (any, when it names none). One entry per CR: its most likely change.
 */
export function rankCauses(incident: IncidentScope, changes: ChangeEvent[], windowMs: number): RankedCause[] {
  const inScope = changes.filter((c) => inWindow(incident, c, windowMs) && sameScope(incident, c));
  const best = new Map<string, RankedCause>();
  for (const change of inScope) {
    const ranked = scoreCause(incident, change, inScope, windowMs);
    const previous = best.get(change.changeRequestId);
    if (!previous || byLikelihood(ranked, previous) < 0) best.set(change.changeRequestId, ranked);
  }
  return [...best.values()].sort(byLikelihood);
}

function inWindow(incident: IncidentScope, c: ChangeEvent, windowMs: number): boolean {
  return c.at <= incident.startedAt && c.at >= incident.startedAt - windowMs;
}

function sameScope(incident: IncidentScope, c: ChangeEvent): boolean {
  if (incident.environment !== null && c.environment !== incident.environment) return false;
  if (incident.components.length === 0 || c.components.length === 0) return true;
  return c.components.some((name) => incident.components.includes(name));
}

function byLikelihood(a: RankedCause, b: RankedCause): number {
  return (
    b.confidence - a.confidence ||
    b.change.at - a.change.at ||
    a.change.changeRequestNumber.localeCompare(b.change.changeRequestNumber)
  );
}

/** The confidence of one change and its explanation, factor by factor. */
export function scoreCause(
  incident: IncidentScope,
  change: ChangeEvent,
  others: ChangeEvent[],
  windowMs: number,
): RankedCause {
  const w = attributionWeights;
  const factors: CauseFactor[] = [];
  const before = incident.startedAt - change.at;
  const proximity = windowMs > 0 ? Math.max(0, 1 - before / windowMs) : 1;
  factors.push({
    factor: 'time',
    points: w.time * proximity,
    detail: `made ${formatSpan(before)} before the incident started (${Math.round(proximity * 100)}% of the window left)`,
  });

  const matched = change.components.filter((c) => incident.components.includes(c));
  let component: number;
  let componentDetail: string;
  if (incident.components.length === 0) {
    component = componentScore.tenantWide;
    componentDetail = 'the incident is tenant-wide (names no component)';
  } else if (change.components.length === 0) {
    component = componentScore.unknown;
    componentDetail = 'the change names no component';
  } else {
    component = componentScore.exact;
    componentDetail = `exact match on ${matched.join(', ')}`;
  }
  factors.push({ factor: 'component', points: w.component * component, detail: componentDetail });

  factors.push(
    incident.environment === null
      ? {
          factor: 'environment',
          points: w.environment * environmentScore.anyEnvironment,
          detail: `in ${change.environment ?? 'no environment'}; the incident names no environment`,
        }
      : {
          factor: 'environment',
          points: w.environment * environmentScore.exact,
          detail: `same environment (${incident.environment})`,
        },
  );

  const replacedBy = supersededBy(incident, change, others);
  if (replacedBy.length > 0) {
    const lost = factors.filter((f) => f.factor === 'time' || f.factor === 'component');
    const loss = lost.reduce((sum, f) => sum + f.points, 0) * (1 - supersededShare);
    factors.push({
      factor: 'running',
      points: -loss,
      detail: `no longer running when the incident started: replaced by ${replacedBy.join(', ')}`,
    });
  }
  if (change.failed || change.rolledBack) {
    factors.push({
      factor: 'failed',
      points: w.failed,
      detail: change.rolledBack ? 'the deployment failed and was rolled back' : 'the change failed',
    });
  }
  if (change.emergency)
    factors.push({ factor: 'emergency', points: w.emergency, detail: 'an emergency change' });
  if (change.risk !== null && w.risk[change.risk] > 0)
    factors.push({ factor: 'risk', points: w.risk[change.risk], detail: `risk ${change.risk}` });

  const total = factors.reduce((sum, f) => sum + f.points, 0);
  const rounded = factors.map((f) => ({ ...f, points: round(f.points) }));
  return { change, confidence: round(Math.min(1, Math.max(0, total))), factors: rounded };
}

/**
 * What was actually running when the incident started: a change's components that a later change in
 * the window redeployed before the incident were no longer its own. Only when all of them were.
 */
function supersededBy(incident: IncidentScope, change: ChangeEvent, others: ChangeEvent[]): string[] {
  const relevant =
    incident.components.length === 0
      ? change.components
      : change.components.filter((c) => incident.components.includes(c));
  if (relevant.length === 0) return [];
  const later = others.filter(
    (o) =>
      o.changeRequestId !== change.changeRequestId &&
      o.environment === change.environment &&
      o.at > change.at &&
      o.at <= incident.startedAt &&
      o.kind !== 'manual_change' &&
      // A deployment that failed or was rolled back never replaced what was running.
      !o.failed &&
      !o.rolledBack,
  );
  const by = new Set<string>();
  for (const name of relevant) {
    const replacing = later.find((o) => o.components.includes(name));
    if (!replacing) return [];
    by.add(replacing.changeRequestNumber);
  }
  return [...by].sort();
}

/** The factors as the explanation stored with a cause: one "factor (+points): detail" per line. */
export function explainCause(factors: CauseFactor[]): string {
  return factors
    .map((f) => `${f.factor} (${f.points >= 0 ? '+' : ''}${f.points.toFixed(3)}): ${f.detail}`)
    .join('\n');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** 2h 5m, 45m, 30s. */
export function formatSpan(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  return [days ? `${days}d` : '', hours ? `${hours}h` : '', rest ? `${rest}m` : ''].filter(Boolean).join(' ');
}
