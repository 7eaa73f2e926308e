import { type RawBuilder, sql } from 'kysely';
import type { PeriodUnit, SliceDimension } from '../domain/metrics/report.js';
import type { Dialect } from './database.js';

/**
 * The few SQL pieces that differ between SQLite and PostgreSQL for metrics (docs/metrics.md): JSON
 * lists, calendar buckets and the slicing of fact rows. Everything else in store/metrics.ts is plain SQL.
 */

type Sql = RawBuilder<unknown>;

/** A JSON text column's array elements as a row source with a `value` column. */
export function jsonElements(dialect: Dialect, column: Sql, alias: string): Sql {
  return dialect === 'postgres'
    ? sql`jsonb_array_elements_text(${column}::jsonb) as ${sql.raw(alias)}(value)`
    : sql`json_each(${column}) as ${sql.raw(alias)}`;
}

/** `left join` of a JSON list's elements: one row per element, one row with a null value for []. */
function leftJoinElements(dialect: Dialect, column: Sql, alias: string): Sql {
  return dialect === 'postgres'
    ? sql`left join lateral ${jsonElements(dialect, column, alias)} on true`
    : sql`left join ${jsonElements(dialect, column, alias)} on 1 = 1`;
}

/** Whether the JSON list in `column` holds `value`. */
export function listHolds(dialect: Dialect, column: Sql, value: string): Sql {
  return sql`exists (select 1 from ${jsonElements(dialect, column, 'held')} where held.value = ${value})`;
}

/** The integer period bucket of an epoch-ms column (domain/metrics/periods.ts does the same in JS). */
export function periodBucketSql(dialect: Dialect, unit: PeriodUnit, at: Sql): Sql {
  switch (unit) {
    case 'day':
      return sql`(${at} / 86400000)`;
    case 'week':
      return sql`((${at} / 86400000 + 3) / 7)`;
    case 'month':
      return dialect === 'postgres'
        ? sql`(extract(year from to_timestamp(${at} / 1000) at time zone 'UTC') * 12 + extract(month from to_timestamp(${at} / 1000) at time zone 'UTC') - 1)::bigint`
        : sql`(cast(strftime('%Y', ${at} / 1000, 'unixepoch') as integer) * 12 + cast(strftime('%m', ${at} / 1000, 'unixepoch') as integer) - 1)`;
    default: {
      const never: never = unit;
      return never;
    }
  }
}

export interface SliceSpec {
  by: SliceDimension | null;
  period: PeriodUnit;
  tenantId: string;
}

/**
 * Fact rows (columns fid, env, ctype, comps — a JSON list — or comp — one name —, at, …) with a slice
 * key `k`. A fact that names several components (or teams) appears once per component (team).
 */
export function sliced(dialect: Dialect, facts: Sql, spec: SliceSpec, components: 'list' | 'single'): Sql {
  const none = sql`'(none)'`;
  const simple = (key: Sql) => sql`select f.*, ${key} as k from (${facts}) f`;
  const perComponent = (select: (component: Sql) => Sql, joins: Sql) =>
    components === 'single'
      ? sql`select distinct f.*, ${select(sql`nullif(f.comp, '')`)} as k from (${facts}) f ${joins}`
      : sql`select distinct f.*, ${select(sql`c.value`)} as k from (${facts}) f ${leftJoinElements(dialect, sql`f.comps`, 'c')} ${joins}`;
  switch (spec.by) {
    case null:
      return simple(sql`''`);
    case 'environment':
      return simple(sql`coalesce(f.env, ${none})`);
    case 'type':
      return simple(sql`coalesce(f.ctype, ${none})`);
    case 'period':
      return simple(sql`cast(${periodBucketSql(dialect, spec.period, sql`f.at`)} as text)`);
    case 'component':
      return perComponent((c) => sql`coalesce(${c}, ${none})`, sql``);
    case 'team': {
      const component = components === 'single' ? sql`f.comp` : sql`c.value`;
      return perComponent(
        () => sql`coalesce(g.name, ${none})`,
        sql`left join components m on m.tenant_id = ${spec.tenantId} and m.name = ${component}
            left join ${sql.table('groups')} g on g.tenant_id = m.tenant_id and g.id = m.owner_group_id`,
      );
    }
    default: {
      const never: never = spec.by;
      return never;
    }
  }
}

/**
 * Per key `k`: `rows_n` (all rows) plus `extra` aggregates of other columns, then count, sum and
 * nearest-rank p50/p90 of `v` over the rows with a non-null `v`. The rows are computed once (a
 * materialized CTE); only the rows with a value are sorted (one window, narrow rows: key and value),
 * so a fact family where most rows carry no duration — most deployments have no lead time — sorts
 * only the few that do. The same SQL on both dialects; no rows come back to Node.js.
 */
export function aggregateByKey(rows: Sql, extra: Sql = sql``): Sql {
  return sql`with facts as materialized (${rows})
    select c.*, d.n, d.total, d.p50, d.p90
    from (select k, count(*) as rows_n ${extra} from facts group by k) c
    left join (
      select k, count(*) as n, sum(v) as total,
        max(case when rn = (cnt + 1) / 2 then v end) as p50,
        max(case when rn = (9 * cnt + 9) / 10 then v end) as p90
      from (select k, v, row_number() over w as rn,
              count(*) over (w rows between unbounded preceding and unbounded following) as cnt
            from facts where v is not null
            window w as (partition by k order by v)) r
      group by k) d on d.k = c.k`;
}
