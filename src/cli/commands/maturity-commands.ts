import type { Command } from 'commander';
import type { MaturityAssessmentDto } from '../../api/maturity-schemas.js';
import { run } from '../command-kit.js';
import { table } from '../output.js';

/** `changegate maturity` (docs/maturity.md). */
export function maturityCommands(program: Command): void {
  program
    .command('maturity')
    .description(
      'the CMMI maturity level (1–5) of change management per dimension, the facts behind it and the next steps',
    )
    .action(run(async ({ api }) => (await api()).assessMaturity(), renderMaturity));
}

/** Per dimension: the criteria met (with their facts), then the unmet ones of the next level with what to do. */
export function renderMaturity(m: MaturityAssessmentDto): string[] {
  const lines = [
    `Overall maturity: level ${m.overall} (${m.overallName}), set by the weakest dimension`,
    '',
    ...table(
      ['DIMENSION', 'LEVEL', 'NEXT LEVEL NEEDS'],
      m.dimensions.map((d) => [
        d.title,
        `${d.level} ${d.levelName}`,
        d.next ? `${d.next.unmet.length} unmet criteria for level ${d.next.level}` : 'top level reached',
      ]),
    ),
  ];
  for (const d of m.dimensions) {
    lines.push('', `${d.title}: level ${d.level} (${d.levelName})`);
    for (const c of d.criteria.filter((c) => c.met)) {
      lines.push(`  ${c.met ? '✓' : '✗'} L${c.level} ${c.requirement}: ${c.fact}`);
    }
    for (const u of d.next?.unmet ?? []) {
      lines.push(`  ✗ L${u.level} ${u.requirement}: ${u.fact}`, `      → ${u.nextStep}`);
    }
  }
  if (m.nextSteps.length > 0) {
    lines.push('', `First steps (to reach level ${m.overall + 1} overall):`);
    for (const s of m.nextSteps) lines.push(`  - [${s.dimension}] ${s.step}`);
  }
  return lines;
}
