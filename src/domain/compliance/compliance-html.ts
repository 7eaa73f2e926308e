import type { ComplianceReport, OriginSection } from './compliance-report.js';
import { Html, html } from './html-escape.js';
import { type Violation, type ViolationKind, violationKinds } from './violations.js';

/** The compliance report as one self-contained HTML page: inline CSS, no scripts, every value escaped. */

const kindTitles: Record<ViolationKind, string> = {
  deployment_without_approval: 'Deployment without an approved change request',
  separation_of_duties: 'Separation of duties',
  retrospective_approval_late: 'Emergency change without retrospective approval in time',
  freeze_override: 'Freeze override',
  evidence_at_deployment: 'Missing or failed evidence at deployment',
  unauthorized_change: 'Unauthorized change',
};

const style = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;color:#1d232b;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #d8dee6;padding-bottom:.2rem}
h3{margin-top:1.4rem}.muted{color:#5b6673}table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border:1px solid #d8dee6;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f5f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1f7a3d}.bad{color:#b42318;font-weight:600}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d8dee6;border-radius:6px;padding:.6rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.4rem}code{font-size:.9em}nav a{margin-right:1rem}`;

/** The links of a violation: relative to `baseUrl` (the server) when given, else paths on it. */
function linkTo(baseUrl: string, path: string | null, label: string | null): Html | string {
  if (path === null || label === null) return '';
  return html`<a href="${baseUrl + path}">${label}</a>`;
}

function violationRows(violations: Violation[], baseUrl: string): Html {
  if (violations.length === 0) return html`<p class="ok">No violations.</p>`;
  const rows = violations.map(
    (v, i) => html`<tr id="${`${v.origin ?? 'drift'}-${v.kind}-${i + 1}`}">
<td>${kindTitles[v.kind]}</td><td>${v.at}</td><td>${v.environment ?? ''}</td>
<td>${linkTo(baseUrl, v.links.changeRequest, v.changeRequest)}${linkTo(baseUrl, v.links.unauthorizedChange, v.unauthorizedChange)}${
      v.changeRequestTitle === null ? '' : html`<br><span class="muted">${v.changeRequestTitle}</span>`
    }</td>
<td>${linkTo(baseUrl, v.links.deploymentRun, v.deploymentRunId)}</td>
<td>${linkTo(baseUrl, v.links.auditEvent, v.auditEvent ? `#${v.auditEvent.seq}` : null)}</td>
<td>${v.summary}</td></tr>`,
  );
  return html`<table><thead><tr><th>Violation</th><th>When</th><th>Environment</th><th>Record</th><th>Deployment run</th><th>Audit event</th><th>What happened</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`);

function counts(title: string, values: Record<string, number>): Html {
  const entries = Object.entries(values);
  if (entries.length === 0) return html``;
  return html`<table><thead><tr><th>${title}</th><th>Changes</th></tr></thead><tbody>${entries.map(
    ([k, n]) => html`<tr><td>${k}</td><td class="n">${n}</td></tr>`,
  )}</tbody></table>`;
}

function section(s: OriginSection, title: string, baseUrl: string): Html {
  const o = s.outcomes;
  const d = s.deployments;
  const total = Object.values(s.violationCounts).reduce((a, b) => a + b, 0);
  return html`<section id="${s.origin}"><h2>${title}</h2>
<div class="cards">
<div class="card"><b>${s.volume.total}</b>change requests</div>
<div class="card"><b>${pct(o.successRate)}</b>change success rate</div>
<div class="card"><b>${d.total}</b>deployments (${d.emergency} emergency)</div>
<div class="card"><b>${pct(d.successRate)}</b>deployment success rate</div>
<div class="card"><b class="${total > 0 ? 'bad' : 'ok'}">${total}</b>violations</div>
</div>
<h3>Volume</h3>${counts('Type', s.volume.byType)}${counts('Environment', s.volume.byEnvironment)}
<h3>Outcomes</h3><table><tbody>
<tr><td>successful</td><td class="n">${o.successful}</td></tr>
<tr><td>successful with issues</td><td class="n">${o.successfulWithIssues}</td></tr>
<tr><td>unsuccessful</td><td class="n">${o.unsuccessful}</td></tr>
<tr><td>cancelled</td><td class="n">${o.cancelled}</td></tr>
<tr><td>not concluded</td><td class="n">${o.open}</td></tr>
<tr><td>deployments failed / in progress</td><td class="n">${d.failed} / ${d.inProgress}</td></tr>
</tbody></table>
<h3>Violations by kind</h3><table><tbody>${violationKinds
    .filter((k) => k !== 'unauthorized_change')
    .map(
      (k) =>
        html`<tr><td>${kindTitles[k]}</td><td class="n ${s.violationCounts[k] > 0 ? 'bad' : 'ok'}">${s.violationCounts[k]}</td></tr>`,
    )}</tbody></table>
<h3>Every violation</h3>${violationRows(s.violations, baseUrl)}</section>`;
}

/** `baseUrl`: the server's address (e.g. https://changegate.example.com) so links resolve; empty: API paths. */
export function complianceHtml(report: ComplianceReport, options: { baseUrl?: string } = {}): string {
  const base = /^https?:\/\//i.test(options.baseUrl ?? '') ? (options.baseUrl ?? '').replace(/\/+$/, '') : '';
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Compliance report ${report.since} – ${report.until}</title><style>${new Html(style)}</style></head>
<body><h1>Compliance report</h1>
<p class="muted">Period ${report.since} to ${report.until} (end exclusive) · generated ${report.generatedAt} · ${report.totalViolations} violation(s)${base ? '' : ' · links are paths on the changegate server'}</p>
<nav><a href="#internal">Internal changes</a><a href="#vendor">Vendor changes</a><a href="#unauthorized">Unauthorized changes</a></nav>
${section(report.internal, 'Internal changes', base)}
${section(report.vendor, 'Vendor-performed changes', base)}
<section id="unauthorized"><h2>Unauthorized changes</h2>
<p class="muted">What drift monitors reported running that no implemented, approved change request deployed.</p>
${violationRows(report.unauthorizedChanges, base)}</section>
</body></html>
`;
  return page.value;
}
