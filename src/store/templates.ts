import type { RiskLevel } from '../domain/change-request.js';
import type { ChangeTemplate, TemplatePresets } from '../domain/change-template.js';
import { byCodePoint } from './components.js';
import type { DbOrTx } from './database.js';
import type { ChangeTemplatesTable } from './schema.js';

function toTemplate(row: ChangeTemplatesTable): ChangeTemplate {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    title: row.title,
    presets: JSON.parse(row.presets_json) as TemplatePresets,
    components: JSON.parse(row.components_json) as string[],
    environments: JSON.parse(row.environments_json) as string[],
    maxRisk: row.max_risk as RiskLevel,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertTemplate(db: DbOrTx, t: ChangeTemplate): Promise<void> {
  await db
    .insertInto('change_templates')
    .values({
      id: t.id,
      tenant_id: t.tenantId,
      name: t.name,
      title: t.title,
      presets_json: JSON.stringify(t.presets),
      components_json: JSON.stringify(t.components),
      environments_json: JSON.stringify(t.environments),
      max_risk: t.maxRisk,
      created_by: t.createdBy,
      created_at: t.createdAt,
      updated_at: t.updatedAt,
    })
    .execute();
}

export async function findTemplate(
  db: DbOrTx,
  tenantId: string,
  name: string,
): Promise<ChangeTemplate | undefined> {
  const row = await db
    .selectFrom('change_templates')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toTemplate(row);
}

export async function listTemplates(db: DbOrTx, tenantId: string): Promise<ChangeTemplate[]> {
  const rows = await db
    .selectFrom('change_templates')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .execute();
  return rows.map(toTemplate).sort((a, b) => byCodePoint(a.name, b.name));
}

export async function deleteTemplate(db: DbOrTx, t: Pick<ChangeTemplate, 'tenantId' | 'id'>): Promise<void> {
  await db
    .deleteFrom('change_templates')
    .where('tenant_id', '=', t.tenantId)
    .where('id', '=', t.id)
    .execute();
}

export async function updateTemplate(
  db: DbOrTx,
  t: Pick<ChangeTemplate, 'tenantId' | 'id'>,
  fields: Pick<ChangeTemplate, 'title' | 'presets' | 'components' | 'environments' | 'maxRisk' | 'updatedAt'>,
): Promise<void> {
  await db
    .updateTable('change_templates')
    .set({
      title: fields.title,
      presets_json: JSON.stringify(fields.presets),
      components_json: JSON.stringify(fields.components),
      environments_json: JSON.stringify(fields.environments),
      max_risk: fields.maxRisk,
      updated_at: fields.updatedAt,
    })
    .where('tenant_id', '=', t.tenantId)
    .where('id', '=', t.id)
    .execute();
}
