import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChangeRequestDto } from '../../src/api/schemas.js';
import type {
  WindowDetailDto,
  WindowDto,
  WindowListDto,
  WindowOverrideDto,
} from '../../src/api/window-schemas.js';
import { assertBuilt } from '../support/cli-process.js';
import {
  build,
  changeRequest,
  changeRequestCount,
  createWorld,
  deploy,
  labels,
  type PipelineWorld,
  people,
  pipelineModes,
  ship,
  steps,
} from '../support/pipeline-fixture.js';

/**
 * Freeze windows as people and pipelines meet them, through the built CLI on every mode: a change
 * manager declares a freeze, the pipeline's deployment is refused and leaves nothing behind, an
 * emergency goes ahead with a note on its CR, and an approved CR with an override goes ahead too.
 */

beforeAll(() => assertBuilt());

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const config = `
environments:
  - name: prod-freeze
    purpose: production
  - name: staging-open
    purpose: pre_prod
autoApproval:
  maxRisk: moderate
`;

describe.each(pipelineModes())('freeze windows through the CLI (%s)', (mode) => {
  let w: PipelineWorld;
  beforeAll(async () => {
    w = await createWorld(mode, 'windows', config);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('refuses a deployment during a freeze, lets an emergency and an overridden CR through, and records why', async () => {
    // The freeze is in force now: the CLI runs on the real clock.
    const start = new Date(Date.now() - 60 * 60_000).toISOString();
    const end = new Date(Date.now() + 60 * 60_000).toISOString();
    const create = ['window', 'create', 'q4-close', '--kind', 'freeze', '--start', start, '--end', end];
    const scoped = [...create, '--env', 'prod-freeze', '--reason', 'quarter-end close'];
    if (mode === 'remote') {
      // A pipeline cannot loosen (or tighten) the policy that gates it.
      const refused = await w.cli(scoped);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("role 'pipeline' lacks the permission 'window:manage'");
    }
    const created = await w.json<WindowDto>(scoped, people.manager);
    expect(created).toMatchObject({ name: 'q4-close', kind: 'freeze', environments: ['prod-freeze'] });
    const listed = await w.cli(['window', 'list', '--active']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      /q4-close\s+freeze\s+in force: .*environments prod-freeze; all components\s+quarter-end close/,
    );
    const elsewhere = await w.json<WindowListDto>(['window', 'list', '--active', '--env', 'staging-open']);
    expect(elsewhere.windows).toEqual([]);

    // The pipeline's deployment is refused with the window named, and leaves nothing behind.
    await ship(w, 'prod-freeze', [build('freeze-api', '1.0.0')]);
    const crs = await changeRequestCount(w);
    const before = await labels(w, 'prod-freeze');
    const blocked = await deploy(w, 'prod-freeze');
    expect(blocked.code, blocked.stderr).toBe(2);
    expect(blocked.stderr).toContain(
      `error: deploying freeze-api to prod-freeze now is blocked by freeze 'q4-close' (${created.start} – ${created.end}): quarter-end close.`,
    );
    expect(blocked.stderr).toContain('--emergency');
    expect(JSON.parse(blocked.stdout).error).toMatchObject({
      code: 'conflict',
      details: { windows: [{ name: 'q4-close' }] },
    });
    expect(await changeRequestCount(w)).toBe(crs);
    expect(await labels(w, 'prod-freeze')).toEqual(before);

    // An emergency goes ahead, and its CR says so.
    const emergency = await deploy(w, 'prod-freeze', [
      ...steps.ok,
      '--emergency',
      '--pipeline-run-id',
      'cd-hotfix',
    ]);
    expect(emergency.code, emergency.stderr).toBe(0);
    expect(emergency.doc).toMatchObject({ flow: 'emergency', status: 'successful_deployment' });
    const hotfix = await changeRequest(w, emergency.doc.changeRequest.number);
    expect(hotfix.comments.map((c) => c.body)).toContainEqual(
      `Went ahead during freeze 'q4-close' (${created.start} – ${created.end}): quarter-end close — as an emergency change (pipeline run cd-hotfix)`,
    );

    // A planned change: its CR is approved, a change manager grants the override, then it deploys.
    await ship(w, 'prod-freeze', [build('freeze-api', '1.1.0')]);
    const cr = await w.json<ChangeRequestDto>([
      'cr',
      'create',
      '--environment',
      'prod-freeze',
      '--title',
      'freeze-api 1.1.0: the tax-rate fix',
      '--priority',
      'high',
      '--assignee',
      'dev@example.com',
      '--customer-impact',
      'low',
      '--deployment-impact',
      'small',
    ]);
    await w.json(['cr', 'request-approval', cr.number]);
    await w.json(['cr', 'approve', cr.number, '--comment', 'ok'], people.approver);
    const stillBlocked = await deploy(w, 'prod-freeze', [...steps.ok, '--change-request-id', cr.number]);
    expect(stillBlocked.code).toBe(2);
    expect(stillBlocked.stderr).toContain(
      `changegate window override q4-close --change-request ${cr.number}`,
    );
    if (mode === 'remote') {
      const approverTries = await w.cli(
        ['window', 'override', 'q4-close', '--change-request', cr.number, '--reason', 'x'],
        people.approver,
      );
      expect(approverTries.stderr).toContain("lacks the permission 'window:override'");
    }
    const override = await w.json<WindowOverrideDto>(
      [
        'window',
        'override',
        'q4-close',
        '--change-request',
        cr.number,
        '--reason',
        'tax rates change on 1 January',
      ],
      people.manager,
    );
    expect(override).toMatchObject({
      window: 'q4-close',
      changeRequest: cr.number,
      grantedBy: people.manager,
    });
    const planned = await deploy(w, 'prod-freeze', [...steps.ok, '--change-request-id', cr.number]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.doc).toMatchObject({ flow: 'manual', status: 'successful_deployment' });

    const detail = await changeRequest(w, cr.number);
    expect(detail.windowOverrides).toMatchObject([
      { window: 'q4-close', reason: 'tax rates change on 1 January' },
    ]);
    expect(detail.comments.at(-1)?.body).toContain(
      `under the override granted by ${people.manager}: tax rates change on 1 January`,
    );
    const shown = await w.json<WindowDetailDto>(['window', 'get', 'q4-close']);
    expect(shown.overrides.map((o) => o.changeRequest)).toEqual([cr.number]);

    // While it is in force the freeze is deleted only on purpose.
    const del = await w.cli(['window', 'delete', 'q4-close'], people.manager);
    expect(del.code).toBe(2);
    expect(del.stderr).toContain("freeze 'q4-close' is in force until");
    expect((await w.cli(['window', 'delete', 'q4-close', '--force'], people.manager)).stdout).toBe(
      "deleted freeze window 'q4-close'\n",
    );
  });

  it('shows a recurring window’s next occurrences on its own clock when it is created', async () => {
    const r = await w.cli(
      [
        'window',
        'create',
        'weekend',
        '--kind',
        'maintenance',
        '--rrule',
        'FREQ=WEEKLY;BYDAY=FR',
        '--start-time',
        '18:00',
        '--duration',
        '3600',
        '--time-zone',
        'Europe/Berlin',
        '--from',
        '2026-03-20',
        '--until',
        '2026-04-04T00:00:00Z',
        '--reason',
        'weekend patching',
      ],
      people.manager,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("created maintenance window 'weekend'");
    expect(r.stdout).toContain('FREQ=WEEKLY;BYDAY=FR at 18:00 for 3600 min, Europe/Berlin, from 2026-03-20');
    const bad = await w.cli(
      [
        'window',
        'create',
        'bad',
        '--kind',
        'freeze',
        '--rrule',
        'FREQ=SOMETIMES',
        '--start-time',
        '18:00',
        '--duration',
        '60',
        '--time-zone',
        'UTC',
        '--reason',
        'x',
      ],
      people.manager,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: rrule: 'FREQ=SOMETIMES' is not a usable RRULE: /);
  });
});
