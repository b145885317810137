/*
 * WebSocketTransport against scripted ws servers on free ports (no broker): URL, path and
 * subprotocol, headers (object and function of the defaults), one binary frame per write,
 * frames to bytes, text frames refused, refused upgrades (404, 401), subprotocol refusal,
 * wss:// with the TLS checks of TlsTransport, timeouts, teardown.
 */
import { once } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import WebSocket, { WebSocketServer } from 'ws';
import { MQTT_ERR_TLS, TLSError, ValueError, WebSocketHandshakeError, WebsocketConnectionError } from '../../lib';
import { buildTlsConnectOptions, tlsSettingsFrom } from '../../lib/transport/tlsOptions';
import type { TransportHandlers } from '../../lib/transport/types';
import { defaultWsHeaders, resolveWsHeaders, WebSocketTransport, WebSocketTransportOptions } from '../../lib/transport/websocket';
import { freePort } from '../support/ports';
import { makeTestCerts, TestCerts } from './tlsFixtures';

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
  protocols: string[];
}

interface WsServer {
  port: number;
  seen: Seen[];
  sockets: WebSocket[];
  /** Binary messages the server received, per connection. */
  received: Buffer[][];
  nextSocket(): Promise<WebSocket>;
  stop(): Promise<void>;
}

/**
 * A WebSocket server: `onUpgrade` may answer the HTTP upgrade itself (refuse it); otherwise
 * ws accepts, choosing the subprotocol with `pickProtocol`.
 */
async function wsServer(opts: {
  secure?: boolean;
  pickProtocol?: (offered: string[]) => string | false;
  onUpgrade?: (req: http.IncomingMessage, socket: net.Socket) => boolean;
  onConnection?: (ws: WebSocket) => void;
} = {}): Promise<WsServer> {
  const seen: Seen[] = [];
  const sockets: WebSocket[] = [];
  const received: Buffer[][] = [];
  const raw: net.Socket[] = [];
  const server = opts.secure
    ? https.createServer({ cert: fs.readFileSync(certs.serverCertFile), key: fs.readFileSync(certs.serverKeyFile) })
    : http.createServer();
  server.on('connection', (c: net.Socket) => {
    raw.push(c);
    c.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (opts.pickProtocol ? opts.pickProtocol([...protocols]) : protocols.has('mqtt') ? 'mqtt' : [...protocols][0] ?? false),
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    seen.push({ url: req.url ?? '', headers: req.headers, protocols });
    if (opts.onUpgrade?.(req, socket)) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const got: Buffer[] = [];
      received.push(got);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) got.push(data);
      });
      ws.on('error', () => {});
      sockets.push(ws);
      wss.emit('connection', ws, req);
      opts.onConnection?.(ws);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    sockets,
    received,
    nextSocket: async () => {
      while (sockets.length === 0) await new Promise((r) => setTimeout(r, 2));
      return sockets[sockets.length - 1];
    },
    stop: async () => {
      for (const ws of sockets) ws.terminate();
      for (const c of raw) c.destroy();
      wss.close();
      server.close();
      await once(server, 'close');
    },
  };
}

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
  return { handlers, data, closes, closed, bytes: () => Buffer.concat(data) };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

async function openError(t: WebSocketTransport): Promise<Error & { code?: string; status?: number; rc?: number }> {
  const r = recorder();
  const err = await t.open(r.handlers).then(() => null, (e) => e);
  if (err === null) throw new Error('open() resolved; expected a rejection');
  expect(r.closes).toEqual([]);
  expect(t.isOpen).toBe(false);
  return err;
}

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

describe('WebSocket headers', () => {
  const defaults = defaultWsHeaders('broker.example', 8080, 'mqtt');

  it('defaults are what paho sends, minus the key (ws makes it) and Origin', () => {
    expect(defaults).toEqual({
      Host: 'broker.example:8080', Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Protocol': 'mqtt',
    });
    expect(defaultWsHeaders('::1', 80, 'mqtt').Host).toBe('[::1]:80');
  });

  it('an object is merged over the defaults; a function gets the defaults and returns the headers', () => {
    expect(resolveWsHeaders({ Authorization: 'Bearer t' }, defaults)).toEqual({
      headers: { Host: 'broker.example:8080', Authorization: 'Bearer t' }, protocols: ['mqtt'],
    });
    const seen: Record<string, string>[] = [];
    const r = resolveWsHeaders((d) => {
      seen.push(d);
      return { ...d, 'X-Token': 'abc', 'Sec-WebSocket-Protocol': 'mqtt, mqttv3.1' };
    }, defaults);
    expect(seen).toEqual([defaults]);
    expect(r).toEqual({ headers: { Host: 'broker.example:8080', 'X-Token': 'abc' }, protocols: ['mqtt', 'mqttv3.1'] });
  });

  it('refuses a function that returns no object, and non-string values', () => {
    expect(() => resolveWsHeaders(() => null as never, defaults)).toThrow(ValueError);
    expect(() => resolveWsHeaders({ A: {} as never }, defaults)).toThrow("headers: the value of 'A' must be a string, got object");
  });
});

