import { type Static, Type } from 'typebox';

const Cut = Type.Object({ seq: Type.Integer(), hash: Type.String() });

/** What a retention run purged, or on a dry run would purge (docs/audit-trail.md#retention). */
export const RetentionReportSchema = Type.Object({
  dryRun: Type.Boolean(),
  days: Type.Integer(),
  cutoff: Type.String({ format: 'date-time', description: 'records finished before this instant go' }),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'rows per table' }),
  changeRequests: Type.Array(Type.String()),
  incidents: Type.Array(Type.String()),
  skipped: Type.Array(Type.Object({ number: Type.String(), reason: Type.String() })),
  cut: Type.Union([Cut, Type.Null()], { description: 'the last purged audit event' }),
  archive: Type.Union([Type.String(), Type.Null()], { description: 'the run’s archive directory' }),
});
export type RetentionReportDto = Static<typeof RetentionReportSchema>;

export const RetentionRunBodySchema = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ description: 'report what would go; change nothing' })) },
  { additionalProperties: false },
);
