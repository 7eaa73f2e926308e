import { describe, expect, it } from 'vitest';
import { complianceCsv, csvField } from './compliance-csv.js';
import type { ComplianceFacts } from './compliance-facts.js';
import { complianceHtml } from './compliance-html.js';
import { assembleComplianceReport } from './compliance-report.js';
import { escapeHtml, html } from './html-escape.js';

const t = Date.parse('2026-01-10T12:00:00Z');
const hostile = `<script>alert("x")</script> & 'quotes', commas\nand a line`;

/** A history with one violation of a hostile title, one vendor violation and one unauthorized change. */
const facts: ComplianceFacts = {
  since: Date.parse('2026-01-01T00:00:00Z'),
  until: Date.parse('2026-02-01T00:00:00Z'),
  asOf: Date.parse('2026-02-02T00:00:00Z'),
  volume: [
    { type: 'normal', environment: 'prod', origin: 'internal', count: 3 },
    { type: 'emergency', environment: 'prod', origin: 'internal', count: 1 },
    { type: 'normal', environment: null, origin: 'vendor', count: 2 },
  ],
  outcomes: [
    { origin: 'internal', closeCategory: 'successful', count: 2 },
    { origin: 'internal', closeCategory: 'unsuccessful', count: 1 },
    { origin: 'internal', closeCategory: null, count: 1 },
    { origin: 'vendor', closeCategory: 'cancelled', count: 2 },
  ],
  deployments: [
    { origin: 'internal', status: 'successful_deployment', emergency: false, count: 3 },
    { origin: 'internal', status: 'failed_deployment_no_rollback', emergency: true, count: 1 },
  ],
  unapprovedDeployments: [
    {
      runId: 'run-1',
      pipelineRunId: 'cd-1',
      environment: 'prod',
      startedAt: t,
      createdBy: 'pipeline',
      basis: 'gate_record',
      changeRequest: {
        number: 'CHG0000001',
        title: hostile,
        origin: 'internal',
        approval: 'requested',
        state: 'closed',
      },
    },
  ],
  separation: [
    {
      approvalId: 'a-1',
      changeRequest: { number: 'CHG0000002', title: 'Vendor patch', origin: 'vendor' },
      environment: 'prod',
      approver: 'v@acme.example',
      decidedAt: t + 1,
      requestedBy: 'V@acme.example',
      implementedBy: 'v@acme.example',
    },
  ],
  retrospective: [],
  freeze: [],
  evidence: [],
  unauthorized: [
    {
      id: 'u-1',
      number: 'UAC0000001',
      environment: 'prod',
      component: 'api',
      version: '6.6.6',
      digest: null,
      observedAt: t + 2,
      lastObservedAt: t + 2,
      timesObserved: 1,
      source: 'drift "monitor"',
      status: 'open',
      explanation: 'api 6.6.6 is running in prod, but prod_latest has api 1.0.0',
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedBy: null,
      resolvedAt: null,
      note: null,
      createdBy: 'pipeline',
      createdAt: t + 2,
      updatedAt: t + 2,
    },
  ],
};

describe('compliance report rendering', () => {
  const report = assembleComplianceReport(facts);

  it('assembles rates per origin and counts violations by kind', () => {
    expect(report.internal.outcomes).toMatchObject({
      successful: 2,
      unsuccessful: 1,
      open: 1,
      successRate: 0.6667,
    });
    expect(report.internal.deployments).toMatchObject({
      total: 4,
      failed: 1,
      emergency: 1,
      successRate: 0.75,
    });
    expect(report.internal.volume.byType).toEqual({ emergency: 1, normal: 3 });
    expect(report.vendor.volume.byEnvironment).toEqual({ '(none)': 2 });
    expect(report.vendor.violations[0]?.summary).toBe(
      'v@acme.example approved CHG0000002, which they requested and deployed',
    );
    expect(report.totalViolations).toBe(3);
    expect(report.violationCounts.unauthorized_change).toBe(1);
  });

  it('escapes text for element content and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(html`<p title="${'"><script>'}">${['<i>', html`<b>${'&'}</b>`]}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;">&lt;i&gt;<b>&amp;</b></p>',
    );
  });

  it('renders a hostile CR title as text in a self-contained page with real links', () => {
    const page = complianceHtml(report, { baseUrl: 'https://cg.example.com/' });
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(page).toContain(
      '<a href="https://cg.example.com/api/v1/change-requests/CHG0000001">CHG0000001</a>',
    );
    expect(page).toContain('<a href="https://cg.example.com/api/v1/deployments/run-1">run-1</a>');
    expect(page).toContain('href="https://cg.example.com/api/v1/unauthorized-changes/UAC0000001"');
    expect(page).toMatch(/<style>[^<]*body\{/);
    expect(page).not.toMatch(/<link |<script|src=/);
    // A base URL that is not http(s) is ignored rather than written into href.
    expect(complianceHtml(report, { baseUrl: 'javascript:alert(1)//' })).not.toContain('javascript:');
  });

  it('writes one CSV row per violation with a kind column, quoting per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    // Formula injection: a title starting with = + - @ is shown as text in a spreadsheet.
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    const csv = complianceCsv(report);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'kind,at,origin,environment,change_request,change_request_title,deployment_run,audit_seq,audit_event_id,unauthorized_change,summary,link,basis',
    );
    expect(csv).toContain(
      `deployment_without_approval,2026-01-10T12:00:00.000Z,internal,prod,CHG0000001,"<script>alert(""x"")</script> & 'quotes', commas\nand a line",run-1,`,
    );
    expect(csv).toContain('unauthorized_change,2026-01-10T12:00:00.002Z,,prod,,,,,,UAC0000001,');
    expect(csv).toContain('seen 1× by drift ""monitor""');
    expect(csv.endsWith('\r\n')).toBe(true);
    // Three violations, one header; the quoted line break inside the title does not end a record.
    expect(csv.match(/\r\n/g)).toHaveLength(4);
  });
});
