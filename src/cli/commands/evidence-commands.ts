import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { EvidenceDto, EvidenceSummaryDto } from '../../api/pipeline-schemas.js';
import { AppError } from '../../domain/errors.js';
import { collect, integerOption, readUserFile, run } from '../command-kit.js';
import { table } from '../output.js';

function renderEvidence(list: EvidenceDto[]): string[] {
  if (list.length === 0) return ['no evidence'];
  return table(
    ['DATE', 'TYPE', 'RESULT', 'TOOL', 'ENV', 'ASSETS'],
    list.map((e) => [
      e.date,
      e.evidenceTypeId,
      e.result,
      e.tool,
      e.environment,
      e.assets.join(' ') || `run ${e.pipelineRunId}`,
    ]),
  );
}

export function renderReadiness(r: EvidenceSummaryDto['readiness']): string[] {
  const lines = [
    `DEPLOYMENT_READY=${r.ready}  (${r.mode === 'config' ? 'evidence checks config' : 'default gating'}) ${r.summary}`,
  ];
  for (const e of r.entries) {
    lines.push(`  ${e.ready ? '✓' : '✗'} ${e.name} ${e.version}`);
    for (const o of e.outcomes) lines.push(`      ${o.status.padEnd(4)} ${o.reason}`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

function renderSummary(s: EvidenceSummaryDto): string[] {
  const delta = s.delta.map(
    (d) => `  ${d.change.padEnd(7)} ${d.name} ${d.fromVersion ?? '-'} → ${d.toVersion ?? '-'}`,
  );
  return [
    `${s.environment}: revision ${s.targetRevision.seq} (promoted from ${s.source}) against ${s.baseRevision ? `deployed revision ${s.baseRevision.seq}` : 'nothing deployed yet'}`,
    delta.length ? 'delta:' : 'delta: none (same as what is deployed)',
    ...delta,
    ...renderReadiness(s.readiness),
  ];
}

export function evidenceCommands(program: Command): void {
  const evidence = program
    .command('evidence')
    .description('evidence of tests, scans and reviews, and the readiness it gives');

  evidence
    .command('add')
    .description('record evidence (DevSecOps evidence v2 fields)')
    .requiredOption('--type <id>', 'evidence type, e.g. unit_tests, code_vulnerability_scan, peer_review')
    .requiredOption('--result <result>', 'success|failure|pending')
    .requiredOption('--tool <name>', 'the tool that produced it')
    .option('--asset <uri>', 'asset it covers (repeatable): docker://…@sha256:…, https://repo#<sha>', collect)
    .option('--pipeline-run-id <id>', 'the pipeline run it belongs to (its scope)')
    .option('--env <name>', "where it was collected: 'ci-pipeline' (default) or an environment")
    .option(
      '--attachment <file>',
      'a result file; its name, size and sha256 are recorded (repeatable)',
      collect,
    )
    .option('--issue <url>', 'issue opened for it (repeatable)', collect)
    .option(
      '--finding <json>',
      'a finding as JSON, e.g. {"id":"CVE-2026-1","severity":"high"} (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(
      run(
        async ({ api, options }) => {
          const findings = ((options.finding as string[] | undefined) ?? []).map((text, i) => {
            try {
              return JSON.parse(text) as unknown;
            } catch {
              throw new AppError(
                'invalid_input',
                `--finding: '${text}' is not JSON; give e.g. {"id":"CVE-2026-1","severity":"high"}`,
                { field: `findings[${i}]` },
              );
            }
          });
          const attachments = ((options.attachment as string[] | undefined) ?? []).map((file) => {
            const content = readUserFile('--attachment', file);
            return {
              name: basename(file),
              sha256: createHash('sha256').update(content).digest('hex'),
              size: content.length,
            };
          });
          return (await api()).addEvidence({
            evidenceTypeId: options.type,
            result: options.result,
            tool: options.tool,
            assets: options.asset ?? [],
            ...(options.pipelineRunId ? { pipelineRunId: options.pipelineRunId } : {}),
            ...(options.env ? { environment: options.env } : {}),
            findings,
            issues: options.issue ?? [],
            attachments,
          });
        },
        (e) => [`recorded ${e.evidenceTypeId} ${e.result} (${e.tool}) ${e.id}`],
      ),
    );

  evidence
    .command('list')
    .description('evidence, newest first')
    .option('--type <id>', 'evidence type')
    .option('--asset <uri>', 'evidence on this asset')
    .option('--pipeline-run-id <id>', 'evidence of this run')
    .option('--env <name>', "where collected ('ci-pipeline' or an environment)")
    .option('--result <result>', 'success|failure|pending')
    .option('--limit <n>', 'at most this many (default 100)', integerOption('limit'))
    .action(
      run(
        async ({ api, options }) =>
          (await api()).listEvidence({
            ...(options.type ? { type: options.type as string } : {}),
            ...(options.asset ? { asset: options.asset as string } : {}),
            ...(options.pipelineRunId ? { pipelineRunId: options.pipelineRunId as string } : {}),
            ...(options.env ? { environment: options.env as string } : {}),
            ...(options.result ? { result: options.result as string } : {}),
            ...(options.limit !== undefined ? { limit: options.limit as number } : {}),
          }),
        renderEvidence,
      ),
    );

  evidence
    .command('summary')
    .description('readiness preview of what `deploy --env` would deploy now, rule by rule')
    .requiredOption('--env <name>', 'target environment')
    .option('--region <name>', 'region of the environment (compares with what was deployed to that region)')
    .action(
      run(
        async ({ api, options }) =>
          (await api()).evidenceSummary(options.env as string, options.region as string | undefined),
        renderSummary,
      ),
    );
}
