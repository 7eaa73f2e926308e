import { AppError, invalidField } from '../../domain/errors.js';
import {
  ciPipelineEnvironment,
  type Evidence,
  type EvidenceFinding,
  evidenceResults,
} from '../../domain/evidence.js';
import { entryAssets, type InventoryEntry } from '../../domain/inventory.js';
import { instant, nonNegativeInt, oneOf, rejectUnknown, requireFields, text } from '../../domain/validate.js';
import type { DbOrTx } from '../../store/database.js';
import { inTransaction } from '../../store/database.js';
import { findEvidenceFor, insertEvidence, listEvidence } from '../../store/evidence.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor, ServiceDeps } from '../context.js';

const evidenceFields = [
  'evidenceTypeId',
  'result',
  'tool',
  'assets',
  'pipelineRunId',
  'environment',
  'findings',
  'issues',
  'attachments',
  'date',
] as const;

function list(field: string, value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField(field, 'must be a list');
  return value;
}

function finding(field: string, value: unknown): EvidenceFinding {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidField(field, 'must be a JSON object such as {"id":"CVE-2026-1234","severity":"high"}');
  const f = value as Record<string, unknown>;
  rejectUnknown(f, ['id', 'severity', 'dueDate', 'exempt']);
  if (typeof f.id !== 'string' || f.id.trim() === '') throw invalidField(`${field}.id`, 'is required');
  if (f.exempt !== undefined && typeof f.exempt !== 'boolean')
    throw invalidField(`${field}.exempt`, 'must be true or false');
  return {
    id: text(`${field}.id`, f.id, { min: 1, max: 200 }),
    severity:
      f.severity === undefined || f.severity === null
        ? null
        : text(`${field}.severity`, f.severity, { max: 50 }),
    dueDate: f.dueDate === undefined || f.dueDate === null ? null : instant(`${field}.dueDate`, f.dueDate),
    exempt: f.exempt === true,
  };
}

/** Validates one evidence record (the DevSecOps evidence v2 fields changegate keeps). */
export function validateEvidence(
  input: Record<string, unknown>,
  now: number,
): Omit<Evidence, 'id' | 'createdBy'> {
  rejectUnknown(input, evidenceFields);
  requireFields(input, ['evidenceTypeId', 'result', 'tool']);
  const assets = list('assets', input.assets).map((a, i) => text(`assets[${i}]`, a, { min: 1, max: 2_000 }));
  const pipelineRunId =
    input.pipelineRunId === undefined || input.pipelineRunId === null || input.pipelineRunId === ''
      ? null
      : text('pipelineRunId', input.pipelineRunId, { min: 1, max: 200 });
  if (assets.length === 0 && pipelineRunId === null) {
    throw new AppError(
      'invalid_input',
      'assets: evidence must name at least one asset (--asset docker://…@sha256:… or https://repo#<sha>) or the pipeline run it covers (--pipeline-run-id)',
      { field: 'assets' },
    );
  }
  return {
    evidenceTypeId: text('evidenceTypeId', input.evidenceTypeId, { min: 1, max: 200 }),
    result: oneOf('result', input.result, evidenceResults),
    tool: text('tool', input.tool, { min: 1, max: 200 }),
    assets,
    pipelineRunId,
    environment:
      input.environment === undefined
        ? ciPipelineEnvironment
        : text('environment', input.environment, { min: 1, max: 63 }),
    findings: list('findings', input.findings).map((f, i) => finding(`findings[${i}]`, f)),
    issues: list('issues', input.issues).map((u, i) => {
      const url = text(`issues[${i}]`, u, { min: 1, max: 2_000 });
      if (!URL.canParse(url)) throw invalidField(`issues[${i}]`, `'${url}' is not a URL`);
      return url;
    }),
    attachments: list('attachments', input.attachments).map((a, i) => {
      const r = (a ?? {}) as Record<string, unknown>;
      const sha256 = text(`attachments[${i}].sha256`, r.sha256, { min: 64, max: 64 });
      if (!/^[0-9a-f]{64}$/.test(sha256))
        throw invalidField(`attachments[${i}].sha256`, 'must be 64 hexadecimal characters');
      return {
        name: text(`attachments[${i}].name`, r.name, { min: 1, max: 255 }),
        sha256,
        size: nonNegativeInt(`attachments[${i}].size`, r.size, Number.MAX_SAFE_INTEGER),
      };
    }),
    date: input.date === undefined ? now : instant('date', input.date),
  };
}

export async function addEvidence(
  deps: ServiceDeps,
  actor: Actor,
  input: Record<string, unknown>,
): Promise<Evidence> {
  const evidence: Evidence = {
    id: deps.newId(),
    ...validateEvidence(input, deps.now()),
    createdBy: actor.name,
  };
  return inTransaction(deps.db, (tx) => storeEvidence(tx, deps, actor, evidence));
}

/** Stores validated evidence with its audit event, in the caller's transaction. */
export async function storeEvidence(
  tx: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  evidence: Evidence,
): Promise<Evidence> {
  await insertEvidence(tx, actor.tenantId, evidence);
  await recordAudit(tx, deps, actor, {
    action: 'evidence.added',
    entityType: 'evidence',
    entityId: evidence.id,
    after: { ...evidence },
  });
  return evidence;
}

export function findEvidence(
  deps: ServiceDeps,
  actor: Actor,
  query: {
    type?: string;
    asset?: string;
    pipelineRunId?: string;
    environment?: string;
    result?: string;
    limit?: number;
  },
): Promise<Evidence[]> {
  if (query.result !== undefined) oneOf('result', query.result, evidenceResults);
  const limit = query.limit === undefined ? 100 : nonNegativeInt('limit', query.limit, 1000);
  return listEvidence(deps.db, actor.tenantId, { ...query, limit: Math.max(limit, 1) });
}

/** Every stored evidence that may belong to these entries (their artifacts, commits or CI runs). */
export function candidateEvidence(
  db: DbOrTx,
  tenantId: string,
  entries: InventoryEntry[],
): Promise<Evidence[]> {
  const assets = entries.flatMap((e) => {
    const a = entryAssets(e);
    return [a.artifact, a.repo];
  });
  return findEvidenceFor(db, tenantId, { assets, pipelineRunIds: entries.map((e) => e.pipelineRunId) });
}
