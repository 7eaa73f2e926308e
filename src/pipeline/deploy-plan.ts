import type { DeploymentDto } from '../api/pipeline-schemas.js';

/** Pure decisions of the CD executor: what a run's state means for the caller and how to continue it. */

export type Outcome = 'deploy' | 'awaiting_approval' | 'rejected' | 'finished';

export function outcomeOf(d: Pick<DeploymentDto, 'phase'>): Outcome {
  switch (d.phase) {
    case 'implementing':
      return 'deploy';
    case 'awaiting_approval':
      return 'awaiting_approval';
    case 'abandoned':
      return 'rejected';
    default:
      return 'finished';
  }
}

/** Exit codes of DESIGN.md §6: 0 deployed, 2 rejected, 3 awaiting approval, 4 deployment failed. */
export function exitCodeFor(d: Pick<DeploymentDto, 'phase' | 'status'>): number {
  if (d.phase === 'awaiting_approval') return 3;
  if (d.phase === 'abandoned') return 2;
  if (d.status === 'successful_deployment' || d.status === null) return 0;
  return 4;
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line that continues a run stopped at the gate: the same one, with the CR supplied. */
export function rerunCommand(argv: string[], changeRequest: string): string {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--change-request-id') {
      i++;
      continue;
    }
    if (a.startsWith('--change-request-id=') || a === '--json') continue;
    args.push(a);
  }
  return ['changegate', ...args, '--change-request-id', changeRequest].map(quote).join(' ');
}
