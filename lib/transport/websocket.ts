/**
 * MQTT over WebSockets (ws:// and wss://) through the `ws` package, behind the Transport
 * interface. The life cycle is SocketTransport's; this file dials (TCP, TLS, HTTP upgrade),
 * frames, and says what a failure means (the handshake's headers and errors: wsHandshake.ts).
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
import * as net from 'node:net';
import * as tls from 'node:tls';
import WebSocket from 'ws';
import { ValueError } from '../errors';
import { CONNECTED, connectError, DIALING, ownerOf, SocketTransport, timeoutError } from './socketLifecycle';
import { isTlsError, reportTlsError } from './tlsOptions';
import type { TransportHandlers } from './types';
import { defaultWsHeaders, handshakeError, resolveWsHeaders, WsHeaders } from './wsHandshake';

export { defaultWsHeaders, resolveWsHeaders, WebSocketHandshakeError, WebsocketConnectionError } from './wsHandshake';
export type { WsHeaders } from './wsHandshake';

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

export class WebSocketTransport extends SocketTransport<WebSocket> {
  /** The net.Socket or tls.TLSSocket under the WebSocket. */
  private raw: net.Socket | null = null;
  /** The subprotocols the last open() offered, for its failure messages. */
  private asked = '';
  readonly url: string;

  constructor(private readonly opts: WebSocketTransportOptions) {
    super();
    const path = opts.path ?? '/mqtt';
    const host = net.isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
    this.url = `${opts.tls ? 'wss' : 'ws'}://${host}:${opts.port}${path}`;
  }

  /** The net.Socket (ws://) or tls.TLSSocket (wss://) under the WebSocket, or null. */
  get socket(): unknown {
    return this.raw;
  }

  get pendingBytes(): number {
    return this.conn?.bufferedAmount ?? 0;
  }

  protected get target(): string {
    return this.url;
  }

  open(handlers: TransportHandlers): Promise<void> {
    if (this.conn !== null) return Promise.reject(new Error('WebSocketTransport: already open'));
    const { host, port, bindAddress, bindPort, connectTimeoutMs } = this.opts;
    const subprotocol = this.opts.protocolLevel === 3 ? 'mqttv3.1' : 'mqtt';
    let wanted: { headers: Record<string, string>; protocols: string[] };
    try {
      wanted = resolveWsHeaders(this.opts.headers, defaultWsHeaders(host, port, subprotocol));
    } catch (e) {
      return Promise.reject(e);
    }
    const tunnel = this.opts.socket;
    // Our own connection factory (one per attempt, dropped once the upgrade is done): TLS
    // options reach tls.connect untouched (http never sees them), and the stage listeners
    // tell how far the connection got when something fails.
    const createConnection = (o: net.NetConnectOpts & { host?: string; port?: number }): net.Socket => {
      const base = { host: o.host ?? host, port: Number(o.port ?? port) } as const;
      const local = { localAddress: bindAddress || undefined, localPort: bindPort || undefined };
      let s: net.Socket;
      if (this.opts.tls !== undefined) {
        s = tunnel !== undefined
          ? tls.connect({ ...this.opts.tls, ...base, socket: tunnel })
          : tls.connect({ ...this.opts.tls, ...base, ...local } as tls.ConnectionOptions);
        s.once('secureConnect', SocketTransport.onSecured);
      } else {
        s = tunnel ?? net.connect({ ...base, ...local });
      }
      if (tunnel === undefined) s.once('connect', SocketTransport.onConnected);
      this.own(s);
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
    this.asked = wanted.protocols.map((p) => `'${p}'`).join(', ') || 'none';
    return this.dial(ws, 'open', handlers, connectTimeoutMs, tunnel !== undefined ? CONNECTED : DIALING);
  }

  write(chunks: Buffer[]): boolean {
    const ws = this.conn;
    if (ws === null || !this.open_) return false;
    if (chunks.length === 0) return true;
    ws.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { binary: true, compress: false });
    return !(this.raw?.writableNeedDrain ?? false);
  }

  /** Sends a close frame after what is queued, then closes without waiting for the server's answer. */
  end(): void {
    const ws = this.conn;
    if (ws === null || !this.open_) return;
    this.open_ = false;
    ws.close(1000);
    const raw = this.raw;
    raw?.end(() => raw.destroy());
  }

  destroy(): void {
    this.open_ = false;
    this.conn?.terminate();
  }

  protected override openFailure(err: Error, stage: number): Error {
    // TCP up, TLS not yet (wss://): the TLS handshake failed.
    if (isTlsError(err) || (this.opts.tls !== undefined && stage === CONNECTED)) return reportTlsError(err, this.opts.onTlsError);
    if (stage === DIALING) return connectError(err);
    return handshakeError(err, this.url, this.asked);
  }

  protected override timeoutFailure(ms: number, stage: number): Error {
    const inTls = this.opts.tls !== undefined && stage === CONNECTED;
    const what = stage === DIALING ? 'connect to' : inTls ? 'TLS handshake with' : 'WebSocket handshake with';
    const err = timeoutError(`${what} ${this.url} timed out after ${ms} ms`);
    return inTls ? reportTlsError(err, this.opts.onTlsError) : err;
  }

  protected override closingError(err: Error): Error {
    return isTlsError(err) ? reportTlsError(err, this.opts.onTlsError) : err;
  }

  /** ws emits 'close' once the socket is closed and every received frame was delivered. */
  protected listen(ws: WebSocket): void {
    ws.on('message', WebSocketTransport.onMessage);
    ws.on('error', SocketTransport.onError);
    ws.on('close', SocketTransport.onClose);
    this.raw?.on('drain', SocketTransport.onDrain);
  }

  /** Removes the listeners and forgets the raw socket (the connection is over). */
  protected unlisten(ws: WebSocket): void {
    ws.off('message', WebSocketTransport.onMessage);
    ws.off('error', SocketTransport.onError);
    ws.off('close', SocketTransport.onClose);
    this.raw?.off('drain', SocketTransport.onDrain);
    this.raw = null;
  }

  protected discard(ws: WebSocket): void {
    ws.terminate();
    this.raw?.destroy();
    this.raw = null;
  }

  private static onMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    const t = ownerOf<WebSocketTransport>(this);
    if (!isBinary) {
      // MQTT over WebSockets is binary frames only (MQTT 3.1.1 §6.0, 5.0 §6.0).
      t.error ??= new Error('WebSocket: the server sent a text frame; MQTT needs binary frames');
      t.open_ = false;
      t.conn?.terminate();
      return;
    }
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    t.handlers?.data(chunk);
  }
}

function noop(): void {}
