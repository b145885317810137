/**
 * The plain TCP transport: a net.Socket behind the Transport interface.
 *
 * Every listener it adds is removed when the connection ends (or fails to open), so a
 * Client that reconnects a thousand times over one process leaks nothing, and a socket
 * handed out by Client.socket() carries no stale handlers into user code.
 */
import * as net from 'net';
import type { Transport, TransportHandlers } from './types';

export interface TcpTransportOptions {
  host: string;
  port: number;
  /** Local interface address to connect from (paho's `bind_address`). */
  bindAddress?: string;
  /** Local port to connect from (paho's `bind_port`); 0 or absent: any. */
  bindPort?: number;
  /** Gives up connecting after this many ms (paho's connect timeout); 0 or absent: no limit. */
  connectTimeoutMs?: number;
  /** A Unix-domain socket path to connect to instead of host/port (UnixTransport). */
  path?: string;
  /** An already connected socket to use instead of connecting (a proxy tunnel to host:port). */
  socket?: net.Socket;
}

/** A connect timeout: an Error with `code` ETIMEDOUT, as the OS reports for its own timeout. */
function timeoutError(host: string, port: number, ms: number): Error {
  const err = new Error(`connect to ${host}:${port} timed out after ${ms} ms`) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}

/**
 * Node 20 tries every address of a host name in turn (autoSelectFamily) and, when all fail,
 * reports an AggregateError whose message is empty ('localhost' with ::1 and 127.0.0.1 both
 * refusing). Give it the inner messages, so the log says what failed; `code` is kept.
 */
