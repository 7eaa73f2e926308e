import { type ChangeOrigin, changeOrigins } from '../change-request.js';
import type { ComplianceFacts } from './compliance-facts.js';
import { detectViolations, type Violation, type ViolationKind, violationKinds } from './violations.js';

/** The compliance report of docs/compliance.md: volume, success rates and every violation, per origin. */

export interface OriginSection {
  origin: ChangeOrigin;
  /** Change requests created in the period. */
  volume: { total: number; byType: Record<string, number>; byEnvironment: Record<string, number> };
  /** How those change requests ended; open = no close category yet. */
  outcomes: {
    successful: number;
    successfulWithIssues: number;
    unsuccessful: number;
    cancelled: number;
    open: number;
    /** (successful + successful with issues) ÷ (those + unsuccessful); null when none concluded. */
    successRate: number | null;
  };
  /** Deployment runs in the period that passed the gate. */
  deployments: {
    total: number;
    successful: number;
    failed: number;
    inProgress: number;
    emergency: number;
    /** successful ÷ (successful + failed); null when none finished. */
    successRate: number | null;
  };
  violationCounts: Record<ViolationKind, number>;
  violations: Violation[];
}

/** The report as the API and the CLI's --json show it: times are ISO-8601 UTC. */
export interface ComplianceReport {
  since: string;
  until: string;
  generatedAt: string;
  /** Violations of both origins and the unauthorized changes, by kind. */
  violationCounts: Record<ViolationKind, number>;
  totalViolations: number;
  internal: OriginSection;
  vendor: OriginSection;
  /** What drift monitors saw running that no approved change deployed (no CR, so no origin). */
  unauthorizedChanges: Violation[];
}

function countBy<T>(items: T[], key: (t: T) => string, weight: (t: T) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + weight(item);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function countKinds(violations: Violation[]): Record<ViolationKind, number> {
  const counts = Object.fromEntries(violationKinds.map((k) => [k, 0])) as Record<ViolationKind, number>;
  for (const v of violations) counts[v.kind]++;
  return counts;
}

const ratio = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
const sum = (xs: { count: number }[]) => xs.reduce((n, x) => n + x.count, 0);

function section(f: ComplianceFacts, origin: ChangeOrigin, violations: Violation[]): OriginSection {
  const volume = f.volume.filter((v) => v.origin === origin);
  const outcomes = f.outcomes.filter((o) => o.origin === origin);
  const of = (category: string | null) => sum(outcomes.filter((o) => o.closeCategory === category));
  const successful = of('successful');
  const withIssues = of('successful_with_issues');
  const unsuccessful = of('unsuccessful');
  const runs = f.deployments.filter((d) => d.origin === origin);
  const ok = sum(runs.filter((d) => d.status === 'successful_deployment'));
  const running = sum(runs.filter((d) => d.status === null || d.status === 'awaiting_approval'));
  const total = sum(runs);
  const mine = violations.filter((v) => v.origin === origin);
  return {
    origin,
    volume: {
      total: sum(volume),
      byType: countBy(
        volume,
        (v) => v.type,
        (v) => v.count,
      ),
      byEnvironment: countBy(
        volume,
        (v) => v.environment ?? '(none)',
        (v) => v.count,
      ),
    },
    outcomes: {
      successful,
      successfulWithIssues: withIssues,
      unsuccessful,
      cancelled: of('cancelled'),
      open: of(null),
      successRate: ratio(successful + withIssues, successful + withIssues + unsuccessful),
    },
    deployments: {
      total,
      successful: ok,
      failed: total - ok - running,
      inProgress: running,
      emergency: sum(runs.filter((d) => d.emergency)),
      successRate: ratio(ok, total - running),
    },
    violationCounts: countKinds(mine),
    violations: mine,
  };
}

/** Pure: the report from the facts the store read. */
export function assembleComplianceReport(f: ComplianceFacts): ComplianceReport {
  const violations = detectViolations(f);
  const [internal, vendor] = changeOrigins.map((o) => section(f, o, violations)) as [
    OriginSection,
    OriginSection,
  ];
  return {
    since: new Date(f.since).toISOString(),
    until: new Date(f.until).toISOString(),
    generatedAt: new Date(f.asOf).toISOString(),
    violationCounts: countKinds(violations),
    totalViolations: violations.length,
    internal,
    vendor,
    unauthorizedChanges: violations.filter((v) => v.kind === 'unauthorized_change'),
  };
}
