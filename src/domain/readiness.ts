import { ciPipelineEnvironment, type Evidence, normalizeRepoUrl } from './evidence.js';

export { normalizeRepoUrl };

import {
  type AssetScope,
  assetScope,
  type CheckPhase,
  type EvidenceChecksConfig,
  type EvidenceRule,
  type RuleLevel,
  sameEvidenceType,
  substituteEnvironments,
  toolMatches,
} from './evidence-checks.js';
import { ciInventory, entryAssets, type InventoryEntry } from './inventory.js';

/**
 * The explained readiness decision of DESIGN.md §4 (`DEPLOYMENT_READY`): for each entry and each rule that
 * applies, what the evidence says and what that means under the rule's level. Pure: the caller passes the
 * candidate evidence and the parsed checks config.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn';
export type EvidenceFindingState = 'success' | 'failure' | 'pending' | 'missing';

export interface RuleOutcome {
  phase: CheckPhase | 'default';
  /** `*` for the default (no-config) rule. */
  evidenceTypeId: string;
  /** As written in the rule, `*` for the default rule. */
  assetType: string;
  level: RuleLevel | 'default';
  /** What the evidence says. */
  state: EvidenceFindingState;
  /** What that state means under the level. */
  status: CheckStatus;
  /** The evidence that decided it. */
  evidenceIds: string[];
  /** One human sentence. */
  reason: string;
}

export interface EntryReadiness {
  name: string;
  version: string;
  ready: boolean;
  outcomes: RuleOutcome[];
}

export interface Readiness {
  ready: boolean;
  mode: 'config' | 'default';
  entries: EntryReadiness[];
  warnings: string[];
  summary: string;
}

type Link = 'artifact' | 'repo' | 'run';

