import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as connectTcp, isIPv6, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { SiemDestination } from '../../domain/siem/siem-format.js';

/** Sends framed messages to a SIEM. `send` resolves once the transport took every frame of the batch. */
export interface SiemSender {
  send(frames: Buffer[]): Promise<void>;
  close(): Promise<void>;
}

export interface SiemTransportOptions {
  /** PEM of the CA(s) that signed the TLS server's certificate, instead of Node's bundled roots. */
  ca?: Buffer;
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
}

export function connectSiem(dest: SiemDestination, options: SiemTransportOptions = {}): Promise<SiemSender> {
  return dest.protocol === 'udp' ? openUdp(dest) : openStream(dest, options);
}

/**
 * TCP or TLS. A batch counts as sent when the socket's write callback reports success: the bytes are
 * with the kernel, which is as far as syslog over TCP acknowledges (docs/siem.md#resume). A connection
 * the peer closed or reset fails the next batch.
 */
function openStream(dest: SiemDestination, options: SiemTransportOptions): Promise<SiemSender> {
  return new Promise((resolve, reject) => {
    const ready = dest.protocol === 'tls' ? 'secureConnect' : 'connect';
    const socket: Socket =
      dest.protocol === 'tls'
        ? connectTls({ host: dest.host, port: dest.port, ca: options.ca, servername: serverName(dest.host) })
        : connectTcp({ host: dest.host, port: dest.port });
    let broken: Error | null = null;
    socket.setTimeout(options.connectTimeoutMs ?? 10_000, () =>
      socket.destroy(new Error(`no connection after ${options.connectTimeoutMs ?? 10_000} ms`)),
    );
    const failEarly = (error: Error) => reject(error);
    socket.once('error', failEarly);
    socket.once(ready, () => {
      socket.setTimeout(0);
      socket.off('error', failEarly);
      socket.on('error', (error) => {
        broken ??= error;
      });
      socket.on('close', () => {
        broken ??= new Error('the destination closed the connection');
      });
      // Nothing is expected back; reading keeps a peer's FIN or RST from going unnoticed.
      socket.on('data', () => {});
      socket.on('end', () => {
        broken ??= new Error('the destination closed the connection');
      });
      resolve({
        send: (frames) =>
          new Promise<void>((done, fail) => {
            if (broken) return fail(broken);
            socket.write(Buffer.concat(frames), (error) => {
              const failure = error ?? broken;
              return failure ? fail(failure) : done();
            });
          }),
        close: () =>
          new Promise<void>((done) => {
            if (socket.destroyed) return done();
            socket.end(() => done());
            socket.once('close', () => done());
          }),
      });
    });
  });
}

function serverName(host: string): string | undefined {
  // SNI carries names, not addresses.
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}

/** UDP: one message per datagram; a datagram is "sent" once the kernel accepted it. Nothing confirms delivery. */
function openUdp(dest: SiemDestination): Promise<SiemSender> {
  const socket: UdpSocket = createSocket(isIPv6(dest.host) ? 'udp6' : 'udp4');
  const sendOne = (frame: Buffer) =>
    new Promise<void>((done, fail) =>
      socket.send(frame, dest.port, dest.host, (error) => (error ? fail(error) : done())),
    );
  return Promise.resolve({
    send: async (frames) => {
      for (const frame of frames) await sendOne(frame);
    },
    close: () => new Promise<void>((done) => socket.close(() => done())),
  });
}
