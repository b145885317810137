/**
 * A transport through a proxy (proxySet): open() dials the tunnel (proxyDial.ts), then opens
 * the real transport (tcp, tls, websockets) over it, with what is left of the connect
 * timeout; everything else is the real transport's. So TLS is negotiated with the broker
 * (its certificate checked against the broker's name, not the proxy's) and the WebSocket
 * upgrade goes to the broker, end to end through the tunnel.
 */
import type * as net from 'node:net';
import { dialThroughProxy, ProxyError } from './proxyDial';
import type { ProxySettings } from './proxyArgs';
import type { Transport, TransportHandlers } from './types';

export interface ProxiedTarget {
  host: string;
  port: number;
  bindAddress?: string;
  bindPort?: number;
  /** For the whole open(): proxy connection, tunnel, and the transport's own handshake. */
  connectTimeoutMs?: number;
}

/** Builds the real transport over a tunnel; `timeoutMs` is what remains of the connect timeout (undefined: no limit). */
export type OverTunnel = (socket: net.Socket, timeoutMs: number | undefined) => Transport;

export class ProxiedTransport implements Transport {
  private inner: Transport | null = null;
  private dialing: net.Socket | null = null;
  private aborted = false;

  constructor(
    private readonly proxy: ProxySettings,
    private readonly target: ProxiedTarget,
    private readonly over: OverTunnel,
  ) {}

  get isOpen(): boolean {
    return this.inner?.isOpen ?? false;
  }

  get socket(): unknown {
    return this.inner?.socket ?? null;
  }

  get pendingBytes(): number {
    return this.inner?.pendingBytes ?? 0;
  }

  async open(handlers: TransportHandlers): Promise<void> {
    if (this.inner !== null || this.dialing !== null) throw new Error('ProxiedTransport: already open');
    const { connectTimeoutMs } = this.target;
    const started = Date.now();
    const dial = dialThroughProxy(this.proxy, { ...this.target, timeoutMs: connectTimeoutMs });
    this.dialing = dial.socket;
    let tunnel: net.Socket;
    try {
      tunnel = await dial.tunnel;
    } catch (e) {
      if (this.aborted) throw new ProxyError(`connect to ${this.target.host}:${this.target.port} aborted`, 'ECONNABORTED', { cause: e });
      throw e;
    } finally {
      this.dialing = null;
    }
    if (this.aborted) {
      tunnel.destroy();
      throw new ProxyError(`connect to ${this.target.host}:${this.target.port} aborted`, 'ECONNABORTED');
    }
    const left = connectTimeoutMs !== undefined && connectTimeoutMs > 0 ? Math.max(1, connectTimeoutMs - (Date.now() - started)) : undefined;
    const inner = this.over(tunnel, left);
    this.inner = inner;
    await inner.open(handlers);
  }

  write(chunks: Buffer[]): boolean {
    return this.inner?.write(chunks) ?? false;
  }

  end(): void {
    if (this.inner === null) this.destroy();
    else this.inner.end();
  }

  destroy(): void {
    this.aborted = true;
    this.dialing?.destroy();
    this.inner?.destroy();
  }

  pause(): void {
    this.inner?.pause();
  }

  resume(): void {
    this.inner?.resume();
  }
}