/** Whether two repository URLs name the same repository (see `normalizeRepoUrl`). */
export function sameRepositoryUrl(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

/** `<repo>#<sha>` as a comparable key, or null when the asset is not a commit of a repository. */
function repoAssetKey(asset: string): string | null {
  const hash = asset.lastIndexOf('#');
  if (hash <= 0 || hash === asset.length - 1) return null;
  return `${normalizeRepoUrl(asset.slice(0, hash))}#${asset
    .slice(hash + 1)
    .trim()
    .toLowerCase()}`;
}

function linksOf(entry: InventoryEntry, evidence: Evidence): Set<Link> {
  const assets = entryAssets(entry);
  const repoKey = repoAssetKey(assets.repo);
  const links = new Set<Link>();
  for (const asset of evidence.assets) {
    if (asset.trim() === assets.artifact.trim()) links.add('artifact');
    else if (repoKey !== null && repoAssetKey(asset) === repoKey) links.add('repo');
  }
  if (evidence.pipelineRunId && evidence.pipelineRunId === entry.pipelineRunId) links.add('run');
  return links;
}

/** The evidence about an entry: on its artifact, on its commit in its repository, or from its CI run. */
export function evidenceForEntry(entry: InventoryEntry, evidence: Evidence[]): Evidence[] {
  return evidence.filter((e) => linksOf(entry, e).size > 0);
}

function newer(a: Evidence, b: Evidence): boolean {
  return a.date !== b.date ? a.date > b.date : a.id > b.id;
}

/** Per (evidence type, tool) the latest evidence by date, then id; sorted by type and tool. */
export function latestPerTypeAndTool(evidence: Evidence[]): Evidence[] {
  const latest = new Map<string, Evidence>();
  for (const e of evidence) {
    const key = JSON.stringify([e.evidenceTypeId, e.tool]);
    const current = latest.get(key);
    if (!current || newer(e, current)) latest.set(key, e);
  }
  return [...latest.values()].sort((a, b) =>
    a.evidenceTypeId !== b.evidenceTypeId
      ? a.evidenceTypeId < b.evidenceTypeId
        ? -1
        : 1
      : a.tool < b.tool
        ? -1
        : a.tool > b.tool
          ? 1
          : 0,
  );
}

function scopeAccepts(scope: AssetScope, links: Set<Link>): boolean {
  // Run-scope evidence counts for every asset type: the CI run that built the entry vouches for all of it.
  return scope === 'any' || links.has(scope) || links.has('run');
}

function collectedIn(environment: string, sources: string[]): boolean {
  // Older IBM files name the CI branch (`master`) where newer ones say `ci-pipeline`; in changegate that
  // inventory is where CI writes, so both spellings mean "collected by CI".
  return (
    sources.includes(environment) || (environment === ciPipelineEnvironment && sources.includes(ciInventory))
  );
}

function stateOf(latest: Evidence[]): EvidenceFindingState {
  if (latest.length === 0) return 'missing';
  if (latest.some((e) => e.result === 'failure')) return 'failure';
  if (latest.some((e) => e.result === 'pending')) return 'pending';
  return 'success';
}

function statusOf(level: RuleLevel, state: EvidenceFindingState): CheckStatus {
  switch (level) {
    case 'required':
      return state === 'success' ? 'pass' : 'fail';
    case 'required_if_present':
      return state === 'failure' ? 'fail' : 'pass';
    case 'recommended':
      return state === 'success' ? 'pass' : 'warn';
    default: {
      const never: never = level;
      return never;
    }
  }
}

const stateWord: Record<Exclude<EvidenceFindingState, 'success'>, string> = {
  failure: 'failed',
  pending: 'pending',
  missing: 'missing',
};

function tools(evidence: Evidence[]): string {
  return [...new Set(evidence.map((e) => e.tool))].join(', ');
}

function deciding(latest: Evidence[], state: EvidenceFindingState): Evidence[] {
  if (state === 'failure') return latest.filter((e) => e.result === 'failure');
  if (state === 'pending') return latest.filter((e) => e.result === 'pending');
  return latest;
}

function ruleReason(
  rule: EvidenceRule,
  state: EvidenceFindingState,
  decidedBy: Evidence[],
  sources: string[],
): string {
  const subject = `${rule.level} ${rule.evidenceTypeId} on ${rule.assetType === '*' ? 'any asset' : rule.assetType}`;
  const by = rule.tools.includes('*') ? '' : ` by ${rule.tools.join(' or ')}`;
  const detail =
    state === 'missing'
      ? `no evidence${by} collected in ${sources.length > 0 ? sources.join(', ') : '(no source environment)'}`
      : state === 'failure'
        ? `latest evidence (${tools(decidedBy)}) failed`
        : state === 'pending'
          ? `latest evidence (${tools(decidedBy)}) is pending`
          : `latest evidence (${tools(decidedBy)}) succeeded`;
  const consequence =
    rule.level === 'required_if_present' && (state === 'missing' || state === 'pending')
      ? ', which passes because it is required only if present'
      : rule.level === 'recommended' && state !== 'success'
        ? ', a warning because it is only recommended'
        : '';
  return `${subject}: ${detail}${consequence}`;
}

interface Evaluated {
  outcomes: RuleOutcome[];
  /** Short labels of what failed, for the summary line. */
  failures: string[];
}

function evaluateRules(
  entry: InventoryEntry,
  evidence: Evidence[],
  rules: EvidenceRule[],
  ctx: { source: string; target: string },
): Evaluated {
  const linked = evidence.map((e) => ({ e, links: linksOf(entry, e) })).filter((x) => x.links.size > 0);
  const outcomes: RuleOutcome[] = [];
  const failures: string[] = [];
  for (const rule of rules) {
    if (!substituteEnvironments(rule.targetEnvironments, ctx).includes(ctx.target)) continue;
    const sources = substituteEnvironments(rule.sourceEnvironments, ctx);
    const scope = assetScope(rule.assetType);
    const candidates = linked
      .filter(
        ({ e, links }) =>
          sameEvidenceType(rule.evidenceTypeId, e.evidenceTypeId) &&
          scopeAccepts(scope, links) &&
          collectedIn(e.environment, sources) &&
          toolMatches(rule.tools, e.tool),
      )
      .map(({ e }) => e);
    const latest = latestPerTypeAndTool(candidates);
    const state = stateOf(latest);
    const status = statusOf(rule.level, state);
    const decidedBy = deciding(latest, state);
    outcomes.push({
      phase: rule.phase,
      evidenceTypeId: rule.evidenceTypeId,
      assetType: rule.assetType,
      level: rule.level,
      state,
      status,
      evidenceIds: decidedBy.map((e) => e.id),
      reason: ruleReason(rule, state, decidedBy, sources),
    });
    if (status === 'fail' && state !== 'success') failures.push(`${rule.evidenceTypeId} ${stateWord[state]}`);
  }
  return { outcomes, failures };
}

/**
 * The default gate (no checks config). "Has evidence" must come from CI: evidence a deployment records
 * about itself (acceptance tests in an environment) cannot make an entry ready, but a failing or pending
 * latest evidence from anywhere (a failed acceptance in this environment included) keeps it not ready.
 */
function evaluateDefault(entry: InventoryEntry, evidence: Evidence[]): Evaluated {
  const own = evidenceForEntry(entry, evidence);
  const fromCi = own.filter((e) => e.environment === ciPipelineEnvironment);
  const latest = latestPerTypeAndTool(own);
  const failing = latest.filter((e) => e.result === 'failure');
  const pending = latest.filter((e) => e.result === 'pending');
  const state = fromCi.length === 0 ? 'missing' : stateOf(latest);
  const list = (es: Evidence[]) => es.map((e) => `${e.evidenceTypeId} (${e.tool})`).join(', ');
  const parts = [
    failing.length > 0 ? `failed: ${list(failing)}` : '',
    pending.length > 0 ? `pending: ${list(pending)}` : '',
  ].filter((p) => p !== '');
  const reason =
    state === 'missing'
      ? "default gate: no CI evidence (collected in 'ci-pipeline') on the entry's artifact, commit or CI run"
      : state === 'success'
        ? `default gate: all ${latest.length} latest evidence succeeded`
        : `default gate: latest evidence ${parts.join('; ')}`;
  const decidedBy = state === 'success' ? latest : [...failing, ...pending];
  return {
    outcomes: [
      {
        phase: 'default',
        evidenceTypeId: '*',
        assetType: '*',
        level: 'default',
        state,
        status: state === 'success' ? 'pass' : 'fail',
        evidenceIds: decidedBy.map((e) => e.id),
        reason,
      },
    ],
    failures:
      state === 'missing'
        ? ['no evidence']
        : [
            ...new Set([
              ...failing.map((e) => `${e.evidenceTypeId} failed`),
              ...pending.map((e) => `${e.evidenceTypeId} pending`),
            ]),
          ],
  };
}

const summaryEntries = 3;

function summarize(entries: EntryReadiness[], failures: string[][], warnings: number): string {
  if (entries.length === 0) return 'nothing to check: no entries';
  const ready = entries.filter((e) => e.ready).length;
  const failing = entries
    .map((e, i) => ({ e, what: [...new Set(failures[i] ?? [])] }))
    .filter(({ e }) => !e.ready);
  let line = `${ready} of ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} ready`;
  if (failing.length > 0) {
    const shown = failing
      .slice(0, summaryEntries)
      .map(({ e, what }) => `${e.name} (${what.join(', ')})`)
      .join(', ');
    const more = failing.length > summaryEntries ? ` and ${failing.length - summaryEntries} more` : '';
    line += `; ${failing.length} failing: ${shown}${more}`;
  }
  if (warnings > 0) line += `; ${warnings} warning${warnings === 1 ? '' : 's'}`;
  return line;
}

/** Decides DEPLOYMENT_READY for the entries and explains it per entry and rule (DESIGN.md §4). */
export function evaluateReadiness(input: {
  entries: InventoryEntry[];
  evidence: Evidence[];
  checks: EvidenceChecksConfig | null;
  phases: CheckPhase[];
  source: string;
  target: string;
}): Readiness {
  const { checks, source, target } = input;
  const mode = checks ? 'config' : 'default';
  const rules = checks ? checks.rules.filter((r) => input.phases.includes(r.phase)) : [];
  const warnings: string[] = [];
  const failures: string[][] = [];
  // A config whose rules never name this target checks nothing here: say so rather than pass silently.
  if (
    checks &&
    input.entries.length > 0 &&
    !rules.some((r) => substituteEnvironments(r.targetEnvironments, { source, target }).includes(target))
  ) {
    warnings.push(
      `no evidence rule targets '${target}' (${input.phases.join(', ')}): nothing is checked for it; add '${target}' or '$target' to target_environments`,
    );
  }
  const entries = input.entries.map((entry): EntryReadiness => {
    const evaluated = checks
      ? evaluateRules(entry, input.evidence, rules, { source, target })
      : evaluateDefault(entry, input.evidence);
    failures.push(evaluated.failures);
    for (const o of evaluated.outcomes)
      if (o.status === 'warn') warnings.push(`${entry.name} ${entry.version}: ${o.reason}`);
    return {
      name: entry.name,
      version: entry.version,
      ready: evaluated.outcomes.every((o) => o.status !== 'fail'),
      outcomes: evaluated.outcomes,
    };
  });
  return {
    ready: entries.every((e) => e.ready),
    mode,
    entries,
    warnings,
    summary: summarize(entries, failures, warnings.length),
  };
}
