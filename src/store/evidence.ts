import { assetKey, type Evidence, type EvidenceResult } from '../domain/evidence.js';
import type { DbOrTx } from './database.js';
import type { EvidenceTable } from './schema.js';

function toEvidence(row: EvidenceTable): Evidence {
  return {
    id: row.id,
    evidenceTypeId: row.evidence_type_id,
    result: row.result as EvidenceResult,
    tool: row.tool,
    assets: JSON.parse(row.assets_json) as string[],
    pipelineRunId: row.pipeline_run_id,
    environment: row.environment,
    findings: JSON.parse(row.findings_json) as Evidence['findings'],
    issues: JSON.parse(row.issues_json) as string[],
    attachments: JSON.parse(row.attachments_json) as Evidence['attachments'],
    date: row.date,
    createdBy: row.created_by,
  };
}

export async function insertEvidence(db: DbOrTx, tenantId: string, e: Evidence): Promise<void> {
  await db
    .insertInto('evidence')
    .values({
      id: e.id,
      tenant_id: tenantId,
      evidence_type_id: e.evidenceTypeId,
      result: e.result,
      tool: e.tool,
      assets_json: JSON.stringify(e.assets),
      pipeline_run_id: e.pipelineRunId,
      environment: e.environment,
      findings_json: JSON.stringify(e.findings),
      issues_json: JSON.stringify(e.issues),
      attachments_json: JSON.stringify(e.attachments),
      date: e.date,
      created_by: e.createdBy,
    })
    .execute();
  const assets = [...new Set(e.assets.map(assetKey))];
  if (assets.length > 0) {
    await db
      .insertInto('evidence_assets')
      .values(assets.map((asset) => ({ tenant_id: tenantId, asset, evidence_id: e.id })))
      .execute();
  }
}

/** Evidence naming any of the assets or belonging to any of the pipeline runs (an entry's evidence candidates). */
export async function findEvidenceFor(
  db: DbOrTx,
  tenantId: string,
  scope: { assets: string[]; pipelineRunIds: string[] },
): Promise<Evidence[]> {
  const assets = [...new Set(scope.assets.map(assetKey))];
  const runs = [...new Set(scope.pipelineRunIds)];
  if (assets.length === 0 && runs.length === 0) return [];
  const rows = await db
    .selectFrom('evidence')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        ...(assets.length
          ? [
              eb(
                'id',
                'in',
                eb
                  .selectFrom('evidence_assets')
                  .select('evidence_id')
                  .where('tenant_id', '=', tenantId)
                  .where('asset', 'in', assets),
              ),
            ]
          : []),
        ...(runs.length ? [eb('pipeline_run_id', 'in', runs)] : []),
      ]),
    )
    .orderBy('date')
    .orderBy('id')
    .execute();
  return rows.map(toEvidence);
}

export interface EvidenceQuery {
  type?: string;
  asset?: string;
  pipelineRunId?: string;
  environment?: string;
  result?: string;
  limit: number;
}

export async function listEvidence(db: DbOrTx, tenantId: string, query: EvidenceQuery): Promise<Evidence[]> {
  let q = db.selectFrom('evidence').selectAll().where('tenant_id', '=', tenantId);
  if (query.type) q = q.where('evidence_type_id', '=', query.type);
  if (query.pipelineRunId) q = q.where('pipeline_run_id', '=', query.pipelineRunId);
  if (query.environment) q = q.where('environment', '=', query.environment);
  if (query.result) q = q.where('result', '=', query.result);
  if (query.asset) {
    const asset = assetKey(query.asset);
    q = q.where('id', 'in', (eb) =>
      eb
        .selectFrom('evidence_assets')
        .select('evidence_id')
        .where('tenant_id', '=', tenantId)
        .where('asset', '=', asset),
    );
  }
  const rows = await q.orderBy('date', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(toEvidence);
}
