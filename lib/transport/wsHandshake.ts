/**
 * The WebSocket opening handshake, apart from the socket: the headers sent (paho's defaults,
 * merged with or computed from wsSetOptions' headers) and the errors a failed upgrade reads as.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { ValueError } from '../errors';

/** Extra handshake headers: an object merged over the defaults, or a function of the defaults returning the headers to send (paho's ws_set_options). */
export type WsHeaders = Record<string, string> | ((defaults: Record<string, string>) => Record<string, string>);

/** Headers the WebSocket handshake itself owns: ws sets them; user values are ignored. */
const HANDSHAKE_OWNED = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

/**
 * paho's WebsocketConnectionError: the WebSocket handshake failed. Every handshake failure
 * the transport reports is one (a WebSocketHandshakeError, which adds the details), so
 * `catch (e) { if (e instanceof WebsocketConnectionError) ... }` ports paho's `except`.
 */
export class WebsocketConnectionError extends Error {
  /** An Error named WebsocketConnectionError. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WebsocketConnectionError';
  }
}

/** A refused or malformed WebSocket upgrade (a WebsocketConnectionError); `status` is the HTTP status when there was one. */
export class WebSocketHandshakeError extends WebsocketConnectionError {
  /** 'ERR_WEBSOCKET_HANDSHAKE', or the socket's code (ECONNRESET, ...) when the connection dropped during the upgrade. */
  readonly code: string;
  /** `options.code` defaults to 'ERR_WEBSOCKET_HANDSHAKE'. */
  constructor(
    message: string,
    /** The HTTP status of the refused upgrade, when there was one. */
    readonly status?: number,
    options?: ErrorOptions & { code?: string },
  ) {
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

/** What ws's error during the upgrade (TCP and TLS up) means, in words; `asked` lists the subprotocols offered. */
export function handshakeError(err: Error, url: string, asked: string): WebSocketHandshakeError {
  const status = /^Unexpected server response: (\d+)$/.exec(err.message);
  if (status !== null) {
    const code = Number(status[1]);
    return new WebSocketHandshakeError(
      `WebSocket handshake with ${url} refused: HTTP ${code} ${http.STATUS_CODES[code] ?? ''}`.trimEnd() +
        (code === 404 ? ' (wrong path? see wsSetOptions)' : code === 401 || code === 403 ? ' (see wsSetOptions headers)' : ''),
      code, { cause: err });
  }
  if (/subprotocol/i.test(err.message)) {
    return new WebSocketHandshakeError(
      `WebSocket handshake with ${url} failed: the server did not accept subprotocol ${asked} (${err.message})`,
      undefined, { cause: err });
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new WebSocketHandshakeError(
      `WebSocket handshake with ${url} failed: the server closed the connection (${err.message}); is this a WebSocket port?`,
      undefined, { cause: err, code });
  }
  return new WebSocketHandshakeError(`WebSocket handshake with ${url} failed: ${err.message}`, undefined, { cause: err, code });
}
