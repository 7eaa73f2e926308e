import type { Db } from '../../src/store/database.js';

/**
 * A deliberately naive second implementation of docs/metrics.md (definitions version 1): it loads
 * every row of the tenant and computes each figure with plain loops, sharing no code with
 * src/domain/metrics or src/store/metrics.ts, so the tests can cross-check the SQL and the formulas.
 */

export interface OracleQuery {
  environment: string | null;
  component: string | null;
  since: number;
  until: number;
  by: 'environment' | 'component' | 'team' | 'type' | 'period' | null;
  period: 'day' | 'week' | 'month';
}

// biome-ignore lint/suspicious/noExplicitAny: raw rows of many tables, read as naively as possible on purpose
type Row = Record<string, any>;
const DAY = 86_400_000;

export interface OracleDurations {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
}

function stats(values: number[]): OracleDurations {
  if (values.length === 0) return { count: 0, meanMs: null, p50Ms: null, p90Ms: null };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.ceil(p * s.length) - 1] as number;
  let total = 0;
  for (const v of s) total += v;
  return { count: s.length, meanMs: total / s.length, p50Ms: at(0.5), p90Ms: at(0.9) };
}

function periodStart(unit: OracleQuery['period'], at: number): number {
  const d = new Date(at);
  if (unit === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const mondayOffset = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - mondayOffset);
}
function nextPeriod(unit: OracleQuery['period'], start: number): number {
  const d = new Date(start);
  if (unit === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return start + (unit === 'day' ? 1 : 7) * DAY;
}
function periodName(unit: OracleQuery['period'], at: number): string {
  const iso = new Date(periodStart(unit, at)).toISOString();
  return unit === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

interface Fact {
  env: string | null;
  type: string | null;
  comps: string[];
  at: number;
}

export async function oracleMetrics(db: Db, tenantId: string, q: OracleQuery) {
  const all = async (table: string): Promise<Row[]> =>
    (
      (await db
        .selectFrom(table as 'tenants')
        .selectAll()
        .execute()) as Row[]
    ).filter((r) => r.tenant_id === tenantId);
  const crs = await all('change_requests');
  const runs = await all('deployment_runs');
  const envs = await all('environments');
  const links = await all('change_links');
  const causes = await all('incident_causes');
  const incidents = await all('incidents');
  const steps = await all('approval_steps');
  const approvals = await all('approvals');
  const components = await all('components');
  const groups = await all('groups');
  const config = await all('tenant_configs');
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const crById = new Map(crs.map((c) => [c.id, c]));
  const teamOf = (component: string): string => {
    const comp = components.find((c) => c.name === component);
    return groups.find((g) => g.id === comp?.owner_group_id)?.name ?? '(none)';
  };
  const crFailed = (cr: Row, runId: string | null) =>
    cr.close_category === 'unsuccessful' ||
    links.some((l) => l.change_request_id === cr.id && l.kind === 'rolled_back_by') ||
    causes.some(
      (c) =>
        c.change_request_id === cr.id &&
        c.status === 'confirmed' &&
        (runId === null || c.deployment_run_id === null || c.deployment_run_id === runId),
    );
  const reached = (r: Row) => r.status !== null && r.status !== 'awaiting_approval';
  const inRange = (at: number | null) => at !== null && at >= q.since && at < q.until;
  const passes = (env: string | null, comps: string[]) =>
    (q.environment === null || env === q.environment) &&
    (q.component === null || comps.includes(q.component));

  // Deployments, without the upper bound (recovery looks past the range).
  interface Deployment extends Fact {
    id: string;
    failed: boolean;
    lead: number | null;
  }
  const deployments: Deployment[] = [];
  for (const r of runs) {
    const cr = crById.get(r.change_request_id);
    const at = n(r.finished_at);
    if (!cr || !reached(r) || at === null || at < q.since) continue;
    const comps = JSON.parse(cr.components_json) as string[];
    if (!passes(r.environment, comps)) continue;
    let lead: number | null = null;
    const production = envs.find((e) => e.name === r.environment)?.purpose === 'production';
    if (r.status === 'successful_deployment' && r.flow !== 'rollback' && production) {
      // Each entry from its commit when CI gave the time, else from its build.
      const builds = (
        JSON.parse(r.delta_json) as { to: { createdAt: number; committedAt?: number | null } | null }[]
      )
        .filter((d) => d.to !== null)
        .map((d) => (d.to?.committedAt ?? d.to?.createdAt) as number);
      if (builds.length > 0) lead = at - Math.min(...builds);
    }
    deployments.push({
      id: r.id,
      env: r.environment,
      type: cr.type,
      comps,
      at,
      failed: r.status !== 'successful_deployment' || crFailed(cr, r.id),
      lead,
    });
  }
  for (const cr of crs) {
    const at = n(cr.closed_at) ?? (n(cr.updated_at) as number);
    const comps = JSON.parse(cr.components_json) as string[];
    if (cr.environment === null || !['implement', 'review', 'closed'].includes(cr.state)) continue;
    if (cr.close_category === 'cancelled' || at < q.since || !passes(cr.environment, comps)) continue;
    if (runs.some((r) => r.change_request_id === cr.id && reached(r))) continue;
    deployments.push({
      id: cr.id,
      env: cr.environment,
      type: cr.type,
      comps,
      at,
      failed: crFailed(cr, null),
      lead: null,
    });
  }
  const recoveries: (Fact & { v: number | null })[] = [];
  for (const d of deployments) {
    if (!d.failed || d.at >= q.until) continue;
    // A report for one component judges the recovery of that component only.
    const judged = q.component !== null ? [q.component] : d.comps.length > 0 ? d.comps : [''];
    for (const comp of judged) {
      const later = deployments.filter(
        (e) =>
          !e.failed &&
          e.env === d.env &&
          e.at > d.at &&
          (comp === '' ? e.comps.length === 0 : e.comps.includes(comp)),
      );
      const next = later.length > 0 ? Math.min(...later.map((e) => e.at)) : null;
      recoveries.push({
        env: d.env,
        type: d.type,
        comps: comp === '' ? [] : [comp],
        at: d.at,
        v: next === null ? null : next - d.at,
      });
    }
  }
  const counted = deployments.filter((d) => d.at < q.until);

  const incidentFacts = incidents
    .map((i) => ({
      env: i.environment as string | null,
      type: null,
      comps: JSON.parse(i.components_json) as string[],
      at: Number(i.started_at),
      related: causes.some((c) => c.incident_id === i.id && c.status === 'confirmed'),
      restore: i.resolved_at === null ? null : Number(i.resolved_at) - Number(i.started_at),
    }))
    .filter((i) => inRange(i.at) && passes(i.env, i.comps));

  const changeFacts = crs
    .map((cr) => ({
      env: cr.environment as string | null,
      type: cr.type as string,
      comps: JSON.parse(cr.components_json) as string[],
      at: Number(cr.created_at),
      concluded: cr.close_category !== null && cr.close_category !== 'cancelled',
      successful: ['successful', 'successful_with_issues'].includes(cr.close_category) && !crFailed(cr, null),
      emergency: cr.type === 'emergency',
    }))
    .filter((c) => inRange(c.at) && passes(c.env, c.comps));

  const rounds = new Map<string, Row[]>();
  for (const s of steps.filter((s) => Number(s.created_at) < q.until)) {
    const key = `${s.change_request_id}:${s.round}`;
    rounds.set(key, [...(rounds.get(key) ?? []), s]);
  }
  const approvalFacts: (Fact & { v: number })[] = [];
  for (const list of rounds.values()) {
    if (list.some((s) => s.status === 'waiting' || s.status === 'active')) continue;
    const decided = list
      .filter((s) => s.status === 'approved' || s.status === 'rejected')
      .map((s) => Number(s.decided_at));
    if (decided.length === 0) continue;
    const cr = crById.get(list[0]?.change_request_id) as Row;
    const comps = JSON.parse(cr.components_json) as string[];
    const at = Math.max(...decided);
    if (!inRange(at) || !passes(cr.environment, comps)) continue;
    approvalFacts.push({
      env: cr.environment,
      type: cr.type,
      comps,
      at,
      v: at - Math.min(...list.map((s) => Number(s.created_at))),
    });
  }

  const keysOf = (f: Fact, by: OracleQuery['by']): string[] => {
    switch (by) {
      case null:
        return [''];
      case 'environment':
        return [f.env ?? '(none)'];
      case 'type':
        return [f.type ?? '(none)'];
      case 'period':
        return [periodName(q.period, f.at)];
      case 'component':
        return f.comps.length === 0 ? ['(none)'] : [...new Set(f.comps)];
      case 'team':
        return f.comps.length === 0 ? ['(none)'] : [...new Set(f.comps.map(teamOf))];
    }
  };
  const weightsDoc = config.sort((a, b) => b.version - a.version)[0];
  const weights = {
    changeSuccess: 0.4,
    stability: 0.3,
    planned: 0.2,
    recovery: 0.1,
    ...(weightsDoc ? JSON.parse(weightsDoc.document_json)?.metrics?.successScore?.weights : {}),
  };

  const setFor = (key: string, days: number, by: OracleQuery['by'] = q.by) => {
    const mine = <T extends Fact>(list: T[]) => list.filter((f) => keysOf(f, by).includes(key));
    const deps = mine(counted);
    const failed = deps.filter((d) => d.failed).length;
    const rec = mine(recoveries);
    const inc = mine(incidentFacts);
    const chg = mine(changeFacts);
    const related = inc.filter((i) => i.related).length;
    const concluded = chg.filter((c) => c.concluded).length;
    const successful = chg.filter((c) => c.successful).length;
    const emergency = chg.filter((c) => c.emergency).length;
    const recovered = rec.filter((r) => r.v !== null).length;
    const perDay = days > 0 ? deps.length / days : null;
    const parts: [number | null, number][] = [
      [concluded ? successful / concluded : null, weights.changeSuccess],
      [deps.length ? 1 - failed / deps.length : null, weights.stability],
      [chg.length ? 1 - emergency / chg.length : null, weights.planned],
      [rec.length ? recovered / rec.length : null, weights.recovery],
    ];
    const used = parts.filter(([v, w]) => v !== null && w > 0) as [number, number][];
    const weight = used.reduce((s, [, w]) => s + w, 0);
    return {
      deployments: deps.length,
      failedDeployments: failed,
      deploymentFrequency: { perDay, perWeek: perDay === null ? null : perDay * 7 },
      changeFailureRate: deps.length ? failed / deps.length : null,
      leadTime: stats(deps.filter((d) => d.lead !== null).map((d) => d.lead as number)),
      recovery: {
        ...stats(rec.filter((r) => r.v !== null).map((r) => r.v as number)),
        unrecovered: rec.length - recovered,
      },
      incidents: inc.length,
      changeRelatedIncidents: related,
      timeToRestore: {
        ...stats(inc.filter((i) => i.restore !== null).map((i) => i.restore as number)),
        open: inc.filter((i) => i.restore === null).length,
      },
      mtbfChangeRelatedMs: related ? (days * DAY) / related : null,
      changes: chg.length,
      concludedChanges: concluded,
      successfulChanges: successful,
      changeSuccessRate: concluded ? successful / concluded : null,
      emergencyChanges: emergency,
      timeToApprove: stats(mine(approvalFacts).map((a) => a.v)),
      successScore:
        weight > 0 ? Math.round((used.reduce((s, [v, w]) => s + v * w, 0) / weight) * 1000) / 10 : null,
    };
  };

  const rangeDays = (q.until - q.since) / DAY;
  let slices: { key: string; metrics: ReturnType<typeof setFor> }[] = [];
  if (q.by === 'period') {
    for (let start = periodStart(q.period, q.since); start < q.until; start = nextPeriod(q.period, start)) {
      const days = (Math.min(nextPeriod(q.period, start), q.until) - Math.max(start, q.since)) / DAY;
      slices.push({ key: periodName(q.period, start), metrics: setFor(periodName(q.period, start), days) });
    }
  } else if (q.by !== null) {
    const keys = new Set<string>();
    for (const f of [...counted, ...recoveries, ...incidentFacts, ...changeFacts, ...approvalFacts]) {
      for (const k of keysOf(f, q.by)) keys.add(k);
    }
    slices = [...keys].sort().map((key) => ({ key, metrics: setFor(key, rangeDays) }));
  }
  const overall = setFor('', rangeDays, null);

  const crPasses = (crId: string) => {
    const cr = crById.get(crId) as Row;
    return passes(cr.environment, JSON.parse(cr.components_json));
  };
  const groupNames = new Set<string>();
  const decidedSteps = steps.filter(
    (s) =>
      ['approved', 'rejected'].includes(s.status) &&
      s.activated_at !== null &&
      inRange(Number(s.decided_at)) &&
      crPasses(s.change_request_id),
  );
  const activeSteps = steps.filter((s) => s.status === 'active' && crPasses(s.change_request_id));
  for (const s of [...decidedSteps, ...activeSteps]) groupNames.add(s.approver_group);
  const groupsOut = [...groupNames].sort().map((group) => {
    const mine = decidedSteps.filter((s) => s.approver_group === group);
    return {
      group,
      decided: mine.length,
      queue: stats(mine.map((s) => Number(s.decided_at) - Number(s.activated_at))),
      pending: activeSteps.filter((s) => s.approver_group === group).length,
    };
  });
  const decisions = approvals.filter((a) => inRange(Number(a.decided_at)) && crPasses(a.change_request_id));
  const approvers = [...new Set(decisions.map((a) => a.approver as string))]
    .map((approver) => {
      const mine = decisions.filter((a) => a.approver === approver);
      return {
        approver,
        decisions: mine.length,
        approved: mine.filter((a) => a.decision === 'approved').length,
        rejected: mine.filter((a) => a.decision === 'rejected').length,
      };
    })
    .sort((a, b) => b.decisions - a.decisions || (a.approver < b.approver ? -1 : 1));

  const trend = [];
  for (let start = periodStart(q.period, q.since); start < q.until; start = nextPeriod(q.period, start)) {
    const mine = changeFacts.filter((c) => c.at >= start && c.at < nextPeriod(q.period, start));
    trend.push({
      period: periodName(q.period, start),
      changes: mine.length,
      emergencyChanges: mine.filter((c) => c.emergency).length,
    });
  }
  return { overall, slices, approvalBottlenecks: { groups: groupsOut, approvers }, emergencyTrend: trend };
}
