import { invalidEnum, invalidField } from './errors.js';

/**
 * The DevSecOps "evidence checks" config file, version 2 (IBM Cloud DevSecOps, "Validating evidence":
 * https://cloud.ibm.com/docs/devsecops?topic=devsecops-evidence-checks-validation, markdown source in
 * github.com/ibm-cloud-docs/devsecops, devsecops-evidence-checks.md, and its release notes of 28 Feb 2025).
 * A file written for that pipeline is accepted unchanged. What the sources establish:
 *
 * - The document is an object with `"version": "2.0"` and two lists, `pre-deployment` (gates the deployment)
 *   and `post-deployment` (evaluates the finished deployment). Version 1 files have no `version` and group
 *   by `asset_type` with an `evidences` list; they are a different shape and are refused here.
 * - Each list item names one `evidence_type_id` (IBM's own ids look like `com.ibm.unit_tests`,
 *   `com.ibm.cloud.image_signing`) and has `rules`. A rule has `asset_type` (`image`, `commit`, `generic`,
 *   `*`; the OPA page also says `repo`, the overview says artifacts), `source_environments` and
 *   `target_environments`, each a list of `{ "name": … }` objects.
 * - Levels are not booleans: `required`, `required_if_present` and `recommended` are keys of the rule whose
 *   value is a list of criteria, each `{ "name": "tool", "values": [...], "description"? }`. An empty list
 *   means the level is unused; IBM's shipped sample writes `"required": []` beside a non-empty
 *   `recommended`. `"*"` in `values` means any tool.
 * - `target_environments` is where the deployment goes: a rule applies only when deploying to one of them.
 *   `source_environments` is where the evidence was collected; the CI pipeline's name is `ci-pipeline`
 *   (older samples wrote the CI branch, `master`, instead). A name of `$source` or `$target` is replaced by
 *   the pipeline's source/target before the file is used, which makes one file fit every promotion step.
 * - required: evidence must exist and be `success`; required_if_present: fails only on `failure` (success,
 *   pending or missing pass); recommended: never blocks, but missing/pending/failure are reported.
 *
 * Readings chosen where the sources are silent (the reading a user of that pipeline would expect):
 * - Levels are per tool, so one rule may use several levels for different tools (`required` for sonarqube,
 *   `recommended` for `*`). Each (rule, level) becomes one `EvidenceRule`. The same tool at two levels of
 *   one rule is contradictory and refused; a rule with every level empty checks nothing and is refused
 *   (the docs' "recommended (default)" describes the shipped default file, not an implicit level).
 * - Several tool values in a level are alternatives: evidence from any of them counts.
 * - Only the `tool` criterion is documented; any other criterion name is refused rather than ignored,
 *   since ignoring a filter would widen the rule silently.
 * - Unknown keys elsewhere (descriptions, extra metadata) are tolerated, as the original format is.
 * - `com.ibm.` / `com.ibm.cloud.` prefixes and `-` vs `_` are ignored when matching evidence types, so the
 *   ids in IBM's files match changegate's `unit_tests`, `image_signing`, … (see `sameEvidenceType`).
 */

export const checkPhases = ['pre-deployment', 'post-deployment'] as const;
export type CheckPhase = (typeof checkPhases)[number];

export const ruleLevels = ['required', 'required_if_present', 'recommended'] as const;
export type RuleLevel = (typeof ruleLevels)[number];

/** Asset types of IBM's files and what each matches on an inventory entry (see `assetScope`). */
export const assetTypes = ['*', 'image', 'artifact', 'commit', 'repo', 'generic'] as const;
export type AssetType = (typeof assetTypes)[number];

/** Which link between evidence and an entry a rule's asset type asks for. */
export type AssetScope = 'any' | 'artifact' | 'repo' | 'run';

export const supportedVersion = '2.0';

/** One level of one rule of the file, normalised; `path` points back into the document. */
export interface EvidenceRule {
  phase: CheckPhase;
  evidenceTypeId: string;
  assetType: AssetType;
  /** As written: may contain `$source` / `$target` (see `substituteEnvironments`). */
  sourceEnvironments: string[];
  targetEnvironments: string[];
  level: RuleLevel;
  /** Tools whose evidence counts; `*` is any tool. */
  tools: string[];
  path: string;
}

export interface EvidenceChecksConfig {
  version: typeof supportedVersion;
  /** Pre-deployment rules first, then post-deployment, each in file order. */
  rules: EvidenceRule[];
  /** The document as given: attached verbatim to change requests. */
  document: unknown;
}

