import { type Static, type TSchema, Type } from 'typebox';
import { periodUnits, sliceDimensions } from '../domain/metrics/report.js';

/** JSON shape of the metrics report (docs/metrics.md); durations in milliseconds, times ISO-8601. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
const Ms = Nullable(Type.Number());
const Rate = Nullable(Type.Number({ description: '0..1; null when there is nothing to divide by' }));

const DurationStatsSchema = Type.Object({
  count: Type.Integer(),
  meanMs: Ms,
  p50Ms: Ms,
  p90Ms: Ms,
});

export const MetricSetSchema = Type.Object({
  deployments: Type.Integer(),
  failedDeployments: Type.Integer(),
  deploymentFrequency: Type.Object({ perDay: Ms, perWeek: Ms }),
  changeFailureRate: Rate,
  leadTime: DurationStatsSchema,
  recovery: Type.Object({ ...DurationStatsSchema.properties, unrecovered: Type.Integer() }),
  incidents: Type.Integer(),
  changeRelatedIncidents: Type.Integer(),
  timeToRestore: Type.Object({ ...DurationStatsSchema.properties, open: Type.Integer() }),
  mtbfChangeRelatedMs: Ms,
  changes: Type.Integer(),
  concludedChanges: Type.Integer(),
  successfulChanges: Type.Integer(),
  changeSuccessRate: Rate,
  emergencyChanges: Type.Integer(),
  timeToApprove: DurationStatsSchema,
  successScore: Nullable(Type.Number({ description: '0–100, weighted' })),
});

export const MetricsReportSchema = Type.Object({
  definitionsVersion: Type.Integer({ description: 'The version of the definitions in docs/metrics.md' }),
  query: Type.Object({
    environment: Nullable(Type.String()),
    component: Nullable(Type.String()),
    since: Type.String({ format: 'date-time' }),
    until: Type.String({ format: 'date-time' }),
    by: Nullable(Type.Enum([...sliceDimensions])),
    period: Type.Enum([...periodUnits]),
  }),
  rangeDays: Type.Number(),
  overall: MetricSetSchema,
  slices: Type.Array(Type.Object({ key: Type.String(), metrics: MetricSetSchema })),
  approvalBottlenecks: Type.Object({
    groups: Type.Array(
      Type.Object({
        group: Type.String(),
        decided: Type.Integer(),
        queue: DurationStatsSchema,
        pending: Type.Integer(),
      }),
    ),
    approvers: Type.Array(
      Type.Object({
        approver: Type.String(),
        decisions: Type.Integer(),
        approved: Type.Integer(),
        rejected: Type.Integer(),
      }),
    ),
  }),
  emergencyTrend: Type.Object({
    period: Type.Enum([...periodUnits]),
    points: Type.Array(
      Type.Object({ period: Type.String(), changes: Type.Integer(), emergencyChanges: Type.Integer() }),
    ),
    slopePerPeriod: Nullable(Type.Number()),
  }),
  successScoreWeights: Type.Object({
    changeSuccess: Type.Number(),
    stability: Type.Number(),
    planned: Type.Number(),
    recovery: Type.Number(),
  }),
  notes: Type.Array(Type.String()),
});
export type MetricsReportDto = Static<typeof MetricsReportSchema>;

export const MetricsQuerySchema = Type.Object(
  {
    environment: Type.Optional(Type.String({ description: 'Only this environment' })),
    component: Type.Optional(Type.String({ description: 'Only records naming this component' })),
    since: Type.Optional(Type.String({ description: 'ISO-8601; default: 30 days before until' })),
    until: Type.Optional(Type.String({ description: 'ISO-8601, exclusive; default: now' })),
    by: Type.Optional(
      Type.String({ description: 'Slice by environment (or env), component, team, type or period' }),
    ),
    period: Type.Optional(Type.String({ description: 'day, week (default) or month' })),
  },
  { additionalProperties: false },
);
export type MetricsQueryDto = Static<typeof MetricsQuerySchema>;
