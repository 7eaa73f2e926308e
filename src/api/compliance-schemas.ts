import { type Static, type TSchema, Type } from 'typebox';
import { changeOrigins } from '../domain/change-request.js';
import { judgementBases } from '../domain/compliance/compliance-facts.js';
import { violationKinds } from '../domain/compliance/violations.js';

/** JSON shape of the compliance report (docs/compliance.md); the domain report is already this shape. */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
const Counts = Type.Record(Type.String(), Type.Integer());
const KindCounts = Type.Object(Object.fromEntries(violationKinds.map((k) => [k, Type.Integer()])));
const Path = Nullable(Type.String({ description: 'Path of the record on the changegate server' }));

export const ViolationSchema = Type.Object({
  kind: Type.Enum([...violationKinds]),
  at: Time,
  origin: Nullable(Type.Enum([...changeOrigins])),
  environment: Nullable(Type.String()),
  changeRequest: Nullable(Type.String({ description: 'CR number' })),
  changeRequestTitle: Nullable(Type.String()),
  deploymentRunId: Nullable(Type.String()),
  auditEvent: Nullable(Type.Object({ seq: Type.Integer(), id: Type.String() })),
  unauthorizedChange: Nullable(Type.String({ description: 'UAC number' })),
  basis: Nullable(
    Type.Enum([...judgementBases], {
      description:
        "A deployment's violation: judged by the gate's record on the run, or by the CR's current state (a run from before gate records)",
    }),
  ),
  summary: Type.String(),
  links: Type.Object({
    changeRequest: Path,
    deploymentRun: Path,
    auditEvent: Path,
    unauthorizedChange: Path,
  }),
});

const Rate = Nullable(Type.Number({ description: '0 to 1; null when nothing concluded' }));

export const OriginSectionSchema = Type.Object({
  origin: Type.Enum([...changeOrigins]),
  volume: Type.Object({ total: Type.Integer(), byType: Counts, byEnvironment: Counts }),
  outcomes: Type.Object({
    successful: Type.Integer(),
    successfulWithIssues: Type.Integer(),
    unsuccessful: Type.Integer(),
    cancelled: Type.Integer(),
    open: Type.Integer(),
    successRate: Rate,
  }),
  deployments: Type.Object({
    total: Type.Integer(),
    successful: Type.Integer(),
    failed: Type.Integer(),
    inProgress: Type.Integer(),
    emergency: Type.Integer(),
    successRate: Rate,
  }),
  violationCounts: KindCounts,
  violations: Type.Array(ViolationSchema),
});

export const ComplianceReportSchema = Type.Object({
  since: Time,
  until: Time,
  generatedAt: Time,
  violationCounts: KindCounts,
  totalViolations: Type.Integer(),
  internal: OriginSectionSchema,
  vendor: OriginSectionSchema,
  unauthorizedChanges: Type.Array(ViolationSchema),
});

export type ComplianceReportDto = Static<typeof ComplianceReportSchema>;
