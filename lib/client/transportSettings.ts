/**
 * How a Client opens its connections: the TLS settings (tlsSet/tlsSetContext/tlsInsecureSet),
 * the WebSocket path and headers (wsSetOptions), the proxy (proxySet), and the built-in
 * transport made from them for each attempt (TCP, TLS, WebSockets, Unix socket). The Client's
 * public methods delegate here.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { ValueError } from '../errors';
import { MQTT_LOG_ERR } from '../constants';
import { ProxiedTransport } from '../transport/proxied';
import { ProxyArgs, ProxySettings, proxySettingsFrom } from '../transport/proxyArgs';
import { proxyFromEnvironment } from '../transport/proxyEnv';
import { TcpTransport, TcpTransportOptions } from '../transport/tcp';
import { TlsTransport } from '../transport/tls';
import { UnixTransport } from '../transport/unix';
import {
  buildTlsConnectOptions, reloadedTlsSettings, TlsSetOptions, TlsSettings, tlsSettingsFrom, tlsSettingsFromContext,
} from '../transport/tlsOptions';
import { WebSocketTransport, WsHeaders } from '../transport/websocket';
import type { Transport } from '../transport/types';
import type { ConnectTarget } from './options';

/** One server's own choices (the `servers` list): its TLS (null: none; undefined: the client's) and WebSocket path. */
export interface ServerOverrides {
  tls: TlsSettings | null | undefined;
  wsPath: string | undefined;
}

export class TransportSettings {
  /** TLS settings (tlsSet/tlsSetContext); null: plain TCP / ws://. */
  tls: TlsSettings | null = null;
  wsPath = '/mqtt';
  wsHeaders: WsHeaders | undefined = undefined;
  /** proxySet(); null: connect directly. */
  proxy: ProxySettings | null = null;

  /** Client.tlsSet. */
  setTls(opts?: TlsSetOptions): void {
    if (this.tls !== null) throw new ValueError('tlsSet: TLS is already configured for this client (tlsSet/tlsSetContext are called once)');
    this.tls = tlsSettingsFrom(opts);
  }

  /** Client.tlsSetContext. */
  setTlsContext(ctx?: tls.SecureContext | tls.ConnectionOptions): void {
    if (this.tls !== null) throw new ValueError('context: TLS is already configured for this client (tlsSet/tlsSetContext are called once)');
    this.tls = tlsSettingsFromContext(ctx);
  }

  /** Client.tlsInsecureSet. */
  setTlsInsecure(value: boolean): void {
    if (typeof value !== 'boolean') throw new ValueError(`value: must be true or false, got ${typeof value}`);
    if (this.tls === null) throw new ValueError('value: configure TLS with tlsSet() or tlsSetContext() before tlsInsecureSet()');
    this.tls = value ? { ...this.tls, insecure: true } : { ...this.tls, insecure: false, verify: true };
  }

  /** Client.wsSetOptions. */
  setWsOptions(path = '/mqtt', headers?: WsHeaders | null): void {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new ValueError(`path: must be a string starting with '/', got ${JSON.stringify(path)}`);
    if (headers !== undefined && headers !== null && typeof headers !== 'function' && (typeof headers !== 'object' || Array.isArray(headers))) {
      throw new ValueError('headers: must be an object or a function of the default headers');
    }
    this.wsPath = path;
    this.wsHeaders = headers ?? undefined;
  }

  /** Client.proxySet: takes effect from the next connection attempt, as in paho. A Unix socket cannot be proxied. */
  setProxy(args: ProxyArgs, transport: ConnectTarget['transport']): void {
    const proxy = proxySettingsFrom(args);
    if (transport === 'unix') throw new ValueError("proxySet: a client with transport 'unix' connects to a socket path and cannot go through a proxy");
    this.proxy = proxy;
  }

  /** The transport for one attempt: TCP, TLS or WebSockets (ws:// or wss://), from the options and tlsSet; through the proxy when one is set (proxySet or the environment). */
  build(target: ConnectTarget, protocolLevel: number | undefined, log: (level: number, text: string) => void, server?: ServerOverrides): Transport {
    if (target.transport === 'unix') return new UnixTransport({ path: target.host, connectTimeoutMs: target.connectTimeoutMs });
    // A server of the failover list may carry its own TLS choice; otherwise tlsSet's.
    const tls = server?.tls !== undefined ? server.tls : this.tls;
    // reloadOnReconnect: the TLS files as they are now, read before any socket (a failure ends this attempt).
    const tlsNow = tls?.reload !== undefined ? this.reloadTls(tls, target, log) : tls;
    // Without proxySet(), paho takes mqtt_proxy / no_proxy from the environment, read at each attempt.
    const proxy = this.proxy ?? proxyFromEnvironment(target.host);
    if (proxy === null) return this.direct(target, protocolLevel, log, undefined, target.connectTimeoutMs, tlsNow, server);
    const { host, port, bindAddress, bindPort, connectTimeoutMs } = target;
    return new ProxiedTransport(proxy, { host, port, bindAddress, bindPort, connectTimeoutMs },
      (tunnel, timeoutMs) => this.direct(target, protocolLevel, log, tunnel, timeoutMs, tlsNow, server));
  }

  /** tlsSet({ reloadOnReconnect: true }): the files read again; a TLSError (logged) when they cannot be. */
  private reloadTls(tls: TlsSettings, target: ConnectTarget, log: (level: number, text: string) => void): TlsSettings {
    try {
      return reloadedTlsSettings(tls);
    } catch (e) {
      log(MQTT_LOG_ERR, `TLS error with ${target.host}:${target.port}: ${(e as Error).message}`);
      throw e;
    }
  }

  /** TCP, TLS or WebSockets to the target: connecting, or over `tunnel` when given. */
  private direct(target: ConnectTarget, protocolLevel: number | undefined, log: (level: number, text: string) => void,
    tunnel: net.Socket | undefined, connectTimeoutMs: number | undefined, tlsNow: TlsSettings | null, server?: ServerOverrides): Transport {
    const tlsOpts = tlsNow === null ? undefined : buildTlsConnectOptions(tlsNow, target.host);
    const onTlsError = (e: Error): void => log(MQTT_LOG_ERR, `TLS error with ${target.host}:${target.port}: ${e.message}`);
    // Only the options in use: the transport keeps this object, and each absent option would
    // still be a field of it for every connection (idle memory is benchmarked).
    const common: TcpTransportOptions = { host: target.host, port: target.port, connectTimeoutMs };
    if (target.bindAddress) common.bindAddress = target.bindAddress;
    if (target.bindPort) common.bindPort = target.bindPort;
    if (tunnel !== undefined) common.socket = tunnel;
    if (target.transport === 'websockets') {
      return new WebSocketTransport({
        ...common, path: server?.wsPath ?? this.wsPath, headers: this.wsHeaders, tls: tlsOpts, protocolLevel, onTlsError,
      });
    }
    return tlsOpts === undefined ? new TcpTransport(common) : new TlsTransport({ ...common, tls: tlsOpts, onTlsError });
  }
}
