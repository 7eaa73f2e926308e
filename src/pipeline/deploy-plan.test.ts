import { describe, expect, it } from 'vitest';
import { pipelineStatuses, runPhases } from '../domain/deployment.js';
import { exitCodeFor, outcomeOf, rerunCommand } from './deploy-plan.js';

describe('outcomeOf', () => {
  it.each([
    ['implementing', 'deploy'],
    ['awaiting_approval', 'awaiting_approval'],
    ['abandoned', 'rejected'],
    ['finished', 'finished'],
    ['cleared', 'finished'],
  ] as const)('a run %s means %s', (phase, outcome) => {
    expect(outcomeOf({ phase })).toBe(outcome);
  });

  it('covers every phase', () => {
    expect(runPhases.map((phase) => outcomeOf({ phase }))).toHaveLength(runPhases.length);
  });
});

describe('exitCodeFor', () => {
  it('exits 3 while awaiting approval and 2 when rejected, whatever the status', () => {
    expect(exitCodeFor({ phase: 'awaiting_approval', status: null })).toBe(3);
    expect(exitCodeFor({ phase: 'awaiting_approval', status: 'awaiting_approval' })).toBe(3);
    expect(exitCodeFor({ phase: 'abandoned', status: null })).toBe(2);
  });

  it('exits 0 for a successful deployment (or one still in progress) and 4 for every failure', () => {
    expect(exitCodeFor({ phase: 'finished', status: 'successful_deployment' })).toBe(0);
    expect(exitCodeFor({ phase: 'implementing', status: null })).toBe(0);
    for (const status of pipelineStatuses.filter((s) => s.startsWith('failed_')))
      expect(exitCodeFor({ phase: 'finished', status }), status).toBe(4);
  });
});

describe('rerunCommand', () => {
  it('repeats the command with the CR supplied and without --json', () => {
    expect(rerunCommand(['deploy', '--env', 'prod', '--json'], 'CHG0000042')).toBe(
      'changegate deploy --env prod --change-request-id CHG0000042',
    );
  });

  it('replaces a --change-request-id given as two arguments', () => {
    expect(rerunCommand(['deploy', '--change-request-id', 'CHG0000001', '--env', 'prod'], 'CHG0000002')).toBe(
      'changegate deploy --env prod --change-request-id CHG0000002',
    );
  });

  it('replaces a --change-request-id=X argument', () => {
    expect(rerunCommand(['deploy', '--env', 'prod', '--change-request-id=notAvailable'], 'CHG0000003')).toBe(
      'changegate deploy --env prod --change-request-id CHG0000003',
    );
  });

  it('quotes arguments the shell would split or expand, single quotes included', () => {
    expect(
      rerunCommand(
        ['deploy', '--env', 'prod', '--deploy-cmd', "helm upgrade api --set x='1 2' && echo $HOME"],
        'CHG0000004',
      ),
    ).toBe(
      `changegate deploy --env prod --deploy-cmd 'helm upgrade api --set x='\\''1 2'\\'' && echo $HOME' --change-request-id CHG0000004`,
    );
    expect(rerunCommand(['deploy', '--acceptance-cmd', ''], 'CHG0000005')).toBe(
      "changegate deploy --acceptance-cmd '' --change-request-id CHG0000005",
    );
  });

  it('leaves safe arguments bare: paths, key=value, emails, percent, plus, colon, @', () => {
    const safe = ['./deploy.sh', 'a=b', 'dev@example.com', '50%', 'c++', 'docker://r/a:1', '--region=eu-de'];
    expect(rerunCommand(safe, 'CHG1')).toBe(`changegate ${safe.join(' ')} --change-request-id CHG1`);
  });

  it('quotes a CR reference that needs it', () => {
    expect(rerunCommand(['deploy'], "it's")).toBe(`changegate deploy --change-request-id 'it'\\''s'`);
  });
});
