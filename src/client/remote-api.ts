import { randomUUID } from 'node:crypto';
import type { AttachmentDto } from '../api/schemas.js';
import { AppError, isErrorCode } from '../domain/errors.js';
import type { ChangegateApi, ChangeListQuery } from './changegate-api.js';

export interface RemoteOptions {
  server: string;
  token: string | null;
  /** Attempts for a POST whose connection failed: retried with the same Idempotency-Key. */
  retries?: number;
  fetch?: typeof fetch;
}

interface Call {
  method: 'GET' | 'POST' | 'PATCH';
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
        if (call.method === 'PATCH' || attempt >= retries) {
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

  return {
    createChangeRequest: (input) => json({ method: 'POST', path: '/api/v1/change-requests', json: input }),
    getChangeRequest: (ref) => json({ method: 'GET', path: cr(ref) }),
    listChangeRequests: (q: ChangeListQuery) =>
      json({ method: 'GET', path: '/api/v1/change-requests', query: { ...q } }),
    updateChangeRequest: (ref, patch) => json({ method: 'PATCH', path: cr(ref), json: patch }),
    requestApproval: (ref) => json({ method: 'POST', path: `${cr(ref)}/request-approval` }),
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

    createToken: (input) => json({ method: 'POST', path: '/api/v1/tokens', json: input }),
    listTokens: () => json({ method: 'GET', path: '/api/v1/tokens' }),
    revokeToken: (ref) => json({ method: 'POST', path: `/api/v1/tokens/${encodeURIComponent(ref)}/revoke` }),

    createTenant: (input) => json({ method: 'POST', path: '/api/v1/tenants', json: input }),
  };
}

function fromEnvelope(status: number, body: unknown): AppError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && isErrorCode(error.code) && typeof error.message === 'string') {
    return new AppError(error.code, error.message, (error.details as Record<string, unknown>) ?? {});
  }
  return new AppError(status >= 500 ? 'internal' : 'invalid_input', `server answered HTTP ${status}`);
}
