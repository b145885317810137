/**
 * The socket life cycle every network transport shares (tcp, tls, unix, websocket): open with
 * a connect timeout, the listeners of an open connection, teardown, and the error helpers. A
 * subclass says only what differs: how to dial, which event means "ready", how a failure
 * reads, how bytes are written.
 *
 * - open() rejects (and cleans up) on an error, a close while connecting (destroy() during
 *   connect) or the connect timeout; handlers.close is then never called.
 * - Every listener added is removed when the connection ends or fails to open, so a Client that
 *   reconnects a thousand times leaks nothing, and a socket handed out by Client.socket()
 *   carries no stale handlers into user code.
 * - No closures per connection: the listeners are shared static functions that find their
 *   transport on the emitter (the OWNER property), so an idle connection costs its fields only
 *   (idle memory per connection is a benchmarked goal). EventEmitter calls them with the
 *   emitter as `this`.
 */
import type { EventEmitter } from 'node:events';
import type { Transport, TransportHandlers } from './types';

/** A connect timeout: an Error with `code` ETIMEDOUT, as the OS reports for its own timeout. */
export function timeoutError(message: string): Error {
  const err = new Error(message) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}

/**
 * Node 20 tries every address of a host name in turn (autoSelectFamily) and, when all fail,
 * reports an AggregateError whose message is empty ('localhost' with ::1 and 127.0.0.1 both
 * refusing). Give it the inner messages, so the log says what failed; `code` is kept.
 */
