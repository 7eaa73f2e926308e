import { describe, expect, it } from 'vitest';
import { incidentClockSkewMs, validateIncidentCreate, validateIncidentUpdate } from './incident.js';

const now = Date.parse('2026-03-01T12:00:00Z');
const ahead = (ms: number) => new Date(now + ms).toISOString();

describe('incident times and clock skew', () => {
  it('accepts a start and detection a little ahead of the server clock, stored as now', () => {
    const fields = validateIncidentCreate(
      { title: 'x', startedAt: ahead(1000), detectedAt: ahead(incidentClockSkewMs) },
      now,
    );
    expect(fields).toMatchObject({ startedAt: now, detectedAt: now });
  });

  it('keeps past times as given', () => {
    const fields = validateIncidentCreate(
      { title: 'x', startedAt: ahead(-60_000), detectedAt: ahead(-1000) },
      now,
    );
    expect(fields).toMatchObject({ startedAt: now - 60_000, detectedAt: now - 1000 });
  });

  it('refuses a time beyond the tolerance with the clear message, for start and detection alike', () => {
    expect(() =>
      validateIncidentCreate({ title: 'x', startedAt: ahead(incidentClockSkewMs + 1) }, now),
    ).toThrow(
      /^startedAt: 2026-03-01T12:05:00\.001Z is in the future \(more than 5 minutes ahead of the server clock, 2026-03-01T12:00:00\.000Z\); give when it began$/,
    );
    expect(() =>
      validateIncidentCreate({ title: 'x', detectedAt: ahead(incidentClockSkewMs + 1000) }, now),
    ).toThrow(/^detectedAt: .* is in the future .*; give when it was noticed$/);
  });

  it('checks the order of start and detection as given, before clamping', () => {
    expect(() =>
      validateIncidentCreate({ title: 'x', startedAt: ahead(120_000), detectedAt: ahead(60_000) }, now),
    ).toThrow(/^detectedAt: .* is before the incident started/);
  });

  it('lets an update set a detection time slightly ahead, stored as now', () => {
    const current = validateIncidentCreate({ title: 'x', startedAt: ahead(-3_600_000) }, now);
    expect(validateIncidentUpdate({ detectedAt: ahead(30_000) }, current, now)).toEqual({ detectedAt: now });
  });
});
