/**
 * Broker URIs, as MQTTClient.connect(uri), the CLI's --url and the Client's `servers` list take
 * them (amqtt's forms): `mqtt://`, `mqtts://`, `ws://`, `wss://`, with optional
 * `user:password@` (percent-decoded) and port. Default ports: mqtt 1883, mqtts 8883, ws 80,
 * wss 443. For ws/wss the path (and query) is the WebSocket request path ('/' when absent);
 * for mqtt/mqtts the path is ignored.
 */
import { ValueError } from '../errors';

export type BrokerScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

export interface BrokerUri {
  scheme: BrokerScheme;
  host: string;
  port: number;
  /** TLS: mqtts or wss. */
  secure: boolean;
  /** WebSockets: ws or wss. */
  websocket: boolean;
  /** WebSocket request path with query, e.g. '/mqtt' ('/' when the URI has none). */
  path: string;
  username?: string;
  password?: string;
}

export const DEFAULT_PORTS: Readonly<Record<BrokerScheme, number>> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ValueError(`uri: the ${what} is not valid percent-encoding`);
  }
}

/** Parses a broker URI; throws ValueError naming what is wrong. Never echoes the password. */
export function parseBrokerUri(uri: string): BrokerUri {
  if (typeof uri !== 'string' || uri === '') throw new ValueError('uri: must be a non-empty string such as mqtt://localhost:1883/');
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri);
  if (m === null) throw new ValueError(`uri: must start with mqtt://, mqtts://, ws:// or wss://`);
  const scheme = m[1].toLowerCase();
  if (scheme !== 'mqtt' && scheme !== 'mqtts' && scheme !== 'ws' && scheme !== 'wss') {
    throw new ValueError(`uri: unsupported scheme '${scheme}' (use mqtt, mqtts, ws or wss)`);
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // The password may be what broke it: name the scheme only.
    throw new ValueError(`uri: not a valid ${scheme}:// URI`);
  }
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') throw new ValueError('uri: no host name');
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ValueError(`uri: port must be from 1 to 65535`);
  const out: BrokerUri = {
    scheme, host, port, secure: scheme === 'mqtts' || scheme === 'wss', websocket: scheme === 'ws' || scheme === 'wss',
    path: (url.pathname === '' ? '/' : url.pathname) + url.search,
  };
  if (url.username !== '') out.username = decode(url.username, 'user name');
  if (url.password !== '') out.password = decode(url.password, 'password');
  return out;
}