export function connectError(err: Error): Error {
  const inner = (err as { errors?: unknown }).errors;
  if (err.message === '' && Array.isArray(inner)) {
    err.message = inner.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  return err;
}

/** How far an open() got, so a failure or a timeout is blamed on the right step. */
export const DIALING = 0;
/** TCP is up (or a tunnel was given): a failure from here on is the handshake's. */
export const CONNECTED = 1;
/** TLS is up (wss://): what remains is the WebSocket upgrade. */
export const SECURED = 2;

/** The open() in progress: dropped once it settles. */
interface Opening {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** The event that means the connection is ready ('connect', 'secureConnect', 'open'). */
  ready: string;
  stage: number;
}

/** What the shared life cycle needs of a connection: an emitter that can pause. */
export type Connection = EventEmitter & { pause(): unknown; resume(): unknown };

/** The property that ties an emitter (socket, WebSocket) to its transport, for the shared listeners. */
const OWNER = Symbol('mqttloop.transport');
type Owned = EventEmitter & { [OWNER]: SocketTransport<Connection> };

/** The transport that owns `emitter`, for a subclass's own shared listeners. */
export function ownerOf<T extends SocketTransport<Connection>>(emitter: EventEmitter): T {
  return (emitter as Owned)[OWNER] as T;
}

export abstract class SocketTransport<C extends Connection> implements Transport {
  /** The connection (net.Socket, tls.TLSSocket, WebSocket) from open() until it closes; null otherwise. */
  protected conn: C | null = null;
  protected handlers: TransportHandlers | null = null;
  /** False once end()/destroy() was called or the connection closed: write() then refuses. */
  protected open_ = false;
  /** The first 'error' seen: 'close' comes after it, and close is where it is reported. */
  protected error: Error | undefined = undefined;
  private opening: Opening | null = null;

  get isOpen(): boolean {
    return this.open_;
  }

  abstract get socket(): unknown;
  abstract get pendingBytes(): number;
  abstract open(handlers: TransportHandlers): Promise<void>;
  abstract write(chunks: Buffer[]): boolean;
  abstract end(): void;
  abstract destroy(): void;

  pause(): void {
    this.conn?.pause();
  }

  resume(): void {
    this.conn?.resume();
  }

  // ---------------------------------------------------------------------------------------
  // what differs per transport

  /** Names the peer in messages: `host:port`, or the ws:// URL. */
  protected abstract get target(): string;
  /** Adds the listeners of an open connection (the static ones below). */
  protected abstract listen(conn: C): void;
  /** Removes what listen() added. */
  protected abstract unlisten(conn: C): void;
  /** Throws away a connection that failed to open. */
  protected abstract discard(conn: C): void;

  /** The error open() rejects with when the connection fails at `stage`. */
  protected openFailure(err: Error, _stage: number): Error {
    return connectError(err);
  }

  /** The error open() rejects with when the connect timeout fires at `stage`. */
  protected timeoutFailure(ms: number, stage: number): Error {
    return this.openFailure(timeoutError(`connect to ${this.target} timed out after ${ms} ms`), stage);
  }

  /** The error reported to handlers.close for an 'error' on an open connection. */
  protected closingError(err: Error): Error {
    return err;
  }

  // ---------------------------------------------------------------------------------------
  // the life cycle

  /**
   * open() over a connection being dialed: resolves once `ready` fires; rejects on an error,
   * a close, or after `timeoutMs` (0 or undefined: no limit).
   */
  protected dial(conn: C, ready: string, handlers: TransportHandlers, timeoutMs: number | undefined, stage = DIALING): Promise<void> {
    this.take(conn, handlers);
    return new Promise<void>((resolve, reject) => {
      const timer = timeoutMs !== undefined && timeoutMs > 0 ? setTimeout(SocketTransport.onOpenTimeout, timeoutMs, this, timeoutMs) : undefined;
      this.opening = { resolve, reject, timer, ready, stage };
      conn.once(ready, SocketTransport.onReady);
      conn.once('error', SocketTransport.onOpenError);
      // destroy() called while still connecting (e.g. disconnect() during connect).
      conn.once('close', SocketTransport.onOpenAbort);
    });
  }

  /** open() over a connection that is already up (a proxy tunnel). */
  protected adopt(conn: C, handlers: TransportHandlers): Promise<void> {
    this.take(conn, handlers);
    this.listen(conn);
    this.open_ = true;
    return Promise.resolve();
  }

  /** Lets the shared listeners on `emitter` find this transport. */
  protected own(emitter: EventEmitter): void {
    (emitter as Owned)[OWNER] = this as unknown as SocketTransport<Connection>;
  }

  private take(conn: C, handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.error = undefined;
    this.conn = conn;
    this.own(conn);
  }

  private settle(err: Error | null): void {
    const opening = this.opening;
    const conn = this.conn;
    if (opening === null || conn === null) return;
    this.opening = null;
    if (opening.timer !== undefined) clearTimeout(opening.timer);
    conn.off(opening.ready, SocketTransport.onReady);
    conn.off('error', SocketTransport.onOpenError);
    conn.off('close', SocketTransport.onOpenAbort);
    conn.off('connect', SocketTransport.onConnected);
    if (err === null) {
      this.listen(conn);
      this.open_ = true;
      opening.resolve();
      return;
    }
    // discard() makes 'close' come later, with no listener of ours left to see it.
    this.discard(conn);
    this.conn = null;
    this.handlers = null;
    opening.reject(err);
  }

  /** 'close' is the connection's last event: safe to drop the 'error' listener from here on. */
  private closed(): void {
    const conn = this.conn;
    const handlers = this.handlers;
    if (conn !== null) this.unlisten(conn);
    this.conn = null;
    this.handlers = null;
    this.open_ = false;
    const error = this.error;
    this.error = undefined;
    handlers?.close(error);
  }

  // ---------------------------------------------------------------------------------------
  // the shared listeners: `this` is the emitter, its OWNER the transport

  private static onReady(this: EventEmitter): void {
    (this as Owned)[OWNER].settle(null);
  }

  private static onOpenError(this: EventEmitter, err: Error): void {
    const t = (this as Owned)[OWNER];
    t.settle(t.openFailure(err, t.opening?.stage ?? DIALING));
  }

  private static onOpenAbort(this: EventEmitter): void {
    const t = (this as Owned)[OWNER];
    t.settle(new Error(`connect to ${t.target} aborted`));
  }

  private static onOpenTimeout(t: SocketTransport<Connection>, ms: number): void {
    t.settle(t.timeoutFailure(ms, t.opening?.stage ?? DIALING));
  }

  /** TCP is up under a TLS or WebSocket handshake. */
  protected static onConnected(this: EventEmitter): void {
    const opening = (this as Owned)[OWNER].opening;
    if (opening !== null && opening.stage < CONNECTED) opening.stage = CONNECTED;
  }

  /** TLS is up under a WebSocket upgrade. */
  protected static onSecured(this: EventEmitter): void {
    const opening = (this as Owned)[OWNER].opening;
    if (opening !== null) opening.stage = SECURED;
  }

  protected static onData(this: EventEmitter, chunk: Buffer): void {
    (this as Owned)[OWNER].handlers?.data(chunk);
  }

  protected static onError(this: EventEmitter, err: Error): void {
    const t = (this as Owned)[OWNER];
    t.error ??= t.closingError(err);
  }

  protected static onDrain(this: EventEmitter): void {
    (this as Owned)[OWNER].handlers?.drain?.();
  }

  protected static onClose(this: EventEmitter): void {
    (this as Owned)[OWNER].closed();
  }
}