describe('WebSocketTransport', () => {
  let srv: WsServer | undefined;
  afterEach(async () => {
    await srv?.stop();
    srv = undefined;
  });

  const make = (port: number, o: Partial<WebSocketTransportOptions> = {}) => new WebSocketTransport({ host: '127.0.0.1', port, ...o });

  it('ws://host:port/mqtt, subprotocol mqtt, binary frames both ways, one frame per write', async () => {
    srv = await wsServer();
    const t = make(srv.port);
    expect(t.url).toBe(`ws://127.0.0.1:${srv.port}/mqtt`);
    const r = recorder();
    await t.open(r.handlers);
    expect(t.isOpen).toBe(true);
    expect(t.socket).toBeInstanceOf(net.Socket);
    expect(srv.seen[0]).toMatchObject({ url: '/mqtt', protocols: ['mqtt'] });
    expect(srv.seen[0].headers.host).toBe(`127.0.0.1:${srv.port}`);
    expect(srv.seen[0].headers['sec-websocket-extensions']).toBeUndefined(); // no permessage-deflate
    expect(srv.seen[0].headers.origin).toBeUndefined();
    const server = await srv.nextSocket();
    expect(server.protocol).toBe('mqtt');

    expect(t.write([Buffer.from([1, 2]), Buffer.from([3]), Buffer.from([4, 5])])).toBe(true);
    expect(t.write([Buffer.from([6])])).toBe(true);
    await until(() => srv!.received[0].length === 2);
    expect(srv.received[0]).toEqual([Buffer.from([1, 2, 3, 4, 5]), Buffer.from([6])]);

    server.send(Buffer.from([9, 8, 7]), { binary: true });
    server.send(Buffer.from([6]), { binary: true, fin: false });
    server.send(Buffer.from([5]), { binary: true, fin: true }); // a fragmented message
    await until(() => r.bytes().length === 5);
    expect([...r.bytes()]).toEqual([9, 8, 7, 6, 5]);

    t.end();
    await r.closed;
    expect(r.closes).toEqual([undefined]);
    expect(t.socket).toBeNull();
    expect(t.write([Buffer.from([1])])).toBe(false);
  });

  it('MQTT 3.1 asks for subprotocol mqttv3.1; path and headers (function of the defaults) are sent', async () => {
    srv = await wsServer({ pickProtocol: (p) => p[0] });
    let defaults: Record<string, string> | undefined;
    const t = make(srv.port, {
      protocolLevel: 3, path: '/ws/mqtt?x=1',
      headers: (d) => {
        defaults = d;
        return { ...d, Authorization: 'Bearer token-1', Origin: 'https://example.test' };
      },
    });
    const r = recorder();
    await t.open(r.handlers);
    expect(defaults!['Sec-WebSocket-Protocol']).toBe('mqttv3.1');
    expect(srv.seen[0].url).toBe('/ws/mqtt?x=1');
    expect(srv.seen[0].protocols).toEqual(['mqttv3.1']);
    expect(srv.seen[0].headers.authorization).toBe('Bearer token-1');
    expect(srv.seen[0].headers.origin).toBe('https://example.test');
    t.destroy();
    await r.closed;
  });

  it('a text frame from the server closes the connection with an error (MQTT is binary frames only)', async () => {
    srv = await wsServer();
    const t = make(srv.port);
    const r = recorder();
    await t.open(r.handlers);
    (await srv.nextSocket()).send('hello');
    await r.closed;
    expect(r.closes[0]?.message).toBe('WebSocket: the server sent a text frame; MQTT needs binary frames');
    expect(r.data).toEqual([]);
  });

  it('a server that closes: close once, no error; listeners removed', async () => {
    srv = await wsServer();
    const t = make(srv.port);
    const r = recorder();
    await t.open(r.handlers);
    const raw = t.socket as net.Socket;
    const drainBefore = raw.listenerCount('drain');
    expect(drainBefore).toBeGreaterThan(0);
    (await srv.nextSocket()).close(1000);
    await r.closed;
    await new Promise((res) => setImmediate(res));
    expect(r.closes).toEqual([undefined]);
    expect(raw.listenerCount('drain')).toBe(drainBefore - 1);
  });

  it('HTTP 404 on the upgrade: rejected, saying so (and hinting at the path)', async () => {
    srv = await wsServer({ onUpgrade: (_req, socket) => (socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), true) });
    const err = await openError(make(srv.port, { path: '/wrong' }));
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect(err).toBeInstanceOf(WebsocketConnectionError); // paho's name for a failed handshake
    expect(err.status).toBe(404);
    expect(err.code).toBe('ERR_WEBSOCKET_HANDSHAKE');
    expect(err.message).toBe(`WebSocket handshake with ws://127.0.0.1:${srv.port}/wrong refused: HTTP 404 Not Found (wrong path? see wsSetOptions)`);
  });

  it('HTTP 401 on the upgrade: rejected, pointing at the headers', async () => {
    srv = await wsServer({ onUpgrade: (_req, socket) => (socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'), true) });
    const err = await openError(make(srv.port));
    expect(err.message).toBe(`WebSocket handshake with ws://127.0.0.1:${srv.port}/mqtt refused: HTTP 401 Unauthorized (see wsSetOptions headers)`);
  });

  it('a server that does not accept the subprotocol: rejected, naming it', async () => {
    srv = await wsServer({ pickProtocol: () => false });
    const err = await openError(make(srv.port));
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect(err.message).toBe(`WebSocket handshake with ws://127.0.0.1:${srv.port}/mqtt failed: the server did not accept subprotocol 'mqtt' (Server sent no subprotocol)`);
  });

  it('a plain TCP (non-WebSocket) port that drops the connection: handshake failure, code kept', async () => {
    const conns: net.Socket[] = [];
    const server = net.createServer((c) => {
      conns.push(c);
      c.on('error', () => {});
      c.once('data', () => c.resetAndDestroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      const err = await openError(make(port));
      expect(err).toBeInstanceOf(WebSocketHandshakeError);
      expect(err).toBeInstanceOf(WebsocketConnectionError);
      expect(err.code).toBe('ECONNRESET');
      expect(err.message).toMatch(new RegExp(`^WebSocket handshake with ws://127.0.0.1:${port}/mqtt failed: the server closed the connection \\(.*ECONNRESET.*\\); is this a WebSocket port\\?$`));
    } finally {
      server.close();
      await once(server, 'close');
    }
  });

  it('a refused port: the TCP error, unchanged', async () => {
    const port = await freePort();
    const err = await openError(make(port));
    expect(err.code).toBe('ECONNREFUSED');
    expect(err).not.toBeInstanceOf(WebSocketHandshakeError);
    expect(err).not.toBeInstanceOf(WebsocketConnectionError); // paho raises the socket's error too
  });

  it('a server that never answers the upgrade: the connect timeout', async () => {
    srv = await wsServer({ onUpgrade: () => true }); // holds the request forever
    const err = await openError(make(srv.port, { connectTimeoutMs: 150 }));
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe(`WebSocket handshake with ws://127.0.0.1:${srv.port}/mqtt timed out after 150 ms`);
  });

  it('rejects when destroyed while connecting', async () => {
    srv = await wsServer({ onUpgrade: () => true });
    const t = make(srv.port);
    const r = recorder();
    const p = t.open(r.handlers);
    await until(() => srv!.seen.length > 0);
    t.destroy();
    await expect(p).rejects.toThrow();
    expect(r.closes).toEqual([]);
  });

  describe('wss://', () => {
    it('verifies the server with caCerts and works', async () => {
      srv = await wsServer({ secure: true });
      const t = make(srv.port, { tls: buildTlsConnectOptions(tlsSettingsFrom({ caCerts: certs.caFile }), 'localhost'), host: 'localhost' });
      expect(t.url).toBe(`wss://localhost:${srv.port}/mqtt`);
      const r = recorder();
      await t.open(r.handlers);
      expect((t.socket as { authorized?: boolean }).authorized).toBe(true);
      t.write([Buffer.from('x')]);
      await until(() => srv!.received[0]?.length === 1);
      t.end();
      await r.closed;
    });

    it('unknown CA and host name mismatch fail as TLS errors (rc MQTT_ERR_TLS), reported to onTlsError', async () => {
      srv = await wsServer({ secure: true });
      const reported: Error[] = [];
      const unknown = await openError(make(srv.port, {
        tls: buildTlsConnectOptions(tlsSettingsFrom({ caCerts: certs.wrongCaFile }), '127.0.0.1'), onTlsError: (e) => reported.push(e),
      }));
      expect(unknown).toBeInstanceOf(TLSError);
      expect(unknown.rc).toBe(MQTT_ERR_TLS);
      expect(unknown.message).toMatch(/unknown CA/);
      expect(reported).toEqual([unknown]);

      const settings = { ...tlsSettingsFrom({ caCerts: certs.caFile }), options: { servername: 'broker.wrong.test' } };
      const mismatch = await openError(make(srv.port, { tls: buildTlsConnectOptions(settings, '127.0.0.1') }));
      expect(mismatch.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(mismatch.message).toMatch(/host name mismatch/);
      // tlsInsecureSet(true): the same connection opens.
      const t = make(srv.port, { tls: buildTlsConnectOptions({ ...settings, insecure: true }, '127.0.0.1') });
      const r = recorder();
      await t.open(r.handlers);
      t.destroy();
      await r.closed;
    });

    it('wss:// to a plain ws:// server: a TLS handshake failure', async () => {
      srv = await wsServer();
      const err = await openError(make(srv.port, { tls: buildTlsConnectOptions(tlsSettingsFrom({ caCerts: certs.caFile }), '127.0.0.1') }));
      expect(err).toBeInstanceOf(TLSError);
      expect(err.message).toMatch(/^TLS handshake failed: /);
    });
  });
});
