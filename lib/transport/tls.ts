/**
 * The TLS transport: a tls.TLSSocket behind the Transport interface. The life cycle is
 * StreamTransport's; this file dials, writes, and says what a failure means.
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
import { CONNECTED, connectError, DIALING, SocketTransport, timeoutError } from './socketLifecycle';
import { DIRECT_READ, StreamTransport } from './stream';
import { isTlsError, reportTlsError } from './tlsOptions';
import type { TransportHandlers } from './types';

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

export class TlsTransport extends StreamTransport<tls.TLSSocket> {
  constructor(private readonly opts: TlsTransportOptions) {
    super();
  }

  protected get target(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  open(handlers: TransportHandlers): Promise<void> {
    if (this.conn !== null) return Promise.reject(new Error('TlsTransport: already open'));
    const { host, port, bindAddress, bindPort, connectTimeoutMs, socket } = this.opts;
    // tls.connect passes localAddress/localPort on to net.connect (@types/node omits them).
    const connectOpts: tls.ConnectionOptions & { localAddress?: string; localPort?: number; onread?: typeof DIRECT_READ } = { ...this.opts.tls, host, port };
    if (bindAddress) connectOpts.localAddress = bindAddress;
    if (bindPort) connectOpts.localPort = bindPort;
    // Over a tunnel, `host` still names the broker: its certificate is checked against it.
    if (socket !== undefined) connectOpts.socket = socket;
    else connectOpts.onread = DIRECT_READ; // decrypted bytes straight to the handler (stream.ts); tls ignores it over a given socket
    const sock = tls.connect(connectOpts);
    sock.once('connect', SocketTransport.onConnected);
    return this.dial(sock, 'secureConnect', handlers, connectTimeoutMs, socket !== undefined ? CONNECTED : DIALING);
  }

  write(chunks: Buffer[]): boolean {
    const sock = this.conn;
    if (sock === null || !this.open_) return false;
    if (chunks.length === 1) return sock.write(chunks[0]);
    // Corked: the chunks go to OpenSSL together, so they leave in as few TLS records as they fit.
    sock.cork();
    let ok = true;
    for (const chunk of chunks) ok = sock.write(chunk);
    sock.uncork();
    return ok;
  }

  /** Once TCP is up, whatever goes wrong is the TLS handshake's failure. */
  protected override openFailure(err: Error, stage: number): Error {
    return stage >= CONNECTED || isTlsError(err) ? reportTlsError(err, this.opts.onTlsError) : connectError(err);
  }

  protected override timeoutFailure(ms: number, stage: number): Error {
    const what = stage >= CONNECTED ? `TLS handshake with ${this.target}` : `connect to ${this.target}`;
    return this.openFailure(timeoutError(`${what} timed out after ${ms} ms`), stage);
  }

  protected override closingError(err: Error): Error {
    return isTlsError(err) ? reportTlsError(err, this.opts.onTlsError) : err;
  }
}
