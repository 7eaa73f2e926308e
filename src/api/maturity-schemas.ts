import { type Static, Type } from 'typebox';
import { maturityDimensions } from '../domain/maturity/maturity-questions.js';

/** JSON shapes of the maturity assessment (docs/maturity.md). */

const Level = Type.Integer({ minimum: 1, maximum: 5 });
const Dimension = Type.Enum([...maturityDimensions]);

const CriterionSchema = Type.Object({
  id: Type.String({ description: 'Stable id, e.g. risk.formal-assessment or answer.cabMeetsRegularly' }),
  level: Level,
  requirement: Type.String({ description: 'What the level asks (seed 002)' }),
  met: Type.Boolean(),
  fact: Type.String({ description: 'The measured fact with its numbers' }),
});

const UnmetSchema = Type.Intersect([CriterionSchema, Type.Object({ nextStep: Type.String() })]);

const count = Type.Integer({ minimum: 0 });
const counts = (keys: string[]) => Type.Object(Object.fromEntries(keys.map((k) => [k, count])));
const NullableNumber = Type.Union([Type.Null(), Type.Number()]);

export const MaturityFactsSchema = Type.Object(
  {
    changes: counts([
      'total',
      'production',
      'implemented',
      'implementedApproved',
      'withRisk',
      'productionWithRisk',
      'withRiskAssessment',
      'withPolicyDecision',
      'withApprovalChain',
      'autoApproved',
      'fromTemplate',
      'productionWithBackoutPlan',
      'pipelineCreated',
      'productionPipelineCreated',
      'emergency',
      'closed',
      'closedSuccessful',
    ]),
    deployments: counts(['finished', 'failed', 'failedWithRollback', 'activePeriods']),
    approvals: Type.Object({
      stepsDecided: count,
      stepsWithSla: count,
      recentMeanMs: NullableNumber,
      previousMeanMs: NullableNumber,
    }),
    retrospective: counts(['total', 'completedOnTime', 'late']),
    incidents: counts([
      'total',
      'resolved',
      'withConfirmedCause',
      'withCauseReviewed',
      'problemsWithRootCause',
    ]),
    environments: counts(['total', 'production', 'productionRollbackEnabled']),
    catalog: counts(['components', 'groups', 'templates', 'freezeWindows']),
    config: Type.Object({
      versions: count,
      revisionPeriods: count,
      approvalPolicy: Type.Boolean(),
      riskModel: Type.Boolean(),
      riskHistory: Type.Boolean(),
      evidenceChecks: Type.Boolean(),
      complianceProfile: Type.Boolean(),
    }),
    audit: counts(['events', 'changeCreatedEvents']),
    answers: Type.Record(Type.String(), Type.Boolean(), {
      description: 'The questionnaire answers given (maturity.answers in changegate.yaml)',
    }),
  },
  { description: 'Everything measured; docs/maturity.md defines each fact' },
);

export const MaturityAssessmentSchema = Type.Object({
  overall: Type.Integer({
    minimum: 1,
    maximum: 5,
    description: 'The level every dimension reaches: the weakest dimension sets it',
  }),
  overallName: Type.String({ description: 'Initial, Managed, Defined, Quantitatively managed, Optimizing' }),
  assessedAt: Type.String({ format: 'date-time' }),
  configVersion: Type.Integer({ minimum: 0 }),
  dimensions: Type.Array(
    Type.Object({
      dimension: Dimension,
      title: Type.String(),
      level: Level,
      levelName: Type.String(),
      criteria: Type.Array(CriterionSchema, {
        description: 'Every criterion up to the next level, met or not',
      }),
      next: Type.Union([Type.Null(), Type.Object({ level: Level, unmet: Type.Array(UnmetSchema) })]),
    }),
  ),
  nextSteps: Type.Array(Type.Object({ dimension: Dimension, step: Type.String() }), {
    description: 'What to do first: the unmet criteria of the dimensions that hold the overall level back',
  }),
  facts: MaturityFactsSchema,
});

export type MaturityAssessmentDto = Static<typeof MaturityAssessmentSchema>;
