/**
 * The "dial through a proxy" step: a TCP connection to the proxy, then the proxy's handshake
 * (SOCKS4/4a or SOCKS5 through the `socks` package, HTTP CONNECT through node:http), giving a
 * socket that is a byte tunnel to the broker. The transports then run over it what they run
 * over a direct connection: MQTT (tcp), a TLS handshake with the broker (tls), a WebSocket
 * upgrade (websockets, wss).
 *
 * What goes to the proxy follows PySocks, which paho uses: with `rdns` (the default) the
 * broker's host name is sent for the proxy to resolve (SOCKS4 then becomes SOCKS4a); without
 * it the name is resolved here (IPv4 for SOCKS4 and HTTP, as gethostbyname; the first address
 * for SOCKS5). SOCKS5 offers username/password only when both are set; SOCKS4 sends the user
 * name as its user id; HTTP sends Basic Proxy-Authorization when both are set, and needs a
 * 200 answer.
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as net from 'node:net';
import { SocksClient } from 'socks';
import { describeProxy, type ProxySettings } from './proxyArgs';

/**
 * A connection through the proxy that failed: `code` is the socket's (ECONNREFUSED, ...) when
 * the proxy could not be reached, ETIMEDOUT for the connect timeout, ERR_PROXY when the proxy
 * answered but did not open the tunnel (refused, authentication failed, not a proxy).
 */
export class ProxyError extends Error {
  /** ECONNREFUSED, ETIMEDOUT, ERR_PROXY, ... (see above). */
  readonly code: string;
  /** An Error named ProxyError with its `code`. */
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

export interface DialTarget {
  /** The broker, as the proxy is asked to reach it. */
  host: string;
  port: number;
  /** Local address / port for the connection to the proxy (paho's bind_address / bind_port). */
  bindAddress?: string;
  bindPort?: number;
  /** Gives up after this many ms, handshake included; 0 or absent: no limit. */
  timeoutMs?: number;
}

export interface Dial {
  /** The socket to the proxy, there at once so an aborted attempt can destroy it. */
  readonly socket: net.Socket;
  /** Resolves with that socket once it is a tunnel to the broker; rejects with a ProxyError (the socket then destroyed). */
  readonly tunnel: Promise<net.Socket>;
}

/** The broker's host:port as a proxy names it (IPv6 in brackets). */
function authority(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** Where the proxy is asked to connect: the name itself, or a local resolution of it. */
async function destinationHost(proxy: ProxySettings, host: string): Promise<string> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (proxy.rdns || net.isIP(bare) !== 0) return bare;
  const family = proxy.type === 'socks5' ? 0 : 4;
  const { address } = await dns.promises.lookup(bare, { family });
  return address;
}

function socksHandshake(proxy: ProxySettings, socket: net.Socket, host: string, port: number, timeoutMs: number): Promise<unknown> {
  const v5 = proxy.type === 'socks5';
  // PySocks authenticates to SOCKS5 only with both a user name and a password; SOCKS4 has a user id only.
  const withAuth = v5 ? proxy.username !== undefined && proxy.password !== undefined : proxy.username !== undefined;
  return SocksClient.createConnection({
    command: 'connect',
    existing_socket: socket,
    destination: { host, port },
    proxy: {
      host: proxy.host, port: proxy.port, type: v5 ? 5 : 4,
      userId: withAuth ? proxy.username : undefined, password: withAuth && v5 ? proxy.password : undefined,
    },
    // Our own timer covers the whole dial; this one must not fire first.
    timeout: timeoutMs > 0 ? timeoutMs + 1000 : 2 ** 31 - 1,
  });
}

function httpConnect(proxy: ProxySettings, socket: net.Socket, host: string, port: number): Promise<void> {
  const target = authority(host, port);
  const headers: Record<string, string> = { Host: target };
  if (proxy.username !== undefined && proxy.password !== undefined) {
    headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64')}`;
  }
  return new Promise<void>((resolve, reject) => {
    const req = http.request({ method: 'CONNECT', path: target, headers, createConnection: () => socket });
    // node:http hands the socket over on 'connect' whatever the status; the tunnel is open only on 200.
    req.once('connect', (res: http.IncomingMessage, _sock: net.Socket, head: Buffer) => {
      if (res.statusCode === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve();
        return;
      }
      // 407 is the standard answer; some proxies (tinyproxy) say 401.
      const hint = res.statusCode === 407 || res.statusCode === 401 ? ' (proxy authentication required: check proxy_username / proxy_password)' : '';
      reject(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd() + hint));
    });
    req.once('response', (res: http.IncomingMessage) => reject(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd())));
    req.once('error', reject);
    req.end();
  });
}

/**
 * Connects to the proxy and asks it for a tunnel to `target`. Destroying `socket` aborts
 * (the tunnel promise then rejects).
 */
export function dialThroughProxy(proxy: ProxySettings, target: DialTarget): Dial {
  const name = describeProxy(proxy);
  const broker = authority(target.host, target.port);
  const timeoutMs = target.timeoutMs ?? 0;
  const opts: net.TcpNetConnectOpts & { readableHighWaterMark?: number } = { host: proxy.host, port: proxy.port };
  if (target.bindAddress) opts.localAddress = target.bindAddress;
  if (target.bindPort) opts.localPort = target.bindPort;
  // As TcpTransport: pause() must stop reading at once once the tunnel carries MQTT.
  opts.readableHighWaterMark = 1;
  const socket = net.connect(opts);
  let reached = false;
  const tunnel = new Promise<net.Socket>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const settle = (err: ProxyError | null): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err === null) {
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(err);
    };
    const failed = (e: Error): ProxyError => {
      if (!reached) {
        const code = (e as NodeJS.ErrnoException).code ?? 'ERR_PROXY';
        return new ProxyError(`cannot connect to the ${name}: ${e.message}`, code, { cause: e });
      }
      return new ProxyError(`the ${name} did not open a tunnel to ${broker}: ${e.message}`, 'ERR_PROXY', { cause: e });
    };
    const onError = (e: Error): void => settle(failed(e));
    const onClose = (): void => settle(failed(new Error(reached ? 'the proxy closed the connection' : 'connection closed')));
    socket.on('error', onError);
    socket.once('close', onClose);
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        const stage = reached ? `the ${name} did not open a tunnel to ${broker}` : `connect to the ${name}`;
        settle(new ProxyError(`${stage}: timed out after ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
    }
    socket.once('connect', () => {
      reached = true;
      destinationHost(proxy, target.host)
        .then((host) => (proxy.type === 'http' ? httpConnect(proxy, socket, host, target.port) : socksHandshake(proxy, socket, host, target.port, timeoutMs)))
        .then(() => settle(null), (e: Error) => settle(failed(e)));
    });
  });
  return { socket, tunnel };
}
