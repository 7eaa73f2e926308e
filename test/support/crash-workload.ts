import { randomUUID } from 'node:crypto';

/** The parts of a change request the crash test looks at. */
export interface ChangeDto {
  id: string;
  number: string;
  title: string;
  state: string;
  approval: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** The server answered from a stored Idempotency-Key response (header idempotent-replayed: true). */
  replayed: boolean;
}

export type TokenRole = 'requester' | 'approver' | 'auditor';
export type Tokens = Record<TokenRole, string>;

/** A minimal JSON client over global fetch. Network failures throw; HTTP errors are returned. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly tokens: Tokens,
  ) {}

  async call<T = unknown>(
    method: 'GET' | 'POST',
    path: string,
    as: TokenRole,
    options: { key?: string; body?: unknown } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.tokens[as]}` };
    if (options.key !== undefined) headers['idempotency-key'] = options.key;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? null : JSON.parse(text)) as T,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  }

  async get<T = unknown>(path: string, as: TokenRole = 'requester'): Promise<T> {
    const response = await this.call<T>('GET', path, as);
    if (response.status !== 200) {
      throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  /** Every change request of the tenant, following nextCursor through all pages. */
  async listAll(): Promise<ChangeDto[]> {
    const all: ChangeDto[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { items: ChangeDto[]; nextCursor: string | null } = await this.get(
        `/api/v1/change-requests?limit=200${query}`,
      );
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return all;
  }

  /** Every audit event of the tenant in sequence order. */
  async auditEvents(): Promise<{ seq: number; action: string; entityId: string }[]> {
    const all: { seq: number; action: string; entityId: string }[] = [];
    for (;;) {
      const afterSeq = all.at(-1)?.seq ?? 0;
      const page: { seq: number; action: string; entityId: string }[] = await this.get(
        `/api/v1/audit/events?afterSeq=${afterSeq}&limit=10000`,
        'auditor',
      );
      if (page.length === 0) return all;
      all.push(...page);
    }
  }
}

export type WriteOp = 'create' | 'request-approval' | 'approve';

/** One POST exactly as a client sent it, so it can be retried byte for byte. */
export interface Write {
  op: WriteOp;
  path: string;
  key: string;
  body?: unknown;
  as: TokenRole;
  /** The title of the change request the write is about. */
  title: string;
}

export interface AcknowledgedWrite extends Write {
  status: number;
  response: unknown;
}

export const approvalLevels = ['not_requested', 'requested', 'approved'] as const;
export type ApprovalLevel = (typeof approvalLevels)[number];

/** State and approval of a CR after each approval level in this workload. */
export const stateAt: Record<ApprovalLevel, string> = {
  not_requested: 'new',
  requested: 'authorize',
  approved: 'scheduled',
};

export interface KnownChange {
  id: string;
  number: string;
  title: string;
  /** The highest approval level a client has seen acknowledged. */
  approval: ApprovalLevel;
}

/** What clients know: acknowledged writes, writes whose outcome they never learned, and anomalies. */
export class Ledger {
  readonly changes = new Map<string, KnownChange>();
  /** Writes in flight when the server died; each must be retried with the same key. */
  inFlight: Write[] = [];
  /** The last acknowledged write of each client loop in the current cycle. */
  lastAcknowledged: AcknowledgedWrite[] = [];
  /** Anything a well-behaved server must never do: an error answer, a failure before the kill. */
  readonly unexpected: string[] = [];

  acknowledge(write: Write, response: ChangeDto): void {
    const level: ApprovalLevel =
      write.op === 'create' ? 'not_requested' : write.op === 'approve' ? 'approved' : 'requested';
    if (response.title !== write.title || response.approval !== level || response.state !== stateAt[level]) {
      this.unexpected.push(`${write.op} of '${write.title}' answered ${JSON.stringify(response)}`);
    }
    const known = this.changes.get(write.title);
    if (write.op === 'create') {
      this.changes.set(write.title, {
        id: response.id,
        number: response.number,
        title: write.title,
        approval: 'not_requested',
      });
    } else if (known) {
      known.approval = level;
    } else {
      this.unexpected.push(`${write.op} acknowledged for unknown change '${write.title}'`);
    }
  }
}

export function createBody(title: string) {
  return {
    title,
    priority: 'high',
    assignee: 'dev@example.com',
    customerImpact: 'low',
    deploymentImpact: 'small',
  };
}

export function createWrite(title: string): Write {
  return {
    op: 'create',
    path: '/api/v1/change-requests',
    key: `create:${title}:${randomUUID()}`,
    body: createBody(title),
    as: 'requester',
    title,
  };
}

export function requestApprovalWrite(title: string, id: string): Write {
  return {
    op: 'request-approval',
    path: `/api/v1/change-requests/${id}/request-approval`,
    key: `request-approval:${title}:${randomUUID()}`,
    as: 'requester',
    title,
  };
}

export function approveWrite(title: string, id: string): Write {
  return {
    op: 'approve',
    path: `/api/v1/change-requests/${id}/approve`,
    key: `approve:${title}:${randomUUID()}`,
    body: { comment: 'ok' },
    as: 'approver',
    title,
  };
}

/** Sends a write exactly as recorded: same path, key, body and token. */
export function send(api: ApiClient, write: Write): Promise<ApiResponse<ChangeDto>> {
  return api.call<ChangeDto>('POST', write.path, write.as, { key: write.key, body: write.body });
}

/** Set `killing` before the server is killed: from then on failures are expected and nothing new starts. */
export interface KillSwitch {
  killing: boolean;
}

/**
 * Concurrent client loops, each creating a CR, requesting approval and approving it, over and over,
 * each write with a fresh Idempotency-Key. They stop at the kill switch; a write whose answer was
 * lost to the kill goes to `ledger.inFlight`.
 */
export async function runClientLoops(
  api: ApiClient,
  ledger: Ledger,
  options: { loops: number; titlePrefix: string; kill: KillSwitch },
): Promise<void> {
  const attempt = async (loop: number, write: Write): Promise<ChangeDto | undefined> => {
    if (options.kill.killing) return undefined;
    let response: ApiResponse<ChangeDto>;
    try {
      response = await send(api, write);
    } catch (error) {
      if (options.kill.killing) ledger.inFlight.push(write);
      else ledger.unexpected.push(`${write.op} ${write.path} failed while the server was up: ${error}`);
      return undefined;
    }
    if (response.status < 200 || response.status > 299 || response.replayed) {
      ledger.unexpected.push(
        `${write.op} ${write.path} answered ${response.status}${response.replayed ? ' (replayed)' : ''}: ${JSON.stringify(response.body)}`,
      );
      return undefined;
    }
    ledger.acknowledge(write, response.body);
    ledger.lastAcknowledged[loop] = { ...write, status: response.status, response: response.body };
    return response.body;
  };

  const loop = async (index: number) => {
    for (let n = 0; !options.kill.killing; n++) {
      const title = `${options.titlePrefix}-l${index}-n${n}`;
      const created = await attempt(index, createWrite(title));
      if (!created) return;
      if (!(await attempt(index, requestApprovalWrite(title, created.id)))) return;
      if (!(await attempt(index, approveWrite(title, created.id)))) return;
    }
  };
  await Promise.all(Array.from({ length: options.loops }, (_, index) => loop(index)));
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated with CHANGEGATE_CRASH_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
