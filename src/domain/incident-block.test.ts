import { describe, expect, it } from 'vitest';
import type { Incident } from './incident.js';
import { validateIncidentCreate } from './incident.js';
import { type BlockSubject, decideIncidentBlock, explainIncidentBlock } from './incident-block.js';

const now = Date.parse('2026-03-01T12:00:00Z');

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'i1',
    number: 'INC0000001',
    title: 'Payments down',
    severity: 'sev1',
    components: ['payments'],
    environment: 'prod',
    major: true,
    status: 'open',
    commander: 'carol@example.com',
    startedAt: now,
    detectedAt: null,
    source: 'cli',
    externalId: null,
    resolvedAt: null,
    resolvedBy: null,
    createdBy: 'sre@example.com',
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const highRisk: BlockSubject = {
  number: 'CHG0000004',
  environment: 'prod',
  components: ['payments', 'web'],
  risk: 'high',
};
const none = new Set<string>();

describe('major-incident block', () => {
  it('blocks a high-risk change to a component of an open major incident in its environment', () => {
    expect(decideIncidentBlock([incident()], highRisk, none).blocking.map((i) => i.number)).toEqual([
      'INC0000001',
    ]);
    expect(decideIncidentBlock([incident()], { ...highRisk, risk: 'critical' }, none).blocking).toHaveLength(
      1,
    );
  });

  it('lets through low and moderate risk, other components, other environments, minor and resolved incidents', () => {
    for (const risk of ['low', 'moderate', null] as const)
      expect(decideIncidentBlock([incident()], { ...highRisk, risk }, none).blocking).toEqual([]);
    const cases: Partial<Incident>[] = [
      { components: ['ledger'] },
      { environment: 'staging' },
      { major: false },
      { status: 'resolved' },
    ];
    for (const c of cases)
      expect(decideIncidentBlock([incident(c)], highRisk, none).blocking, JSON.stringify(c)).toEqual([]);
  });

  it('treats an incident without components as tenant-wide and one without environment as everywhere', () => {
    const wide = incident({ components: [], environment: null });
    expect(
      decideIncidentBlock([wide], { ...highRisk, components: ['anything'], environment: 'staging' }, none)
        .blocking,
    ).toHaveLength(1);
  });

  it('treats a change that names no components or environment as touching everything', () => {
    expect(
      decideIncidentBlock([incident()], { ...highRisk, components: [], environment: null }, none).blocking,
    ).toHaveLength(1);
  });

  it('lets the change pass an incident whose commander authorized it, and only that one', () => {
    const other = incident({ id: 'i2', number: 'INC0000002', components: ['web'] });
    const decision = decideIncidentBlock([incident(), other], highRisk, new Set(['i1']));
    expect(decision.authorized.map((i) => i.number)).toEqual(['INC0000001']);
    expect(decision.blocking.map((i) => i.number)).toEqual(['INC0000002']);
  });

  it('explains the block with the incident, its commander and the command to authorize', () => {
    const text = explainIncidentBlock(highRisk, 'enter scheduled', [incident()]);
    expect(text).toContain(
      "CHG0000004 (risk high) may not enter scheduled while major incident INC0000001 'Payments down' is open on payments in prod (commander: carol@example.com)",
    );
    expect(text).toContain(
      'ask carol@example.com to run: changegate incident authorize INC0000001 --change CHG0000004 --reason "…"',
    );
  });
});

describe('incident input', () => {
  it('needs a commander for a major incident and lowercases it', () => {
    expect(() => validateIncidentCreate({ title: 'x', major: true }, now)).toThrow(
      /commander: a major incident needs a commander/,
    );
    expect(
      validateIncidentCreate({ title: 'x', major: true, commander: 'Carol@Example.com' }, now),
    ).toMatchObject({
      major: true,
      commander: 'carol@example.com',
      components: [],
      environment: null,
      startedAt: now,
    });
  });

  it('refuses unknown severities, a start in the future and unknown fields', () => {
    expect(() => validateIncidentCreate({ title: 'x', severity: 'sev9' }, now)).toThrow(
      /severity: 'sev9' is not valid; use one of: sev1, sev2, sev3, sev4/,
    );
    expect(() => validateIncidentCreate({ title: 'x', startedAt: '2026-03-02T00:00:00Z' }, now)).toThrow(
      /startedAt: .* is in the future/,
    );
    expect(() => validateIncidentCreate({ title: 'x', colour: 'red' }, now)).toThrow(/unknown field colour/);
  });
});
