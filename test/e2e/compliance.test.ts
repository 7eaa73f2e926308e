import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ComplianceReportDto } from '../../src/api/compliance-schemas.js';
import type { ObservationResultDto, UnauthorizedChangeDto } from '../../src/api/observation-schemas.js';
import type { ChangeRequestDto } from '../../src/api/schemas.js';
import { assertBuilt } from '../support/cli-process.js';
import {
  build,
  createWorld,
  deploy,
  type PipelineWorld,
  people,
  scratchFile,
  ship,
} from '../support/pipeline-fixture.js';

/** Drift monitors, unauthorized changes and the compliance report in three formats, through the built CLI. */

beforeAll(() => assertBuilt());
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const environments = `
environments:
  - name: prod
    purpose: production
`;

describe.each(['sqlite', 'remote'] as const)('compliance through the CLI (%s)', (mode) => {
  let w: PipelineWorld;
  beforeAll(async () => {
    w = await createWorld(mode, 'compliance', environments);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('observes drift, tracks the unauthorized change and reports it as JSON, CSV and HTML', async () => {
    const api = build('api', '1.0.0');
    await ship(w, 'prod', [api]);
    const run = await deploy(w, 'prod');
    expect(run.code, run.stderr).toBe(0);
    // The gate's record, which the report judges the deployment by, is part of the run's document.
    expect(run.doc.gate).toMatchObject({
      approval: 'approved',
      emergency: false,
      ready: true,
      notReady: [],
      freezeOverridden: false,
    });

    const ok = await w.json<ObservationResultDto>([
      'observe',
      '--env',
      'prod',
      '--component',
      'api',
      '--digest',
      `sha256:${api.sha256}`,
    ]);
    expect(ok.observations[0]).toMatchObject({ authorized: true, matchedBy: { label: 'prod_latest' } });

    const human = await w.cli([
      'observe',
      '--env',
      'prod',
      '--component',
      'api',
      '--version',
      '1.0.1-manual',
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /UNAUTHORIZED {2}prod\/api 1\.0\.1-manual: UAC0000001 opened — .*prod_latest has api 1\.0\.0/,
    );

    const batch = scratchFile(
      w,
      'seen.json',
      JSON.stringify([
        { environment: 'prod', component: 'api', version: '1.0.1-manual' },
        { environment: 'prod', component: 'cache', version: '7.2', source: 'k8s-drift' },
      ]),
    );
    const seen = await w.json<ObservationResultDto>(['observe', '--from-file', batch]);
    expect(seen.observations.map((o) => [o.repeated, o.unauthorizedChange?.number, o.source])).toEqual([
      [true, 'UAC0000001', 'cli'],
      [false, 'UAC0000002', 'k8s-drift'],
    ]);
    const refused = await w.cli(['observe', '--env', 'prod', '--component', 'api']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/version: give the version or the digest/);

    // A vendor's change with a title that must not become markup.
    const vendor = await w.json<ChangeRequestDto>(
      [
        'cr',
        'create',
        '--title',
        '<img src=x onerror=alert(1)> vendor, "patch"',
        '--environment',
        'prod',
        '--origin',
        'vendor',
        '--priority',
        'low',
        '--assignee',
        'ops@vendor.example',
        '--customer-impact',
        'low',
        '--deployment-impact',
        'small',
      ],
      people.manager,
    );
    expect(vendor.origin).toBe('vendor');

    const report = await w.json<ComplianceReportDto>(['report', 'compliance'], people.manager);
    expect(report.internal.deployments).toMatchObject({ total: 1, successful: 1 });
    expect(report.vendor.volume.total).toBe(1);
    expect(report.unauthorizedChanges.map((v) => v.unauthorizedChange)).toEqual(['UAC0000001', 'UAC0000002']);
    expect(report.unauthorizedChanges.map((v) => v.basis)).toEqual([null, null]);

    const csvFile = join(w.dir, 'report.csv');
    const htmlFile = join(w.dir, 'report.html');
    const jsonFile = join(w.dir, 'report.json');
    for (const [format, out] of [
      ['csv', csvFile],
      ['html', htmlFile],
      ['json', jsonFile],
    ]) {
      const r = await w.cli(
        ['report', 'compliance', '--format', format as string, '--out', out as string],
        people.manager,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/wrote .*2 violation\(s\)/);
    }
    const csv = readFileSync(csvFile, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^kind,at,origin,.*,summary,link,basis$/);
    expect(csv.filter((l) => l.startsWith('unauthorized_change,'))).toHaveLength(2);
    const page = readFileSync(htmlFile, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    const base = mode === 'remote' ? w.env().CHANGEGATE_SERVER : '';
    expect(page).toContain(`<a href="${base}/api/v1/unauthorized-changes/UAC0000002">UAC0000002</a>`);
    expect(JSON.parse(readFileSync(jsonFile, 'utf8')).totalViolations).toBe(2);

    const list = await w.json<UnauthorizedChangeDto[]>(
      ['unauthorized', 'list', '--status', 'open'],
      people.manager,
    );
    expect(list.map((u) => [u.number, u.timesObserved])).toEqual([
      ['UAC0000002', 1],
      ['UAC0000001', 2],
    ]);
    const resolved = await w.json<UnauthorizedChangeDto>(
      ['unauthorized', 'resolve', 'UAC0000001', '--note', 'hotfix reverted'],
      people.manager,
    );
    expect(resolved).toMatchObject({ status: 'resolved', note: 'hotfix reverted' });
    const shown = await w.cli(['unauthorized', 'get', 'UAC0000001'], people.manager);
    expect(shown.stdout).toMatch(/UAC0000001 {2}prod\/api {2}resolved/);
  });
});