function connectError(err: Error): Error {
  const inner = (err as { errors?: unknown }).errors;
  if (err.message === '' && Array.isArray(inner)) {
    err.message = inner.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  return err;
}

/** Writes up to this size are joined into one buffer; larger ones go out as a corked writev. */
const JOIN_LIMIT = 64 * 1024;

export class TcpTransport implements Transport {
  private sock: net.Socket | null = null;
  private handlers: TransportHandlers | null = null;
  /** False once end()/destroy() was called or the connection closed: write() then refuses. */
  private open_ = false;
  /** The first 'error' seen: Node emits 'close' after it, and close is where we report. */
  private error: Error | undefined = undefined;

  constructor(private readonly opts: TcpTransportOptions) {}

  get isOpen(): boolean {
    return this.open_;
  }

  get socket(): unknown {
    return this.sock;
  }

  get pendingBytes(): number {
    return this.sock?.writableLength ?? 0;
  }

  open(handlers: TransportHandlers): Promise<void> {
    if (this.sock !== null) return Promise.reject(new Error('TcpTransport: already open'));
    const { host, port, bindAddress, bindPort, connectTimeoutMs, path } = this.opts;
    if (this.opts.socket !== undefined) return this.adopt(this.opts.socket, handlers);
    const tcpOpts: net.TcpNetConnectOpts = { host, port };
    if (bindAddress) tcpOpts.localAddress = bindAddress;
    if (bindPort) tcpOpts.localPort = bindPort;
    const connectOpts: net.NetConnectOpts & { readableHighWaterMark?: number } = path !== undefined ? { path } : tcpOpts;
    // pause() must stop reading the socket at once (read batching, flow control): with Node's
    // default 16 KB, a paused socket goes on reading, and waking, for every small packet until
    // 16 KB are buffered. With 1, it reads at most one more chunk; flowing reads are unchanged.
    connectOpts.readableHighWaterMark = 1;
    this.handlers = handlers;
    this.error = undefined;
    const sock = net.connect(connectOpts);
    this.sock = sock;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (err: Error | null): void => {
        if (timer !== undefined) clearTimeout(timer);
        sock.off('connect', onConnect);
        sock.off('error', onFail);
        sock.off('close', onAbort);
        if (err === null) {
          this.attach(sock);
          resolve();
          return;
        }
        // destroy() emits 'close' later, with no listener of ours left to see it.
        sock.destroy();
        this.sock = null;
        this.handlers = null;
        reject(err);
      };
      const onConnect = (): void => settle(null);
      const onFail = (err: Error): void => settle(connectError(err));
      // destroy() called while still connecting (e.g. disconnect() during connect).
      const onAbort = (): void => settle(new Error(`connect to ${host}:${port} aborted`));
      sock.once('connect', onConnect);
      sock.once('error', onFail);
      sock.once('close', onAbort);
      if (connectTimeoutMs !== undefined && connectTimeoutMs > 0) {
        timer = setTimeout(() => settle(timeoutError(host, port, connectTimeoutMs)), connectTimeoutMs);
      }
    });
  }

  /** open() over a socket that is already connected (a proxy tunnel). */
  private adopt(sock: net.Socket, handlers: TransportHandlers): Promise<void> {
    if (sock.destroyed) return Promise.reject(new Error(`connect to ${this.opts.host}:${this.opts.port}: the tunnel closed`));
    this.handlers = handlers;
    this.error = undefined;
    this.sock = sock;
    this.attach(sock);
    return Promise.resolve();
  }

  write(chunks: Buffer[]): boolean {
    const sock = this.sock;
    if (sock === null || !this.open_) return false;
    if (chunks.length === 1) return sock.write(chunks[0]);
    // Many small packets: one joined buffer costs less than a writev of as many pieces (Node
    // handles one object instead of hundreds, the kernel one iovec). Measured on the QoS 0
    // bench: 0.7 vs 0.9-1.1 µs per 78-byte packet.
    let total = 0;
    for (let i = 0; i < chunks.length; i++) total += chunks[i].length;
    if (total <= JOIN_LIMIT) return sock.write(Buffer.concat(chunks, total));
    // Corked writes leave as one writev(): one syscall and, with Nagle off, one TCP segment
    // train instead of a tiny segment per packet. Large payloads are not copied here.
    sock.cork();
    let ok = true;
    for (const chunk of chunks) ok = sock.write(chunk);
    sock.uncork();
    return ok;
  }

  end(): void {
    const sock = this.sock;
    if (sock === null || !this.open_) return;
    this.open_ = false;
    // Close once our bytes are flushed rather than waiting for the peer's FIN: a broker
    // that never closes its side must not keep the socket (and the process) alive.
    sock.end(() => sock.destroy());
  }

  destroy(): void {
    this.open_ = false;
    this.sock?.destroy();
  }

  pause(): void {
    this.sock?.pause();
  }

  resume(): void {
    this.sock?.resume();
  }

  private attach(sock: net.Socket): void {
    sock.setNoDelay(true);
    (sock as OwnedSocket)[TRANSPORT] = this;
    sock.on('data', TcpTransport.onData);
    sock.on('error', TcpTransport.onError);
    sock.on('close', TcpTransport.onClose);
    sock.on('drain', TcpTransport.onDrain);
    this.open_ = true;
  }

  // The socket listeners: shared functions (the same ones are added and removed) that find
  // their transport on the socket, not four closures per connection (idle memory per
  // connection is a benchmarked goal). EventEmitter calls them with the socket as `this`.
  private static onData(this: net.Socket, chunk: Buffer): void {
    (this as OwnedSocket)[TRANSPORT].handlers?.data(chunk);
  }

  private static onError(this: net.Socket, err: Error): void {
    (this as OwnedSocket)[TRANSPORT].error ??= err;
  }

  private static onDrain(this: net.Socket): void {
    (this as OwnedSocket)[TRANSPORT].handlers?.drain?.();
  }

  /** 'close' is the socket's last event: safe to drop the 'error' listener from here on. */
  private static onClose(this: net.Socket): void {
    (this as OwnedSocket)[TRANSPORT].closed();
  }

  private closed(): void {
    const sock = this.sock;
    const handlers = this.handlers;
    if (sock !== null) {
      sock.off('data', TcpTransport.onData);
      sock.off('error', TcpTransport.onError);
      sock.off('close', TcpTransport.onClose);
      sock.off('drain', TcpTransport.onDrain);
    }
    this.sock = null;
    this.handlers = null;
    this.open_ = false;
    const error = this.error;
    this.error = undefined;
    handlers?.close(error);
  }
}

/** The property that ties a connected socket to its transport (for the shared listeners). */
const TRANSPORT = Symbol('mqttloop.transport');
type OwnedSocket = net.Socket & { [TRANSPORT]: TcpTransport };
