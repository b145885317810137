import * as net from 'net';
import { once } from 'events';
import { TcpTransport } from '../../lib/transport/tcp';
import type { TransportHandlers } from '../../lib/transport/types';
import { freePort } from '../support/ports';
import { watchReads } from './directRead';

// The real module object (the namespace import above is a copy jest cannot spy on).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const netModule: typeof net = require('net');

/** A loopback server that records its connections and, optionally, echoes. */
async function startServer(opts: { echo?: boolean; allowHalfOpen?: boolean; pauseOnConnect?: boolean } = {}) {
  const conns: net.Socket[] = [];
  const every: net.Socket[] = []; // for stop(): server.close() waits for every connection
  const server = net.createServer({ allowHalfOpen: opts.allowHalfOpen, pauseOnConnect: opts.pauseOnConnect }, (c) => {
    conns.push(c);
    every.push(c);
    c.on('error', () => {}); // resets are part of some specs
    if (opts.echo) c.pipe(c);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const nextConn = async (): Promise<net.Socket> => {
    while (conns.length === 0) await once(server, 'connection');
    return conns.shift()!;
  };
  const stop = async (): Promise<void> => {
    for (const c of every) c.destroy();
    server.close();
    await once(server, 'close');
  };
  return { server, port, nextConn, stop };
}

/** Handlers that record what the transport reports. */
function recorder() {
  const data: Buffer[] = [];
  const closes: Array<Error | undefined> = [];
  let onClose: () => void = () => {};
  const closed = new Promise<void>((r) => (onClose = r));
  const handlers: TransportHandlers = {
    data: (chunk) => data.push(chunk),
    close: (err) => {
      closes.push(err);
      onClose();
    },
  };
  const bytes = () => Buffer.concat(data).toString();
  return { handlers, data, closes, closed, bytes };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

const OUR_EVENTS = ['data', 'error', 'close', 'drain', 'connect', 'timeout', 'end', 'finish'];
/** Listener counts on our events, minus those a fresh socket has on its own (Node adds an 'end' one). */
function extraListeners(sock: net.Socket): Record<string, number> {
  const fresh = new net.Socket();
  const extra: Record<string, number> = {};
  for (const e of OUR_EVENTS) {
    const n = sock.listenerCount(e) - fresh.listenerCount(e);
    if (n !== 0) extra[e] = n;
  }
  fresh.destroy();
  return extra;
}

describe('TcpTransport', () => {
  let srv: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    jest.useRealTimers();
    await srv?.stop();
    srv = undefined;
  });

  it('opens, writes and receives (echo)', async () => {
    srv = await startServer({ echo: true });
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    const noDelay = jest.spyOn(net.Socket.prototype, 'setNoDelay');
    expect(t.isOpen).toBe(false);
    expect(t.socket).toBeNull();
    await t.open(r.handlers);
    expect(t.isOpen).toBe(true);
    expect(t.socket).toBeInstanceOf(net.Socket);
    expect(noDelay.mock.contexts).toContain(t.socket);
    expect(noDelay.mock.calls[noDelay.mock.contexts.indexOf(t.socket as net.Socket)]).toEqual([true]);
    expect(t.write([Buffer.from('hello')])).toBe(true);
    await until(() => r.bytes() === 'hello');
    t.destroy();
    await r.closed;
  });

  it('writes several small chunks as one joined socket write, in order', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const conn = await srv.nextConn();
    const got: Buffer[] = [];
    conn.on('data', (c: Buffer) => got.push(c));
    const sock = t.socket as net.Socket;
    const write = jest.spyOn(sock, 'write');
    const cork = jest.spyOn(sock, 'cork');
    expect(t.write([Buffer.from('one,'), Buffer.from('two,'), Buffer.from('three')])).toBe(true);
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0][0])).toBe('one,two,three');
    expect(cork).not.toHaveBeenCalled();
    expect(t.write([])).toBe(true);
    await until(() => Buffer.concat(got).toString() === 'one,two,three');
    t.destroy();
    await r.closed;
  });

  it('writes chunks totalling over 64 KB as one corked write of the chunks themselves (large payloads are not copied), in order', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const conn = await srv.nextConn();
    let received = 0;
    const got: Buffer[] = [];
    conn.on('data', (c: Buffer) => { got.push(c); received += c.length; });
    const sock = t.socket as net.Socket;
    const write = jest.spyOn(sock, 'write');
    const cork = jest.spyOn(sock, 'cork');
    const uncork = jest.spyOn(sock, 'uncork');
    const head = Buffer.from('head,');
    const big = Buffer.alloc(64 * 1024, 0x61);
    t.write([head, big]);
    expect(cork).toHaveBeenCalledTimes(1);
    expect(uncork).toHaveBeenCalledTimes(1);
    expect(write.mock.calls.map((c) => c[0])).toEqual([head, big]);
    expect(write.mock.calls[1][0]).toBe(big);
    await until(() => received === head.length + big.length);
    expect(Buffer.concat(got).equals(Buffer.concat([head, big]))).toBe(true);
    t.destroy();
    await r.closed;
  });

  it('rejects with the net error (code ECONNREFUSED) when refused, and never calls close', async () => {
    const port = await freePort();
    const t = new TcpTransport({ host: '127.0.0.1', port });
    const r = recorder();
    const err = await t.open(r.handlers).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(err).not.toBeNull();
    expect(err!.code).toBe('ECONNREFUSED');
    expect(err!.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(t.isOpen).toBe(false);
    expect(t.socket).toBeNull();
    expect(t.write([Buffer.from('x')])).toBe(false);
    await new Promise((res) => setTimeout(res, 20));
    expect(r.closes).toEqual([]);
  });

  it('gives up after connectTimeoutMs, destroying the socket and removing its listeners', async () => {
    // A socket that never connects, so the timeout is the only way out (no external address needed).
    let pending: net.Socket | undefined;
    jest.spyOn(netModule, 'connect').mockImplementation((() => (pending = new net.Socket())) as typeof net.connect);
    jest.useFakeTimers();
    const t = new TcpTransport({ host: '127.0.0.1', port: 1883, connectTimeoutMs: 5000 });
    const r = recorder();
    const result = t.open(r.handlers).then(() => null, (e: NodeJS.ErrnoException) => e);
    jest.advanceTimersByTime(4999);
    expect(pending!.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    const err = await result;
    expect(err!.message).toBe('connect to 127.0.0.1:1883 timed out after 5000 ms');
    expect(err!.code).toBe('ETIMEDOUT');
    expect(pending!.destroyed).toBe(true);
    expect(extraListeners(pending!)).toEqual({});
    expect(t.socket).toBeNull();
    expect(r.closes).toEqual([]);
  });

  it('names every address when a host name fails on all of them (empty AggregateError message)', async () => {
    let pending: net.Socket | undefined;
    jest.spyOn(netModule, 'connect').mockImplementation((() => (pending = new net.Socket())) as typeof net.connect);
    const t = new TcpTransport({ host: 'localhost', port: 1 });
    const result = t.open(recorder().handlers).then(() => null, (e: NodeJS.ErrnoException) => e);
    const agg = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], ''), { code: 'ECONNREFUSED' });
    pending!.emit('error', agg);
    const err = await result;
    expect(err).toBe(agg);
    expect(err!.message).toBe('connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1');
    expect(err!.code).toBe('ECONNREFUSED');
  });

  it('rejects when destroyed while connecting', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    const p = t.open(r.handlers);
    t.destroy();
    await expect(p).rejects.toThrow(`connect to 127.0.0.1:${srv.port} aborted`);
    expect(r.closes).toEqual([]);
  });

  it('calls close once, without an error, when the server closes; and removes its listeners', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const sock = t.socket as net.Socket;
    expect(extraListeners(sock)).toEqual({ data: 1, error: 1, close: 1, drain: 1 });
    (await srv.nextConn()).end();
    await r.closed;
    await new Promise((res) => setTimeout(res, 20));
    expect(r.closes).toEqual([undefined]);
    expect(t.isOpen).toBe(false);
    expect(t.socket).toBeNull();
    expect(extraListeners(sock)).toEqual({});
    expect(t.write([Buffer.from('x')])).toBe(false);
  });

  it('calls close once with the error when the connection is reset', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const sock = t.socket as net.Socket;
    (await srv.nextConn()).resetAndDestroy();
    await r.closed;
    await new Promise((res) => setTimeout(res, 20));
    expect(r.closes).toHaveLength(1);
    expect((r.closes[0] as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(extraListeners(sock)).toEqual({});
  });

  it('destroy(): close is reported once, later, and writes are refused', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    t.destroy();
    expect(r.closes).toEqual([]); // not from inside destroy()
    expect(t.isOpen).toBe(false);
    expect(t.write([Buffer.from('x')])).toBe(false);
    await r.closed;
    t.destroy();
    await new Promise((res) => setTimeout(res, 20));
    expect(r.closes).toEqual([undefined]);
  });

  it('end(): flushes queued bytes, then closes without waiting for the peer to close', async () => {
    srv = await startServer({ allowHalfOpen: true }); // the server never closes its side
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const conn = await srv.nextConn();
    let got = 0;
    conn.on('data', (c: Buffer) => (got += c.length));
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    t.write([big]);
    t.end();
    expect(t.isOpen).toBe(false);
    await r.closed;
    await until(() => got === big.length);
    expect(r.closes).toEqual([undefined]);
  });

  it('reopens after a close, leaking no listeners across 20 reconnects', async () => {
    srv = await startServer({ echo: true });
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      const r = recorder();
      await t.open(r.handlers);
      const sock = t.socket as net.Socket;
      sockets.add(sock);
      t.write([Buffer.from(`n${i}`)]);
      await until(() => r.bytes() === `n${i}`);
      t.destroy();
      await r.closed;
      expect(extraListeners(sock)).toEqual({});
    }
    expect(sockets.size).toBe(20);
  });

  it("reads past the Readable stream (onread), each chunk a copy the handler keeps (the read buffer is reused), still emitted as 'data'", async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const sock = t.socket as net.Socket;
    const { push, watched } = watchReads(sock); // a program watching the socket still sees each read
    const conn = await srv.nextConn();
    // Each chunk is read before the next is sent, so the second read reuses the first's buffer.
    conn.write('first');
    await until(() => r.data.length === 1);
    conn.write('SECOND');
    await until(() => r.data.length === 2);
    expect(r.data.map((b) => b.toString())).toEqual(['first', 'SECOND']);
    expect(watched).toEqual(['first', 'SECOND']);
    expect(push).not.toHaveBeenCalled();
    t.destroy();
    await r.closed;
  });

  it('pause() holds data until resume()', async () => {
    srv = await startServer();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    await t.open(r.handlers);
    const conn = await srv.nextConn();
    t.pause();
    conn.write('held');
    await new Promise((res) => setTimeout(res, 50));
    expect(r.data).toEqual([]);
    t.resume();
    await until(() => r.bytes() === 'held');
    t.destroy();
    await r.closed;
  });

  it('reports backpressure (write() false, pendingBytes) and then drain', async () => {
    srv = await startServer({ pauseOnConnect: true }); // the server does not read
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port });
    const r = recorder();
    let drains = 0;
    await t.open({ ...r.handlers, drain: () => drains++ });
    const conn = await srv.nextConn();
    // write() may say false while the kernel took everything (drain follows anyway): write
    // until bytes are really queued in Node, which happens once the kernel buffers are full.
    const chunk = Buffer.alloc(256 * 1024);
    let writes = 0;
    while (t.write([chunk, chunk]) || t.pendingBytes === 0) {
      writes++;
      expect(writes).toBeLessThan(400);
    }
    expect(t.pendingBytes).toBeGreaterThan(0);
    conn.resume();
    await until(() => drains > 0);
    expect(t.pendingBytes).toBe(0);
    t.destroy();
    await r.closed;
  });

  it('connects from bindAddress and bindPort', async () => {
    srv = await startServer();
    const bindPort = await freePort();
    const t = new TcpTransport({ host: '127.0.0.1', port: srv.port, bindAddress: '127.0.0.1', bindPort });
    const r = recorder();
    await t.open(r.handlers);
    const conn = await srv.nextConn();
    expect(conn.remoteAddress).toBe('127.0.0.1');
    expect(conn.remotePort).toBe(bindPort);
    t.destroy();
    await r.closed;
  });
});