const placeholders = ['$source', '$target'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function nonEmptyName(field: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalidField(field, `must be ${what} (a string); got ${kind(value)}`);
  const name = value.trim();
  if (name === '') throw invalidField(field, `must not be empty; give ${what}`);
  if (/\s/.test(name)) throw invalidField(field, `'${name}' must not contain spaces`);
  return name;
}

function environments(field: string, value: unknown): string[] {
  if (value === undefined)
    throw invalidField(field, 'is missing; give a list such as [{ "name": "ci-pipeline" }]');
  if (!Array.isArray(value))
    throw invalidField(field, `must be a list of { "name": … } objects; got ${kind(value)}`);
  return value.map((item, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(item))
      throw invalidField(at, `must be an object such as { "name": "prod" }; got ${kind(item)}`);
    const name = nonEmptyName(`${at}.name`, item.name, 'an environment name');
    if (name.startsWith('$') && !(placeholders as readonly string[]).includes(name))
      throw invalidEnum(`${at}.name`, name, placeholders);
    return name;
  });
}

/** The tools one level lists; empty when the level is unused. */
function levelTools(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw invalidField(
      field,
      `must be a list of criteria such as [{ "name": "tool", "values": ["*"] }]; got ${kind(value)}`,
    );
  const tools: string[] = [];
  value.forEach((criterion, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(criterion))
      throw invalidField(
        at,
        `must be an object such as { "name": "tool", "values": ["*"] }; got ${kind(criterion)}`,
      );
    if (criterion.name !== 'tool') throw invalidEnum(`${at}.name`, criterion.name, ['tool']);
    if (criterion.description !== undefined && typeof criterion.description !== 'string')
      throw invalidField(`${at}.description`, `must be a string; got ${kind(criterion.description)}`);
    const values = criterion.values;
    if (!Array.isArray(values) || values.length === 0)
      throw invalidField(
        `${at}.values`,
        `must be a non-empty list of tool names ("*" for any tool); got ${kind(values)}`,
      );
    values.forEach((v, j) => {
      const tool = nonEmptyName(`${at}.values[${j}]`, v, 'a tool name or "*"');
      if (!tools.some((t) => t.toLowerCase() === tool.toLowerCase())) tools.push(tool);
    });
  });
  return tools;
}

function parseRule(field: string, raw: unknown, phase: CheckPhase, evidenceTypeId: string): EvidenceRule[] {
  if (!isRecord(raw))
    throw invalidField(
      field,
      `must be an object with asset_type, source_environments, target_environments and a level; got ${kind(raw)}`,
    );
  if (raw.asset_type === undefined)
    throw invalidField(`${field}.asset_type`, `is missing; use one of: ${assetTypes.join(', ')}`);
  const assetType = nonEmptyName(`${field}.asset_type`, raw.asset_type, 'an asset type');
  if (!(assetTypes as readonly string[]).includes(assetType))
    throw invalidEnum(`${field}.asset_type`, assetType, assetTypes);
  const sourceEnvironments = environments(`${field}.source_environments`, raw.source_environments);
  const targetEnvironments = environments(`${field}.target_environments`, raw.target_environments);

  // Version 1 level names inside a version 2 rule would otherwise be silently ignored.
  for (const [legacy, hint] of [
    ['optional', "use 'required_if_present', its version 2 equivalent"],
    ['ignore', 'version 2 has no ignore level; leave the tool out of the rule'],
  ] as const) {
    if (Array.isArray(raw[legacy]) && (raw[legacy] as unknown[]).length > 0)
      throw invalidField(`${field}.${legacy}`, `is a version 1 level; ${hint}`);
  }

  const seen = new Map<string, RuleLevel>();
  const rules: EvidenceRule[] = [];
  for (const level of ruleLevels) {
    const tools = levelTools(`${field}.${level}`, raw[level]);
    for (const tool of tools) {
      const other = seen.get(tool.toLowerCase());
      if (other)
        throw invalidField(
          `${field}.${level}`,
          `tool '${tool}' is already listed under '${other}'; a tool can have only one level in a rule`,
        );
      seen.set(tool.toLowerCase(), level);
    }
    if (tools.length > 0)
      rules.push({
        phase,
        evidenceTypeId,
        assetType: assetType as AssetType,
        sourceEnvironments,
        targetEnvironments,
        level,
        tools,
        path: `${field}.${level}`,
      });
  }
  if (rules.length === 0)
    throw invalidField(
      field,
      `declares no level; put a criterion such as { "name": "tool", "values": ["*"] } in one of: ${ruleLevels.join(', ')}`,
    );
  return rules;
}

