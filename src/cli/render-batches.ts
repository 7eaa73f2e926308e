import type {
  BatchApprovalResultDto,
  BatchDetailDto,
  BatchScheduleResultDto,
  BatchSummaryDto,
} from '../api/batch-schemas.js';
import { table } from './output.js';

/** Human renderings of change batches; --json prints the API shapes themselves. */

function window(b: BatchSummaryDto): string {
  return b.plannedStart && b.plannedEnd ? `${b.plannedStart} → ${b.plannedEnd}` : 'not set';
}

/** "2 scheduled, 1 authorize": the non-zero counts only. */
function counts(byKey: Record<string, number>): string {
  const parts = Object.entries(byKey)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return parts.join(', ') || 'none';
}

export function renderBatch(b: BatchDetailDto): string[] {
  const lines = [
    `${b.number}  ${b.name}  ${b.title}`,
    `  window       ${window(b)}${b.plannedStart ? '' : ` (set it: changegate batch schedule ${b.number} --start … --end …)`}`,
    `  phase        ${b.phase}`,
    `  ready        ${b.ready ? 'yes: every member is approved and scheduled' : 'no'}`,
    ...b.blockers.map((reason) => `    - ${reason}`),
    `  states       ${counts(b.counts.byState)}`,
    `  approvals    ${counts(b.counts.byApproval)}`,
  ];
  if (b.description) lines.push(`  description  ${b.description}`);
  lines.push(`  created      ${b.createdAt} by ${b.createdBy}`);
  if (b.members.length === 0) return [...lines, '  members: none (changegate batch add BAT… CHG…)'];
  const rows = b.members.map((m) => [
    m.number,
    m.title,
    m.environment ?? '-',
    m.components.join(',') || '-',
    m.state,
    m.approval,
    m.waitsFor ?? '-',
  ]);
  const memberTable = table(
    ['NUMBER', 'TITLE', 'ENVIRONMENT', 'COMPONENTS', 'STATE', 'APPROVAL', 'WAITS FOR'],
    rows,
  );
  return [...lines, '  members:', ...memberTable.map((l) => `    ${l}`)];
}

export function renderBatchList(list: BatchSummaryDto[]): string[] {
  if (list.length === 0) return ['no batches (changegate batch create --name … --title …)'];
  return table(
    ['NUMBER', 'NAME', 'PHASE', 'READY', 'MEMBERS', 'WINDOW', 'TITLE'],
    list.map((b) => [
      b.number,
      b.name,
      b.phase,
      b.ready ? 'yes' : 'no',
      String(b.memberCount),
      window(b),
      b.title,
    ]),
  );
}

export function renderBatchSchedule(r: BatchScheduleResultDto): string[] {
  const lines = [`${r.batch.number} scheduled for ${r.window.start} → ${r.window.end}`];
  for (const m of r.members) lines.push(`  ${m.number}  ${m.outcome.replaceAll('_', ' ')}: ${m.detail}`);
  const withdrawn = r.members.filter((m) => m.outcome === 'approval_withdrawn');
  if (withdrawn.length > 0)
    lines.push(
      `approval withdrawn from ${withdrawn.map((m) => m.number).join(', ')}: an approval covers the window its approvers saw; request it again (changegate cr request-approval CHG…), then changegate batch approve ${r.batch.number}`,
    );
  lines.push(
    r.batch.ready
      ? 'ready: every member is approved and scheduled'
      : `not ready: ${r.batch.blockers.join('; ')}`,
  );
  return lines;
}

export function renderBatchApproval(r: BatchApprovalResultDto): string[] {
  const lines = [
    `${r.batch}: ${r.counted} counted, ${r.refused} refused, ${r.failed} failed, ${r.skipped} skipped`,
  ];
  for (const m of r.results) {
    const what = m.outcome === 'step_counted' ? 'step counted (more approvals needed)' : m.outcome;
    lines.push(`  ${m.number}  ${what}${m.reason ? `: ${m.reason}` : ''}`);
  }
  return lines;
}
