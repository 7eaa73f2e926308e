import { randomUUID } from 'node:crypto';
import type { DeploymentDto } from '../api/pipeline-schemas.js';
import type { AttachmentDto } from '../api/schemas.js';
import { AppError, isErrorCode } from '../domain/errors.js';
import type { ChangegateApi, ChangeListQuery } from './changegate-api.js';

export interface RemoteOptions {
  server: string;
  token: string | null;
  /** Attempts for a POST whose connection failed: retried with the same Idempotency-Key. */
  retries?: number;
  fetch?: typeof fetch;
  /** The longest one await-approval call asks for; the server caps each call at 25 s too. */
  approvalPollMs?: number;
}

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | string[] | undefined>;
  json?: unknown;
  raw?: { body: Buffer; contentType: string };
}

/** The port over HTTP: what the CLI uses when CHANGEGATE_SERVER is set. */
export function remoteApi(options: RemoteOptions): ChangegateApi {
  const base = options.server.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const retries = options.retries ?? 3;
  const approvalPollMs = options.approvalPollMs ?? 25_000;

  async function send(call: Call): Promise<Response> {
    const url = new URL(base + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined;
    if (call.raw) {
      headers['content-type'] = call.raw.contentType;
      body = call.raw.body;
    } else if (call.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    }
    // One key per logical request: a retry after a dropped connection replays instead of writing twice.
    if (call.method === 'POST') headers['idempotency-key'] = randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        return await doFetch(url, { method: call.method, headers, body });
      } catch (error) {
        // A PUT (config apply) carries no key: retried, it could apply a second version.
        // A retried DELETE that had gone through would answer 404.
        if (
          call.method === 'PATCH' ||
          call.method === 'PUT' ||
          call.method === 'DELETE' ||
          attempt >= retries
        ) {
          throw new AppError(
            'unavailable',
            `cannot reach changegate server at ${base}: ${(error as Error).message}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  async function json<T>(call: Call): Promise<T> {
    const res = await send(call);
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) throw fromEnvelope(res.status, parsed);
    return parsed as T;
  }

  const cr = (ref: string) => `/api/v1/change-requests/${encodeURIComponent(ref)}`;
  const run = (id: string) => `/api/v1/deployments/${encodeURIComponent(id)}`;
  const window = (name: string) => `/api/v1/windows/${encodeURIComponent(name)}`;
  const incident = (ref: string) => `/api/v1/incidents/${encodeURIComponent(ref)}`;
  const problem = (ref: string) => `/api/v1/problems/${encodeURIComponent(ref)}`;
  const group = (name: string) => `/api/v1/groups/${encodeURIComponent(name)}`;
  // Component names may hold '/', which encodeURIComponent turns into %2F: one path segment.
  const component = (name: string) => `/api/v1/components/${encodeURIComponent(name)}`;
  const template = (name: string) => `/api/v1/templates/${encodeURIComponent(name)}`;
  const checklist = (category: string) => `/api/v1/checklists/${encodeURIComponent(category)}`;
  const batch = (ref: string) => `/api/v1/batches/${encodeURIComponent(ref)}`;

  /** Long-polls in calls of at most `approvalPollMs` until the wait is over or the run left the gate. */
  async function awaitApproval(runId: string, waitMs: number, lockTtlSeconds?: number) {
    const deadline = performance.now() + Math.max(0, waitMs);
    for (;;) {
      const remaining = Math.max(0, Math.round(deadline - performance.now()));
      const state = await json<DeploymentDto>({
        method: 'POST',
        path: `${run(runId)}/await-approval`,
        json: { waitMs: Math.min(remaining, approvalPollMs), lockTtlSeconds },
      });
      if (state.phase !== 'awaiting_approval' || performance.now() >= deadline) return state;
    }
  }

  return {
    createChangeRequest: (input) => json({ method: 'POST', path: '/api/v1/change-requests', json: input }),
    getChangeRequest: (ref) => json({ method: 'GET', path: cr(ref) }),
    listChangeRequests: (q: ChangeListQuery) =>
      json({ method: 'GET', path: '/api/v1/change-requests', query: { ...q } }),
    updateChangeRequest: (ref, patch) => json({ method: 'PATCH', path: cr(ref), json: patch }),
    requestApproval: (ref) => json({ method: 'POST', path: `${cr(ref)}/request-approval` }),
    getChangeRisk: (ref) => json({ method: 'GET', path: `${cr(ref)}/risk-assessment` }),
    assessChangeRisk: (ref) => json({ method: 'POST', path: `${cr(ref)}/risk-assessment` }),
    completeObligation: (ref, kind, note) =>
      json({
        method: 'POST',
        path: `${cr(ref)}/obligations/${encodeURIComponent(kind)}/complete`,
        json: note === undefined ? {} : { note },
      }),
    getChangeApprovals: (ref) => json({ method: 'GET', path: `${cr(ref)}/approvals` }),
    getApprovalPolicy: () => json({ method: 'GET', path: '/api/v1/policy' }),
    explainApprovalPolicy: (ref) =>
      json({ method: 'GET', path: `/api/v1/policy/explain/${encodeURIComponent(ref)}` }),
    decideApproval: (ref, decision, comment) =>
      json({
        method: 'POST',
        path: `${cr(ref)}/${decision === 'approved' ? 'approve' : 'reject'}`,
        json: comment === undefined ? {} : { comment },
      }),
    transitionChangeRequest: (ref, to) =>
      json({ method: 'POST', path: `${cr(ref)}/transitions`, json: { to } }),
    commentOnChangeRequest: (ref, body) =>
      json({ method: 'POST', path: `${cr(ref)}/comments`, json: { body } }),
    attachToChangeRequest: (ref, upload) =>
      json({
        method: 'POST',
        path: `${cr(ref)}/attachments`,
        query: { name: upload.name, kind: upload.kind, sha256: upload.sha256 },
        raw: { body: upload.content, contentType: upload.mediaType ?? 'application/octet-stream' },
      }),
    listAttachments: (ref) => json({ method: 'GET', path: `${cr(ref)}/attachments` }),
    downloadAttachment: async (ref, id) => {
      const list = await json<AttachmentDto[]>({ method: 'GET', path: `${cr(ref)}/attachments` });
      const res = await send({ method: 'GET', path: `${cr(ref)}/attachments/${encodeURIComponent(id)}` });
      if (!res.ok) throw fromEnvelope(res.status, await res.json().catch(() => null));
      const attachment = list.find((a) => a.id === id);
      if (!attachment) throw new AppError('not_found', `attachment '${id}' was not found`);
      return { attachment, content: Buffer.from(await res.arrayBuffer()) };
    },
    closeChangeRequest: (ref, category, notes) =>
      json({
        method: 'POST',
        path: `${cr(ref)}/close`,
        json: notes === undefined ? { category } : { category, notes },
      }),
    cancelChangeRequest: (ref, reason) =>
      json({ method: 'POST', path: `${cr(ref)}/cancel`, json: reason === undefined ? {} : { reason } }),

    createEnvironment: (input) => json({ method: 'POST', path: '/api/v1/environments', json: input }),
    listEnvironments: () => json({ method: 'GET', path: '/api/v1/environments' }),

    createGroup: (input) => json({ method: 'POST', path: '/api/v1/groups', json: input }),
    listGroups: () => json({ method: 'GET', path: '/api/v1/groups' }),
    getGroup: (name) => json({ method: 'GET', path: group(name) }),
    updateGroup: (name, patch) => json({ method: 'PATCH', path: group(name), json: patch }),
    deleteGroup: (name) => json({ method: 'DELETE', path: group(name) }),
    addGroupMember: (name, member) =>
      json({ method: 'POST', path: `${group(name)}/members`, json: { member } }),
    removeGroupMember: (name, member) =>
      json({ method: 'DELETE', path: `${group(name)}/members/${encodeURIComponent(member)}` }),
    createComponent: (input) => json({ method: 'POST', path: '/api/v1/components', json: input }),
    listComponents: () => json({ method: 'GET', path: '/api/v1/components' }),
    getComponent: (name) => json({ method: 'GET', path: component(name) }),
    updateComponent: (name, patch) => json({ method: 'PATCH', path: component(name), json: patch }),
    deleteComponent: (name) => json({ method: 'DELETE', path: component(name) }),
    createTemplate: (input) => json({ method: 'POST', path: '/api/v1/templates', json: input }),
    listTemplates: () => json({ method: 'GET', path: '/api/v1/templates' }),
    getTemplate: (name) => json({ method: 'GET', path: template(name) }),
    updateTemplate: (name, patch) => json({ method: 'PATCH', path: template(name), json: patch }),
    deleteTemplate: (name) => json({ method: 'DELETE', path: template(name) }),
    createChecklist: (input) => json({ method: 'POST', path: '/api/v1/checklists', json: input }),
    listChecklists: () => json({ method: 'GET', path: '/api/v1/checklists' }),
    getChecklist: (category) => json({ method: 'GET', path: checklist(category) }),
    updateChecklist: (category, patch) => json({ method: 'PATCH', path: checklist(category), json: patch }),
    deleteChecklist: (category) => json({ method: 'DELETE', path: checklist(category) }),
    getChangeChecklist: (ref) => json({ method: 'GET', path: `${cr(ref)}/checklist` }),
    checkChecklistItem: (ref, item, note) =>
      json({
        method: 'POST',
        path: `${cr(ref)}/checklist/checks`,
        json: note === undefined ? { item } : { item, note },
      }),
    createBatch: (input) => json({ method: 'POST', path: '/api/v1/batches', json: input }),
    listBatches: () => json({ method: 'GET', path: '/api/v1/batches' }),
    getBatch: (ref) => json({ method: 'GET', path: batch(ref) }),
    addBatchMembers: (ref, changes) =>
      json({ method: 'POST', path: `${batch(ref)}/members`, json: { changes } }),
    removeBatchMembers: (ref, changes) =>
      json({ method: 'DELETE', path: `${batch(ref)}/members`, query: { change: changes } }),
    scheduleBatch: (ref, input) => json({ method: 'POST', path: `${batch(ref)}/schedule`, json: input }),
    approveBatch: (ref, comment) =>
      json({ method: 'POST', path: `${batch(ref)}/approve`, json: comment === undefined ? {} : { comment } }),

    auditLog: (q) =>
      json({
        method: 'GET',
        path: '/api/v1/audit/events',
        query: { cr: q.changeRequest, afterSeq: q.afterSeq, limit: q.limit },
      }),
    auditVerify: (checkpoint) =>
      checkpoint === undefined
        ? json({ method: 'GET', path: '/api/v1/audit/verify' })
        : json({ method: 'POST', path: '/api/v1/audit/verify', json: { checkpoint } }),
    auditCheckpoint: () => json({ method: 'POST', path: '/api/v1/audit/checkpoints' }),
    auditPackage: async (ref) => {
      const res = await send({ method: 'GET', path: `${cr(ref)}/audit-package` });
      if (!res.ok) throw fromEnvelope(res.status, await res.json().catch(() => null));
      const named = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '');
      return {
        fileName: named?.[1] ?? 'audit-package.tar.gz',
        archive: Buffer.from(await res.arrayBuffer()),
      };
    },

    listEvents: (q) => json({ method: 'GET', path: '/api/v1/events', query: { ...q } }),

    createToken: (input) => json({ method: 'POST', path: '/api/v1/tokens', json: input }),
    listTokens: () => json({ method: 'GET', path: '/api/v1/tokens' }),
    revokeToken: (ref) => json({ method: 'POST', path: `/api/v1/tokens/${encodeURIComponent(ref)}/revoke` }),

    createTenant: (input) => json({ method: 'POST', path: '/api/v1/tenants', json: input }),

    applyConfig: (input) => json({ method: 'PUT', path: '/api/v1/config', json: input }),
    getConfig: () => json({ method: 'GET', path: '/api/v1/config' }),

    addInventory: (input) => json({ method: 'POST', path: '/api/v1/inventory/entries', json: input }),
    getInventory: (q) =>
      json({
        method: 'GET',
        path: '/api/v1/inventory',
        query: { environment: q.environment, label: q.label },
      }),
    listInventoryLabels: (environment) =>
      json({ method: 'GET', path: '/api/v1/inventory/labels', query: { environment } }),

    addEvidence: (input) => json({ method: 'POST', path: '/api/v1/evidence', json: input }),
    listEvidence: (q) => json({ method: 'GET', path: '/api/v1/evidence', query: { ...q } }),
    evidenceSummary: (environment, region) =>
      json({
        method: 'GET',
        path: '/api/v1/evidence/summary',
        query: region === undefined ? { environment } : { environment, region },
      }),

    promote: (input) => json({ method: 'POST', path: '/api/v1/promotions', json: input }),

    beginDeployment: (input) => json({ method: 'POST', path: '/api/v1/deployments', json: input }),
    awaitDeploymentApproval: awaitApproval,
    renewDeploymentLock: async (runId, lockTtlSeconds) => {
      await json<null>({ method: 'POST', path: `${run(runId)}/lock`, json: { lockTtlSeconds } });
    },
    finishDeployment: (runId, input) => json({ method: 'POST', path: `${run(runId)}/finish`, json: input }),
    getDeployment: (runId) => json({ method: 'GET', path: run(runId) }),
    beginRollback: (input) => json({ method: 'POST', path: '/api/v1/rollbacks', json: input }),

    createWindow: (input) => json({ method: 'POST', path: '/api/v1/windows', json: input }),
    listWindows: (q) =>
      json({
        method: 'GET',
        path: '/api/v1/windows',
        query: {
          active: q.active === undefined ? undefined : String(q.active),
          at: q.at,
          environment: q.environment,
          kind: q.kind,
        },
      }),
    getWindow: (name, count) => json({ method: 'GET', path: window(name), query: { count } }),
    deleteWindow: (name, force) =>
      json({ method: 'DELETE', path: window(name), query: { force: force ? 'true' : undefined } }),
    grantWindowOverride: (name, input) =>
      json({ method: 'POST', path: `${window(name)}/overrides`, json: input }),

    createIncident: (input) => json({ method: 'POST', path: '/api/v1/incidents', json: input }),
    listIncidents: (q) =>
      json({ method: 'GET', path: '/api/v1/incidents', query: { open: q.open ? 'true' : undefined } }),
    getIncident: (ref) => json({ method: 'GET', path: incident(ref) }),
    resolveIncident: (ref) => json({ method: 'POST', path: `${incident(ref)}/resolve`, json: {} }),
    linkIncident: (ref, changeRequestId) =>
      json({ method: 'POST', path: `${incident(ref)}/links`, json: { changeRequestId } }),
    authorizeIncidentChange: (ref, input) =>
      json({ method: 'POST', path: `${incident(ref)}/authorizations`, json: input }),
    changeRequestIncidents: (ref) => json({ method: 'GET', path: `${cr(ref)}/incidents` }),
    updateIncident: (ref, input) => json({ method: 'PATCH', path: incident(ref), json: input }),
    unlinkIncident: (ref, changeRequestId) =>
      json({
        method: 'DELETE',
        path: `${incident(ref)}/links/${encodeURIComponent(changeRequestId)}`,
      }),
    createProblem: (input) => json({ method: 'POST', path: '/api/v1/problems', json: input }),
    listProblems: (q) => json({ method: 'GET', path: '/api/v1/problems', query: { status: q.status } }),
    getProblem: (ref) => json({ method: 'GET', path: problem(ref) }),
    linkProblemIncident: (ref, incidentRef) =>
      json({ method: 'POST', path: `${problem(ref)}/incidents`, json: { incident: incidentRef } }),
    unlinkProblemIncident: (ref, incidentRef) =>
      json({ method: 'DELETE', path: `${problem(ref)}/incidents/${encodeURIComponent(incidentRef)}` }),
    recordProblemRootCause: (ref, text) =>
      json({ method: 'POST', path: `${problem(ref)}/root-cause`, json: { text } }),
    setProblemFix: (ref, changeRequestId) =>
      json({ method: 'POST', path: `${problem(ref)}/fix`, json: { changeRequestId } }),
    resolveProblem: (ref) => json({ method: 'POST', path: `${problem(ref)}/resolve`, json: {} }),
    changeRequestConflicts: (ref) => json({ method: 'GET', path: `${cr(ref)}/conflicts` }),
    assessMaturity: () => json({ method: 'GET', path: '/api/v1/maturity' }),
    runRetention: (input) => json({ method: 'POST', path: '/api/v1/retention/run', json: input }),
    metrics: (q) => json({ method: 'GET', path: '/api/v1/metrics', query: { ...q } }),

    incidentCauses: (ref, options) =>
      options?.rerank
        ? json({ method: 'POST', path: `${incident(ref)}/causes/rerank`, json: {} })
        : json({ method: 'GET', path: `${incident(ref)}/causes` }),
    confirmIncidentCause: (ref, changeRequestId, note) =>
      json({
        method: 'POST',
        path: `${incident(ref)}/causes/${encodeURIComponent(changeRequestId)}/confirm`,
        json: note === undefined ? {} : { note },
      }),
    rejectIncidentCause: (ref, changeRequestId, note) =>
      json({
        method: 'POST',
        path: `${incident(ref)}/causes/${encodeURIComponent(changeRequestId)}/reject`,
        json: { note },
      }),
    listReviews: (q) =>
      json({
        method: 'GET',
        path: '/api/v1/reviews',
        query: { open: q.open ? 'true' : undefined, overdue: q.overdue ? 'true' : undefined },
      }),

    complianceReport: (q) =>
      json({ method: 'GET', path: '/api/v1/reports/compliance', query: { since: q.since, until: q.until } }),
    reportObservations: (input) => json({ method: 'POST', path: '/api/v1/observations', json: input }),
    listUnauthorizedChanges: (q) =>
      json({
        method: 'GET',
        path: '/api/v1/unauthorized-changes',
        query: { status: q.status, environment: q.environment },
      }),
    getUnauthorizedChange: (ref) =>
      json({ method: 'GET', path: `/api/v1/unauthorized-changes/${encodeURIComponent(ref)}` }),
    moveUnauthorizedChange: (ref, action, note) =>
      json({
        method: 'POST',
        path: `/api/v1/unauthorized-changes/${encodeURIComponent(ref)}/${action}`,
        json: note === undefined ? {} : { note },
      }),
  };
}

function fromEnvelope(status: number, body: unknown): AppError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && isErrorCode(error.code) && typeof error.message === 'string') {
    return new AppError(error.code, error.message, (error.details as Record<string, unknown>) ?? {});
  }
  return new AppError(status >= 500 ? 'internal' : 'invalid_input', `server answered HTTP ${status}`);
}
