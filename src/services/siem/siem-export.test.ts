import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../../test/support/actors.js';
import { dialects, type TestDialect, testApp } from '../../../test/support/dialects.js';
import type { SiemDestination } from '../../domain/siem/siem-format.js';
import { connectSiem, type SiemSender } from '../../integrations/siem/siem-transport.js';
import { readSiemCursor } from '../../store/siem-cursors.js';
import { createChangeRequest } from '../changes/create-change-request.js';
import { exportAuditToSiem, type SiemExportOptions } from './siem-export.js';

const origin = { hostname: 'cg-test', procId: '1', productVersion: '0.1.0' };

/** Everything a stream listener received, over all its connections. */
async function streamListener(
  server: Server,
  event: 'connection' | 'secureConnection' = 'connection',
  port = 0,
) {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  server.on(event, (s: Socket) => {
    sockets.add(s);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** RFC 6587 octet-counted frames back into messages; throws on a malformed stream. */
function octetFrames(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const len = Number(bytes.subarray(at, space).toString());
    if (!Number.isInteger(len) || space < 0) throw new Error(`bad frame at byte ${at}`);
    out.push(bytes.subarray(space + 1, space + 1 + len).toString('utf8'));
    at = space + 1 + len;
  }
  return out;
}

const seqOf = (message: string) => Number(/ seq="(\d+)"/.exec(message)?.[1]);

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(condition()).toBe(true);
}

async function seeded(dialect: TestDialect, changes: number) {
  const t = await testApp(dialect, 'siem');
  const actor = await actorIn(t.app, 'default', 'alice@example.com');
  const more = async (n: number) => {
    for (let i = 0; i < n; i++)
      await createChangeRequest(t.app.deps, actor, { ...validChange, title: `c${i}` });
  };
  await more(changes);
  const exportTo = (to: string, options: Partial<SiemExportOptions> = {}) =>
    exportAuditToSiem(t.app.deps, actor, {
      format: 'syslog',
      to,
      origin,
      connect: (d) => connectSiem(d),
      ...options,
    });
  return { ...t, actor, more, exportTo };
}

describe.each(dialects)('SIEM export on %s', (dialect) => {
  it('sends octet-counted syslog over TCP and resumes from the stored cursor', async () => {
    const t = await seeded(dialect, 4);
    const listener = await streamListener(createTcpServer());
    try {
      const to = `tcp://127.0.0.1:${listener.port}`;
      const first = await t.exportTo(to, { batchSize: 2 });
      expect(first).toMatchObject({ sent: 5, cursor: 5, format: 'syslog' });
      await t.more(2);
      expect(await t.exportTo(to, { batchSize: 2 })).toMatchObject({ sent: 2, cursor: 7 });
      expect(await t.exportTo(to)).toMatchObject({ sent: 0, cursor: 7 });
      await until(() => octetFrames(listener.received()).length === 7);
      const messages = octetFrames(listener.received());
      expect(messages.map(seqOf)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(messages[1]).toMatch(
        /^<109>1 \S+Z cg-test changegate 1 change_request\.created \[changegate@32473 tenant="default" seq="2" /,
      );
      expect(JSON.parse(messages[1]?.slice(messages[1].indexOf('] {') + 2) ?? '')).toMatchObject({
        seq: 2,
        action: 'change_request.created',
      });
      expect(await readSiemCursor(t.app.deps.db, t.actor.tenantId, to)).toBe(7);

      // --from-start resets the cursor; JSON lines end with a line feed.
      await listener.close();
      const again = await streamListener(createTcpServer(), 'connection', listener.port);
      try {
        expect(await t.exportTo(to, { fromStart: true, format: 'jsonl' })).toMatchObject({ sent: 7 });
        await until(() => again.received().toString().split('\n').length === 8);
        const lines = again.received().toString().split('\n');
        expect(lines.pop()).toBe('');
        expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await again.close();
      }
    } finally {
      await listener.close();
      await t.close();
    }
  });

  it('sends CEF over TLS to a server with a self-signed certificate, trusting it with --ca', async () => {
    const t = await seeded(dialect, 1);
    const dir = t.db.dir;
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const listener = await streamListener(
      createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert }),
      'secureConnection',
    );
    try {
      const to = `tls://127.0.0.1:${listener.port}`;
      await expect(t.exportTo(to, { format: 'cef' })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/self-signed certificate/),
      });
      const sent = await t.exportTo(to, { format: 'cef', connect: (d) => connectSiem(d, { ca: cert }) });
      expect(sent).toMatchObject({ sent: 2, cursor: 2 });
      await until(() => octetFrames(listener.received()).length === 2);
      const [, cef] = octetFrames(listener.received());
      expect(cef).toMatch(
        /\] CEF:0\|changegate\|changegate\|0\.1\.0\|change_request\.created\|change request created\|3\|rt=\d+ suser=alice@example\.com /,
      );
    } finally {
      await listener.close();
      await t.close();
    }
  });

  it('sends one message per UDP datagram', async () => {
    const t = await seeded(dialect, 2);
    const socket = createSocket('udp4');
    const datagrams: string[] = [];
    socket.on('message', (m) => datagrams.push(m.toString('utf8')));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    try {
      const to = `udp://127.0.0.1:${socket.address().port}`;
      expect(await t.exportTo(to, { format: 'jsonl' })).toMatchObject({ sent: 3, cursor: 3 });
      await until(() => datagrams.length === 3);
      expect(datagrams.map((d) => JSON.parse(d).seq).sort()).toEqual([1, 2, 3]);
    } finally {
      socket.close();
      await t.close();
    }
  });

  it('after a failed batch, resumes with the rest and re-sends at most the last acknowledged batch', async () => {
    const t = await seeded(dialect, 9);
    const listener = await streamListener(createTcpServer());
    try {
      const to = `tcp://127.0.0.1:${listener.port}`;
      // The third batch fails, as a connection that breaks mid-run does.
      const failing = async (d: SiemDestination): Promise<SiemSender> => {
        const real = await connectSiem(d);
        let batches = 0;
        return {
          send: (frames) =>
            ++batches === 3 ? Promise.reject(new Error('connection reset')) : real.send(frames),
          close: () => real.close(),
        };
      };
      await expect(t.exportTo(to, { batchSize: 3, connect: failing })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/connection reset; 6 events sent by this run, cursor at event 3/),
      });
      expect(await readSiemCursor(t.app.deps.db, t.actor.tenantId, to)).toBe(3);
      expect(await t.exportTo(to, { batchSize: 3 })).toMatchObject({ sent: 7, cursor: 10 });
      await until(() => octetFrames(listener.received()).length === 13);
      const seqs = octetFrames(listener.received()).map(seqOf);
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await listener.close();
      await t.close();
    }
  });

  it('reports an unreachable destination without moving the cursor, then resumes', async () => {
    const t = await seeded(dialect, 1);
    const probe = await streamListener(createTcpServer());
    const port = probe.port;
    await probe.close();
    try {
      await expect(t.exportTo(`tcp://127.0.0.1:${port}`)).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/ECONNREFUSED/),
      });
      expect(
        await readSiemCursor(t.app.deps.db, t.actor.tenantId, `tcp://127.0.0.1:${port}`),
      ).toBeUndefined();
      await expect(t.exportTo('ftp://x:1')).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(t.exportTo('tcp://x:1', { format: 'xml' })).rejects.toMatchObject({
        code: 'invalid_input',
      });
    } finally {
      await t.close();
    }
  });

  it('follows new events until stopped', async () => {
    const t = await seeded(dialect, 1);
    const listener = await streamListener(createTcpServer());
    const stop = new AbortController();
    try {
      const to = `tcp://127.0.0.1:${listener.port}`;
      const running = t.exportTo(to, { follow: true, intervalMs: 20, signal: stop.signal });
      await until(() => octetFrames(listener.received()).length === 2);
      await t.more(3);
      await until(() => octetFrames(listener.received()).length === 5);
      stop.abort();
      expect(await running).toMatchObject({ sent: 5, cursor: 5 });
    } finally {
      stop.abort();
      await listener.close();
      await t.close();
    }
  });
});