function parsePhase(field: string, raw: unknown, phase: CheckPhase): EvidenceRule[] {
  if (!Array.isArray(raw))
    throw invalidField(field, `must be a list of { "evidence_type_id", "rules" } objects; got ${kind(raw)}`);
  return raw.flatMap((item, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(item))
      throw invalidField(at, `must be an object with evidence_type_id and rules; got ${kind(item)}`);
    if (item.evidences !== undefined && item.evidence_type_id === undefined)
      throw invalidField(
        at,
        'uses the version 1 layout (asset_type with evidences); version 2 lists evidence_type_id with rules',
      );
    const typeId = nonEmptyName(`${at}.evidence_type_id`, item.evidence_type_id, 'an evidence type id');
    if (!Array.isArray(item.rules))
      throw invalidField(`${at}.rules`, `must be a list of rules; got ${kind(item.rules)}`);
    return item.rules.flatMap((rule, j) => parseRule(`${at}.rules[${j}]`, rule, phase, typeId));
  });
}

/** Validates an evidence checks v2 document; every error names the JSON path of the bad field. */
export function parseEvidenceChecks(document: unknown, path = 'evidenceChecks'): EvidenceChecksConfig {
  if (!isRecord(document))
    throw invalidField(
      path,
      `must be a JSON object with "version": "2.0" and "pre-deployment"/"post-deployment" lists; got ${kind(document)}`,
    );
  const version = document.version;
  if (version !== supportedVersion) {
    const v1 = version === undefined && checkPhases.some((p) => Array.isArray(document[p]));
    throw invalidField(
      `${path}.version`,
      version === undefined
        ? `is missing; only version "2.0" is supported${v1 ? ' (this looks like a version 1 file)' : ''}`
        : `${kind(version)} is not supported; use the string "2.0"`,
    );
  }
  if (checkPhases.every((p) => document[p] === undefined)) {
    const near = Object.keys(document).find((k) => /^(pre|post)[-_ ]?deployment$/i.test(k));
    throw invalidField(
      path,
      `has neither "pre-deployment" nor "post-deployment"${near ? `; did you mean "${near.toLowerCase().startsWith('pre') ? 'pre' : 'post'}-deployment" instead of "${near}"?` : ''}`,
    );
  }
  const rules = checkPhases.flatMap((phase) =>
    document[phase] === undefined ? [] : parsePhase(`${path}.${phase}`, document[phase], phase),
  );
  return { version: supportedVersion, rules, document };
}

/** Replaces `$source` and `$target` environment names with the promotion's source and target. */
export function substituteEnvironments(names: string[], ctx: { source: string; target: string }): string[] {
  const out: string[] = [];
  for (const name of names) {
    const resolved = name === '$source' ? ctx.source : name === '$target' ? ctx.target : name;
    if (!out.includes(resolved)) out.push(resolved);
  }
  return out;
}

/** The link to an entry that evidence needs to count for a rule of this asset type. */
export function assetScope(assetType: AssetType): AssetScope {
  switch (assetType) {
    case '*':
      return 'any';
    case 'image':
    case 'artifact':
      return 'artifact';
    case 'commit':
    case 'repo':
      return 'repo';
    case 'generic':
      // IBM uses `generic` for pipeline-level evidence (run data, logs): changegate's run scope.
      return 'run';
    default: {
      const never: never = assetType;
      return never;
    }
  }
}

function evidenceTypeKey(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/^com\.ibm\.(cloud\.)?/, '')
    .replaceAll('-', '_');
}

/** Whether a rule's evidence type names this evidence's type (IBM's `com.ibm.` ids included). */
export function sameEvidenceType(ruleTypeId: string, evidenceTypeId: string): boolean {
  return evidenceTypeKey(ruleTypeId) === evidenceTypeKey(evidenceTypeId);
}

/** Whether evidence collected by `tool` counts for a rule listing `tools` (`*` is any; case ignored). */
export function toolMatches(tools: string[], tool: string): boolean {
  return tools.some((t) => t === '*' || t.toLowerCase() === tool.toLowerCase());
}
