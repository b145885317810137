/**
 * The failover list (the `servers` option): its entries checked at construction, and the MQTT 5
 * Server Reference a broker may send to move the client elsewhere. The rotation itself (which
 * server each attempt takes, when to wait) is the Connector's (reconnect.ts).
 */
import { closestName } from '../closestName';
import { ValueError } from '../errors';
import type { PacketProperties } from '../protocol/types';
import { TlsSetOptions, TlsSettings, tlsSettingsFrom } from '../transport/tlsOptions';
import { parseBrokerUri } from '../transport/uri';

/** One entry of `servers` in object form. */
export interface ServerOption {
  /** Host name or address (with `transport: 'unix'`: the socket's path). */
  host: string;
  /** Default 1883 (8883 with `tls`); with `transport: 'websockets'` 80 (443 with `tls`). */
  port?: number;
  /** This server's transport; absent: the client's `transport`. */
  transport?: 'tcp' | 'websockets' | 'unix';
  /**
   * true: TLS with tlsSet()'s settings, or without tlsSet() the secure defaults (system CAs,
   * host-name check); an object: TLS with these tlsSet() options for this server only; false:
   * no TLS even when tlsSet() was called; absent: as the client (TLS when tlsSet() was called).
   */
  tls?: boolean | TlsSetOptions;
  /** The WebSocket URL path (with `transport: 'websockets'` only), e.g. '/mqtt'; absent: wsSetOptions()'s. */
  path?: string;
}

/** A server resolved: where, and how (undefined: the client's own setting). */
export interface Server {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'websockets' | 'unix' | undefined;
  /** true: TLS (tlsSet()'s settings or the secure defaults); false: none; settings: its own; undefined: the client's. */
  readonly tls: boolean | TlsSettings | undefined;
  /** ws:// / wss:// URL path; undefined: wsSetOptions()'s. */
  readonly wsPath: string | undefined;
  /** Reached through a Server Reference (a broker's redirect), not the list. */
  readonly referred: boolean;
}

const SERVER_KEYS: ReadonlySet<string> = new Set<keyof ServerOption>(['host', 'port', 'transport', 'tls', 'path']);

/** `servers` checked: a ValueError naming the bad entry (servers[i]) and what is wrong. */
export function checkServers(value: unknown): Server[] {
  if (!Array.isArray(value)) throw new ValueError(`servers: must be a list of servers ({ host, port } or 'mqtt://host:port'), got ${typeof value}`);
  if (value.length === 0) throw new ValueError('servers: the list is empty');
  return value.map((entry, i) => (typeof entry === 'string' ? serverFromUrl(entry, `servers[${i}]`) : serverFromObject(entry, `servers[${i}]`)));
}

/** 'mqtt://h:1883', 'mqtts://h', 'ws://h/mqtt', 'wss://h', or 'unix:///path/to/socket'. */
function serverFromUrl(url: string, name: string): Server {
  const unix = /^unix:\/\/(.*)$/i.exec(url);
  if (unix !== null) {
    if (!unix[1].startsWith('/')) throw new ValueError(`${name}: '${url}': a unix:// URL names an absolute socket path (unix:///run/mosquitto.sock)`);
    return { host: unix[1], port: 1883, transport: 'unix', tls: false, wsPath: undefined, referred: false };
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1].toLowerCase();
  if (scheme !== undefined && !['mqtt', 'mqtts', 'ws', 'wss'].includes(scheme)) {
    throw new ValueError(`${name}: unsupported scheme '${scheme}' (use mqtt, mqtts, ws, wss or unix)`);
  }
  let u;
  try {
    u = parseBrokerUri(url);
  } catch (e) {
    // parseBrokerUri never echoes a password; neither do we (the entry is named by its index).
    throw new ValueError(`${name}: ${(e as Error).message.replace(/^uri: /, '')}`);
  }
  if (u.username !== undefined) throw new ValueError(`${name}: no user name or password in a server URL; give them to usernamePwSet()`);
  return {
    host: u.host, port: u.port, transport: u.websocket ? 'websockets' : 'tcp', tls: u.secure,
    wsPath: u.websocket && u.path !== '/' ? u.path : undefined, referred: false,
  };
}

function serverFromObject(o: unknown, name: string): Server {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ValueError(`${name}: must be { host, port?, transport?, tls?, path? } or a URL string`);
  for (const key of Object.keys(o)) {
    if (SERVER_KEYS.has(key)) continue;
    const hint = closestName(key, SERVER_KEYS);
    throw new ValueError(`${name}: unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; keys are host, port, transport, tls, path`);
  }
  const s = o as ServerOption;
  if (typeof s.host !== 'string' || s.host === '') throw new ValueError(`${name}.host: must be a non-empty string`);
  const transport = s.transport;
  if (transport !== undefined && transport !== 'tcp' && transport !== 'websockets' && transport !== 'unix') {
    throw new ValueError(`${name}.transport: must be 'tcp', 'websockets' or 'unix', got ${String(transport)}`);
  }
  let tls: Server['tls'];
  if (s.tls === undefined || typeof s.tls === 'boolean') tls = s.tls;
  else if (typeof s.tls === 'object' && s.tls !== null) tls = tlsSettingsFrom(s.tls); // checked now: a typo fails at construction
  else throw new ValueError(`${name}.tls: must be true, false or tlsSet() options, got ${String(s.tls)}`);
  if (transport === 'unix' && tls !== undefined && tls !== false) throw new ValueError(`${name}.tls: a Unix socket does not take TLS`);
  const secure = tls !== undefined && tls !== false;
  const port = s.port ?? (transport === 'websockets' ? (secure ? 443 : 80) : secure ? 8883 : 1883);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ValueError(`${name}.port: must be an integer from 1 to 65535, got ${String(port)}`);
  }
  const path = s.path;
  if (path !== undefined) {
    if (transport !== 'websockets') throw new ValueError(`${name}.path: a URL path is for transport 'websockets' only`);
    if (typeof path !== 'string' || !path.startsWith('/')) throw new ValueError(`${name}.path: must be a string starting with '/', got ${JSON.stringify(path) ?? String(path)}`);
  }
  return { host: s.host, port, transport, tls, wsPath: path, referred: false };
}

/** 0x9C Use another server, 0x9D Server moved: the reason codes that come with a Server Reference. */
const USE_ANOTHER_SERVER = 0x9c;
const SERVER_MOVED = 0x9d;

/**
 * The server a CONNACK or DISCONNECT sends the client to, or null. MQTT 5 §4.11: the
 * reference is "host[:port]", possibly several separated by spaces (the first is taken); a
 * missing port is the port in use; transport and TLS stay those of the server in use.
 */
export function referredServer(reasonCode: number | undefined, properties: PacketProperties | undefined, from: Server): Server | null {
  if (reasonCode !== USE_ANOTHER_SERVER && reasonCode !== SERVER_MOVED) return null;
  const ref = properties?.ServerReference?.trim().split(/\s+/)[0];
  if (ref === undefined || ref === '') return null;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(ref) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(ref);
  if (m === null) return null;
  const port = m[2] === undefined ? from.port : Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1], port, transport: from.transport, tls: from.tls, wsPath: from.wsPath, referred: true };
}

/** host:port, [v6]:port, or a Unix socket's path, for log lines. */
export function serverName(s: { host: string; port: number; transport: Server['transport'] }): string {
  if (s.transport === 'unix') return s.host;
  return s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}
