/**
 * MQTT over WebSockets (ws:// and wss://) through the `ws` package, behind the Transport
 * interface.
 *
 * - Subprotocol 'mqtt' ('mqttv3.1' for MQTT 3.1), binary frames only (a text frame from the
 *   server closes the connection, as the MQTT spec requires), no permessage-deflate.
 * - Frames and MQTT packets need not line up: every binary message goes to handlers.data as
 *   bytes, and the MQTT parser reassembles packets across frames and splits several per frame.
 * - write(chunks) sends ONE frame (the chunks concatenated): one write per pump turn.
 * - wss:// takes the same tls.connect options as TlsTransport (buildTlsConnectOptions), so
 *   certificate verification and its failure messages are the same.
 * - The handshake has the connect timeout; a refused upgrade (HTTP 404, 401, ...) or a server
 *   that does not accept the subprotocol rejects open() saying so.
 * - `socket` is the underlying net.Socket / tls.TLSSocket.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import WebSocket from 'ws';
import { ValueError } from '../errors';
import { isTlsError, tlsError } from './tlsOptions';
import type { Transport, TransportHandlers } from './types';

/** Extra handshake headers: an object merged over the defaults, or a function of the defaults returning the headers to send (paho's ws_set_options). */
export type WsHeaders = Record<string, string> | ((defaults: Record<string, string>) => Record<string, string>);

export interface WebSocketTransportOptions {
  host: string;
  port: number;
  /** Request path (default '/mqtt'); may carry a query string. */
  path?: string;
  headers?: WsHeaders;
  /** Present: wss:// with these tls.connect options. Absent: ws://. */
  tls?: tls.ConnectionOptions;
  /** MQTT protocol level: 3 asks for subprotocol 'mqttv3.1', otherwise 'mqtt'. */
  protocolLevel?: number;
  bindAddress?: string;
  bindPort?: number;
  /** Gives up (TCP + TLS + HTTP upgrade) after this many ms; 0 or absent: no limit. */
  connectTimeoutMs?: number;
  /** Called with every TLSError this transport reports, before it is reported. */
  onTlsError?: (err: Error) => void;
  /** An already connected socket to run the upgrade (and TLS, for wss://) over instead of connecting (a proxy tunnel to host:port). */
  socket?: net.Socket;
}

/** The largest MQTT packet (remaining length 268435455 plus a 5-byte fixed header). */
const MAX_MQTT_PACKET = 268_435_455 + 5;
/** Headers the WebSocket handshake itself owns: ws sets them; user values are ignored. */
const HANDSHAKE_OWNED = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

function timeoutError(message: string): Error {
  const err = new Error(message) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}

