/*
 * The socket life cycle tcp, tls and websocket share (lib/transport/socketLifecycle.ts): every
 * connection is listened to by the same shared functions, not closures of its own (idle memory
 * per connection), and none of them is left on the socket once the connection closed.
 */
import { once } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as tls from 'tls';
import { WebSocketServer } from 'ws';
import { SocketTransport } from '../../lib/transport/socketLifecycle';
import { TcpTransport } from '../../lib/transport/tcp';
import { TlsTransport } from '../../lib/transport/tls';
import type { Transport, TransportHandlers } from '../../lib/transport/types';
import { WebSocketTransport } from '../../lib/transport/websocket';
import { makeTestCerts, TestCerts } from './tlsFixtures';

/** The shared listeners (protected statics), by the event they listen to. */
const shared = SocketTransport as unknown as Record<'onData' | 'onError' | 'onClose' | 'onDrain', (...a: unknown[]) => void>;

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

interface Server {
  port: number;
  stop(): Promise<void>;
}

async function serve(server: net.Server, onConn: (c: net.Socket) => void = () => {}): Promise<Server> {
  const conns: net.Socket[] = [];
  server.on('connection', (c: net.Socket) => {
    conns.push(c);
    c.on('error', () => {});
  });
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', onConn);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: async () => {
      for (const c of conns) c.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function handlers(): TransportHandlers & { closed: Promise<void> } {
  let onClose: () => void = () => {};
  const closed = new Promise<void>((r) => (onClose = r));
  return { data: () => {}, close: () => onClose(), closed };
}

const kinds: Array<[string, () => Promise<{ server: Server; make: () => Transport }>]> = [
  ['tcp', async () => {
    const server = await serve(net.createServer());
    return { server, make: () => new TcpTransport({ host: '127.0.0.1', port: server.port }) };
  }],
  ['tls', async () => {
    const server = await serve(tls.createServer({ cert: fs.readFileSync(certs.serverCertFile), key: fs.readFileSync(certs.serverKeyFile) }));
    return { server, make: () => new TlsTransport({ host: '127.0.0.1', port: server.port, tls: { ca: certs.caPem } }) };
  }],
  ['websocket', async () => {
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ server: httpServer, handleProtocols: () => 'mqtt' });
    const server = await serve(httpServer);
    return {
      server: { port: server.port, stop: async () => { wss.close(); await server.stop(); } },
      make: () => new WebSocketTransport({ host: '127.0.0.1', port: server.port }),
    };
  }],
];

describe.each(kinds)('%s', (_name, setup) => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('two connections are listened to by the same shared functions, removed once each closes', async () => {
    const s = await setup();
    server = s.server;
    const open = async () => {
      const t = s.make();
      const h = handlers();
      await t.open(h);
      return { t, h, sock: t.socket as net.Socket };
    };
    const a = await open();
    const b = await open();
    // The WebSocket transport listens for data, errors and close on the WebSocket; on the
    // socket under it, only for drain.
    const events = a.t instanceof WebSocketTransport ? { drain: shared.onDrain } : { data: shared.onData, error: shared.onError, close: shared.onClose, drain: shared.onDrain };
    for (const [event, fn] of Object.entries(events)) {
      expect({ event, a: a.sock.listeners(event).includes(fn), b: b.sock.listeners(event).includes(fn) }).toEqual({ event, a: true, b: true });
    }
    for (const c of [a, b]) {
      c.t.destroy();
      await c.h.closed;
      for (const [event, fn] of Object.entries(events)) expect({ event, left: c.sock.listeners(event).includes(fn) }).toEqual({ event, left: false });
    }
  });
});
