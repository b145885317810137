/**
 * The TLS transport: a tls.TLSSocket behind the Transport interface, built like TcpTransport
 * (listeners removed on teardown, a connect timeout, one write per call).
 *
 * open() resolves on 'secureConnect', i.e. once the broker's certificate chain and host name
 * have been verified (as the options ask). Failures are reported in words:
 * - before TCP connects (refused, unreachable, DNS): the net error, as TcpTransport reports it;
 * - once TCP is up (certificate checks, alerts, a peer that is not TLS, a handshake timeout):
 *   a TLSError (rc MQTT_ERR_TLS) from tlsError(), Node's code and error kept;
 * - after open, a TLS error that ends the connection (e.g. TLS 1.3, where a broker that wants a
 *   client certificate says so only after the client's handshake is done) is wrapped the same way
 *   before it reaches handlers.close.
 */
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { isTlsError, tlsError } from './tlsOptions';
import type { Transport, TransportHandlers } from './types';

export interface TlsTransportOptions {
  host: string;
  port: number;
  /** tls.connect options (from buildTlsConnectOptions): trust, client certificate, checks. */
  tls: tls.ConnectionOptions;
  /** Local interface address to connect from (paho's `bind_address`). */
  bindAddress?: string;
  /** Local port to connect from; 0 or absent: any. */
  bindPort?: number;
  /** Gives up (TCP connect + TLS handshake) after this many ms; 0 or absent: no limit. */
  connectTimeoutMs?: number;
  /** Called with every TLSError this transport reports (open failure or a TLS error that closes it), before it is reported. */
  onTlsError?: (err: Error) => void;
  /** An already connected socket to run TLS over instead of connecting (a proxy tunnel to host:port). */
  socket?: net.Socket;
}

function timeoutError(message: string): Error {
  const err = new Error(message) as NodeJS.ErrnoException;
  err.code = 'ETIMEDOUT';
  return err;
}

/** Node 20 reports "every address failed" as an AggregateError with an empty message: name them. */
function connectError(err: Error): Error {
  const inner = (err as { errors?: unknown }).errors;
  if (err.message === '' && Array.isArray(inner)) {
    err.message = inner.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  return err;
}

export class TlsTransport implements Transport {
  private sock: tls.TLSSocket | null = null;
  private handlers: TransportHandlers | null = null;
  private open_ = false;
  private error: Error | undefined = undefined;

  constructor(private readonly opts: TlsTransportOptions) {}

  get isOpen(): boolean {
    return this.open_;
  }

  /** The tls.TLSSocket of the connection (getPeerCertificate(), getProtocol(), ...), or null. */
  get socket(): unknown {
    return this.sock;
  }

  get pendingBytes(): number {
    return this.sock?.writableLength ?? 0;
  }

  open(handlers: TransportHandlers): Promise<void> {
    if (this.sock !== null) return Promise.reject(new Error('TlsTransport: already open'));
    const { host, port, bindAddress, bindPort, connectTimeoutMs } = this.opts;
    // tls.connect passes localAddress/localPort on to net.connect (@types/node omits them).
    const connectOpts: tls.ConnectionOptions & { localAddress?: string; localPort?: number } = { ...this.opts.tls, host, port };
    if (bindAddress) connectOpts.localAddress = bindAddress;
    if (bindPort) connectOpts.localPort = bindPort;
    // Over a tunnel, `host` still names the broker: its certificate is checked against it.
    if (this.opts.socket !== undefined) connectOpts.socket = this.opts.socket;
    this.handlers = handlers;
    this.error = undefined;
    const sock = tls.connect(connectOpts);
    this.sock = sock;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let tcpUp = this.opts.socket !== undefined;
      const settle = (err: Error | null): void => {
        if (timer !== undefined) clearTimeout(timer);
        sock.off('connect', onTcp);
        sock.off('secureConnect', onSecure);
        sock.off('error', onFail);
        sock.off('close', onAbort);
        if (err === null) {
          this.attach(sock);
          resolve();
          return;
        }
        sock.destroy();
        this.sock = null;
        this.handlers = null;
        reject(err);
      };
      // Once TCP is up, whatever goes wrong is the TLS handshake's failure.
      const failure = (err: Error): Error => (tcpUp || isTlsError(err) ? this.reportTls(err) : connectError(err));
      const onTcp = (): void => {
        tcpUp = true;
      };
      const onSecure = (): void => settle(null);
      const onFail = (err: Error): void => settle(failure(err));
      const onAbort = (): void => settle(new Error(`connect to ${host}:${port} aborted`));
      sock.once('connect', onTcp);
      sock.once('secureConnect', onSecure);
      sock.once('error', onFail);
      sock.once('close', onAbort);
      if (connectTimeoutMs !== undefined && connectTimeoutMs > 0) {
        timer = setTimeout(() => {
          const what = tcpUp ? `TLS handshake with ${host}:${port}` : `connect to ${host}:${port}`;
          settle(failure(timeoutError(`${what} timed out after ${connectTimeoutMs} ms`)));
        }, connectTimeoutMs);
      }
    });
  }

  write(chunks: Buffer[]): boolean {
    const sock = this.sock;
    if (sock === null || !this.open_) return false;
    if (chunks.length === 1) return sock.write(chunks[0]);
    // Corked: the chunks go to OpenSSL together, so they leave in as few TLS records as they fit.
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

  private reportTls(err: Error): Error {
    const wrapped = tlsError(err);
    try {
      this.opts.onTlsError?.(wrapped);
    } catch {
      /* a failing reporter must not change what the caller sees */
    }
    return wrapped;
  }

  private attach(sock: tls.TLSSocket): void {
    sock.setNoDelay(true);
    sock.on('data', this.onData);
    sock.on('error', this.onError);
    sock.on('close', this.onClose);
    sock.on('drain', this.onDrain);
    this.open_ = true;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.handlers?.data(chunk);
  };

  private readonly onError = (err: Error): void => {
    this.error ??= isTlsError(err) ? this.reportTls(err) : err;
  };

  private readonly onDrain = (): void => {
    this.handlers?.drain?.();
  };

  private readonly onClose = (): void => {
    const sock = this.sock;
    const handlers = this.handlers;
    if (sock !== null) {
      sock.off('data', this.onData);
      sock.off('error', this.onError);
      sock.off('close', this.onClose);
      sock.off('drain', this.onDrain);
    }
    this.sock = null;
    this.handlers = null;
    this.open_ = false;
    const error = this.error;
    this.error = undefined;
    handlers?.close(error);
  };
}