function connectError(err: Error): Error {
  const inner = (err as { errors?: unknown }).errors;
  if (err.message === '' && Array.isArray(inner)) {
    err.message = inner.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  return err;
}

/** A refused or malformed WebSocket upgrade; `status` is the HTTP status when there was one. */
export class WebSocketHandshakeError extends Error {
  /** 'ERR_WEBSOCKET_HANDSHAKE', or the socket's code (ECONNRESET, ...) when the connection dropped during the upgrade. */
  readonly code: string;
  constructor(message: string, readonly status?: number, options?: ErrorOptions & { code?: string }) {
    super(message, options);
    this.name = 'WebSocketHandshakeError';
    this.code = options?.code ?? 'ERR_WEBSOCKET_HANDSHAKE';
  }
}

/** The headers paho would send, minus Sec-WebSocket-Key (ws makes its own) and Origin (browsers' business; add it if your broker wants one). */
export function defaultWsHeaders(host: string, port: number, subprotocol: string): Record<string, string> {
  const h = net.isIPv6(host) ? `[${host}]` : host;
  return {
    Host: `${h}:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': subprotocol,
  };
}

/** Splits the final header set into what ws is given: extra headers and the subprotocol list. */
export function resolveWsHeaders(headers: WsHeaders | undefined, defaults: Record<string, string>): { headers: Record<string, string>; protocols: string[] } {
  let all: unknown;
  if (typeof headers === 'function') {
    all = headers({ ...defaults });
    if (all === null || typeof all !== 'object' || Array.isArray(all)) {
      throw new ValueError(`headers: the headers function must return an object of header names to values, got ${Array.isArray(all) ? 'an array' : typeof all}`);
    }
  } else {
    all = { ...defaults, ...(headers ?? {}) };
  }
  const out: Record<string, string> = {};
  let protocols: string[] = [];
  for (const [name, value] of Object.entries(all as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number') throw new ValueError(`headers: the value of '${name}' must be a string, got ${typeof value}`);
    const lower = name.toLowerCase();
    if (HANDSHAKE_OWNED.has(lower)) continue;
    if (lower === 'sec-websocket-protocol') {
      protocols = String(value).split(',').map((p) => p.trim()).filter((p) => p !== '');
      continue;
    }
    out[name] = String(value);
  }
  return { headers: out, protocols };
}

export class WebSocketTransport implements Transport {
  private ws: WebSocket | null = null;
  private raw: net.Socket | null = null;
  private handlers: TransportHandlers | null = null;
  private open_ = false;
  private error: Error | undefined = undefined;
  readonly url: string;
  private readonly subprotocol: string;

  constructor(private readonly opts: WebSocketTransportOptions) {
    const path = opts.path ?? '/mqtt';
    const host = net.isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
    this.url = `${opts.tls ? 'wss' : 'ws'}://${host}:${opts.port}${path}`;
    this.subprotocol = opts.protocolLevel === 3 ? 'mqttv3.1' : 'mqtt';
  }

  get isOpen(): boolean {
    return this.open_;
  }

  /** The net.Socket (ws://) or tls.TLSSocket (wss://) under the WebSocket, or null. */
  get socket(): unknown {
    return this.raw;
  }

  get pendingBytes(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  open(handlers: TransportHandlers): Promise<void> {
    if (this.ws !== null) return Promise.reject(new Error('WebSocketTransport: already open'));
    const { host, port, bindAddress, bindPort, connectTimeoutMs } = this.opts;
    const secure = this.opts.tls !== undefined;
    let wanted: { headers: Record<string, string>; protocols: string[] };
    try {
      wanted = resolveWsHeaders(this.opts.headers, defaultWsHeaders(host, port, this.subprotocol));
    } catch (e) {
      return Promise.reject(e);
    }
    const tunnel = this.opts.socket;
    let tcpUp = tunnel !== undefined;
    let tlsUp = false;
    // Our own connection factory: TLS options reach tls.connect untouched (http never sees
    // them), and we know how far the connection got when something fails.
    const createConnection = (o: net.NetConnectOpts & { host?: string; port?: number }): net.Socket => {
      const base = { host: o.host ?? host, port: Number(o.port ?? port) } as const;
      let s: net.Socket;
      if (secure) {
        const t = tunnel !== undefined
          ? tls.connect({ ...this.opts.tls, ...base, socket: tunnel })
          : tls.connect({ ...this.opts.tls, ...base, localAddress: bindAddress || undefined, localPort: bindPort || undefined } as tls.ConnectionOptions);
        t.once('secureConnect', () => (tlsUp = true));
        s = t;
      } else if (tunnel !== undefined) {
        s = tunnel;
      } else {
        s = net.connect({ ...base, localAddress: bindAddress || undefined, localPort: bindPort || undefined });
      }
      s.once('connect', () => (tcpUp = true));
      this.raw = s;
      return s;
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, wanted.protocols, {
        headers: wanted.headers,
        perMessageDeflate: false,
        maxPayload: MAX_MQTT_PACKET,
        followRedirects: false,
        createConnection: createConnection as unknown as typeof net.createConnection,
      });
    } catch (e) {
      // ws validates the URL and subprotocol names synchronously.
      return Promise.reject(new ValueError(`WebSocket ${this.url}: ${(e as Error).message}`, { cause: e }));
    }
    ws.binaryType = 'nodebuffer';
    // ws may emit 'error' after we stopped listening (destroy() while connecting): never unhandled.
    ws.on('error', noop);
    this.ws = ws;
    this.handlers = handlers;
    this.error = undefined;
    const asked = wanted.protocols.map((p) => `'${p}'`).join(', ') || 'none';
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (err: Error | null): void => {
        if (timer !== undefined) clearTimeout(timer);
        ws.off('open', onOpen);
        ws.off('error', onFail);
        ws.off('close', onAbort);
        if (err === null) {
          this.attach(ws);
          resolve();
          return;
        }
        ws.terminate();
        this.raw?.destroy();
        this.ws = null;
        this.raw = null;
        this.handlers = null;
        reject(err);
      };
      const failure = (err: Error): Error => {
        if (isTlsError(err) || (secure && tcpUp && !tlsUp)) return this.reportTls(err);
        if (!tcpUp) return connectError(err);
        const status = /^Unexpected server response: (\d+)$/.exec(err.message);
        if (status !== null) {
          const code = Number(status[1]);
          return new WebSocketHandshakeError(
            `WebSocket handshake with ${this.url} refused: HTTP ${code} ${http.STATUS_CODES[code] ?? ''}`.trimEnd() +
              (code === 404 ? ' (wrong path? see wsSetOptions)' : code === 401 || code === 403 ? ' (see wsSetOptions headers)' : ''),
            code, { cause: err });
        }
        if (/subprotocol/i.test(err.message)) {
          return new WebSocketHandshakeError(
            `WebSocket handshake with ${this.url} failed: the server did not accept subprotocol ${asked} (${err.message})`,
            undefined, { cause: err });
        }
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ECONNRESET' || code === 'EPIPE') {
          return new WebSocketHandshakeError(
            `WebSocket handshake with ${this.url} failed: the server closed the connection (${err.message}); is this a WebSocket port?`,
            undefined, { cause: err, code });
        }
        return new WebSocketHandshakeError(`WebSocket handshake with ${this.url} failed: ${err.message}`, undefined, { cause: err, code });
      };
      const onOpen = (): void => settle(null);
      const onFail = (err: Error): void => settle(failure(err));
      const onAbort = (): void => settle(new Error(`connect to ${this.url} aborted`));
      ws.once('open', onOpen);
      ws.once('error', onFail);
      ws.once('close', onAbort);
      if (connectTimeoutMs !== undefined && connectTimeoutMs > 0) {
        timer = setTimeout(() => {
          const inTls = secure && tcpUp && !tlsUp;
          const stage = !tcpUp ? 'connect to' : inTls ? 'TLS handshake with' : 'WebSocket handshake with';
          const err = timeoutError(`${stage} ${this.url} timed out after ${connectTimeoutMs} ms`);
          settle(inTls ? this.reportTls(err) : err);
        }, connectTimeoutMs);
      }
    });
  }

  write(chunks: Buffer[]): boolean {
    const ws = this.ws;
    if (ws === null || !this.open_) return false;
    if (chunks.length === 0) return true;
    ws.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { binary: true, compress: false });
    return !(this.raw?.writableNeedDrain ?? false);
  }

  /** Sends a close frame after what is queued, then closes without waiting for the server's answer. */
  end(): void {
    const ws = this.ws;
    if (ws === null || !this.open_) return;
    this.open_ = false;
    ws.close(1000);
    const raw = this.raw;
    raw?.end(() => raw.destroy());
  }

  destroy(): void {
    this.open_ = false;
    if (this.ws === null) return;
    this.ws.terminate();
  }

  pause(): void {
    this.ws?.pause();
  }

  resume(): void {
    this.ws?.resume();
  }

  private reportTls(err: Error): Error {
    const wrapped = tlsError(err);
    try {
      this.opts.onTlsError?.(wrapped);
    } catch {
      /* a failing reporter must not change what the caller sees */
    }
    return wrapped;
  }

  private attach(ws: WebSocket): void {
    ws.on('message', this.onMessage);
    ws.on('error', this.onError);
    ws.on('close', this.onClose);
    this.raw?.on('drain', this.onDrain);
    this.open_ = true;
  }

  private readonly onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    if (!isBinary) {
      // MQTT over WebSockets is binary frames only (MQTT 3.1.1 §6.0, 5.0 §6.0).
      this.error ??= new Error('WebSocket: the server sent a text frame; MQTT needs binary frames');
      this.open_ = false;
      this.ws?.terminate();
      return;
    }
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.handlers?.data(chunk);
  };

  private readonly onError = (err: Error): void => {
    this.error ??= isTlsError(err) ? this.reportTls(err) : err;
  };

  private readonly onDrain = (): void => {
    this.handlers?.drain?.();
  };

  /** ws emits 'close' once the socket is closed and every received frame was delivered. */
  private readonly onClose = (): void => {
    const ws = this.ws;
    const handlers = this.handlers;
    if (ws !== null) {
      ws.off('message', this.onMessage);
      ws.off('error', this.onError);
      ws.off('close', this.onClose);
    }
    this.raw?.off('drain', this.onDrain);
    this.ws = null;
    this.raw = null;
    this.handlers = null;
    this.open_ = false;
    const error = this.error;
    this.error = undefined;
    handlers?.close(error);
  };
}

function noop(): void {}
