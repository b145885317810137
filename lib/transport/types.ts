/**
 * transport/: how bytes reach a broker. This file is the one interface every transport
 * implements, so the Client never knows which it drives. A transport moves bytes and reports
 * that the connection is gone; it knows nothing of MQTT.
 *
 * - socketLifecycle.ts: the life cycle tcp, tls, unix and websocket share (open with a connect
 *   timeout, listeners, teardown, error helpers); stream.ts: its net.Socket half;
 * - tcp.ts, unix.ts, tls.ts, websocket.ts (+ wsHandshake.ts): only what differs, how to dial
 *   and how to write (for ws, the framing);
 * - tlsOptions.ts: tlsSet's settings (read again per attempt with reloadOnReconnect) and TLS
 *   errors in words; proxied.ts, proxyDial.ts, proxyArgs.ts, proxyEnv.ts: connecting through a
 *   proxy; srv.ts: DNS SRV lookup;
 * - memory.ts: an in-memory pair for tests.
 */

/** What a transport calls back into. Set once, by open(), before any byte can arrive. */
export interface TransportHandlers {
  /** Bytes received. The Buffer belongs to the handler (the transport does not reuse it). */
  data(chunk: Buffer): void;
  /** Called once, when the connection is gone for any reason; `error` when it failed. */
  close(error?: Error): void;
  /**
   * Optional: called when the OS buffer has room again after write() returned false
   * (backpressure), so the caller can resume writing without polling pendingBytes.
   */
  drain?(): void;
}

/** A byte stream to the broker (TCP, TLS, Unix socket, WebSocket, in-memory); a custom `createTransport` returns one. */
export interface Transport {
  /**
   * Opens the connection; rejects (and cleans up) on failure. Handlers are set before open.
   * When open() rejects, handlers.close is never called: the rejection is the only report.
   */
  open(handlers: TransportHandlers): Promise<void>;
  /** Writes all chunks as one write (cork/uncork or writev). Returns false when the OS buffer is full (backpressure) or the transport is closed. */
  write(chunks: Buffer[]): boolean;
  /** Bytes queued in the transport not yet handed to the OS. */
  readonly pendingBytes: number;
  /** Graceful close: flush queued writes, then close. */
  end(): void;
  /** Immediate close, drops queued writes. */
  destroy(): void;
  /** Stops data() calls until resume(); bytes wait in the OS buffer (TCP flow control). */
  pause(): void;
  /** Lets data() calls flow again after pause(). */
  resume(): void;
  /** True from a successful open() until end(), destroy() or the connection closing. */
  readonly isOpen: boolean;
  /** The underlying socket object (net.Socket for TCP), for Client.socket(); null when closed. */
  readonly socket: unknown;
}
