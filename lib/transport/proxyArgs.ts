/**
 * proxySet()'s arguments (paho's proxy_set(**proxy_args), the keys PySocks'
 * create_connection takes) checked once, at the call, into the settings each connection
 * attempt dials through (proxyDial.ts).
 *
 * Defaults are PySocks': port 1080 for SOCKS, 8080 for HTTP (a port of 0 or none means the
 * default, as PySocks' `proxy_port or DEFAULT_PORTS[type]`); the broker's host name is
 * resolved by the proxy (`proxy_rdns` true) unless told otherwise.
 */
import * as net from 'node:net';
import { ValueError } from '../errors';

/** The proxy protocols proxySet() takes: SOCKS5, SOCKS4 or HTTP CONNECT. */
export type ProxyType = 'socks5' | 'socks4' | 'http';

/** PySocks' constants (socks.SOCKS4 = 1, socks.SOCKS5 = 2, socks.HTTP = 3), accepted as proxy_type so ported code keeps its numbers. */
const PYSOCKS_TYPES: Record<number, ProxyType> = { 1: 'socks4', 2: 'socks5', 3: 'http' };

const DEFAULT_PORTS: Record<ProxyType, number> = { socks4: 1080, socks5: 1080, http: 8080 };

/** proxySet()'s argument: paho's keyword arguments, with paho's names. */
export interface ProxyArgs {
  /** 'socks5', 'socks4' (4a when the proxy resolves names) or 'http' (HTTP CONNECT); also PySocks' numbers 2, 1, 3. */
  proxy_type: ProxyType | 1 | 2 | 3;
  /** The proxy's host name or IP address. */
  proxy_addr: string;
  /** The proxy's port; absent, null or 0: 1080 (SOCKS) or 8080 (HTTP). */
  proxy_port?: number | null;
  /** true (default): the proxy resolves the broker's host name; false: it is resolved here and the proxy gets an address. */
  proxy_rdns?: boolean | null;
  /** SOCKS5 and HTTP: the user name (used only with a password, as PySocks); SOCKS4: the user id. */
  proxy_username?: string | null;
  /** SOCKS5 (username/password method) and HTTP (Basic Proxy-Authorization). */
  proxy_password?: string | null;
}

/** A checked proxy: what the dial step needs. */
export interface ProxySettings {
  type: ProxyType;
  host: string;
  port: number;
  rdns: boolean;
  username: string | undefined;
  password: string | undefined;
}

const KEYS = ['proxy_type', 'proxy_addr', 'proxy_port', 'proxy_rdns', 'proxy_username', 'proxy_password'];

function absent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

function optionalString(v: unknown, name: string): string | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw new ValueError(`${name}: must be a string, got ${typeof v}`);
  // PySocks tests `if username:`: an empty one is no user name.
  return v === '' ? undefined : v;
}

/**
 * Checks proxySet()'s argument and returns the settings; throws ValueError naming the key
 * for a missing or bad value, or a key that is not one of paho's (a typo would otherwise
 * leave the connection unproxied without a word).
 */
export function proxySettingsFrom(args: unknown, what = 'proxySet'): ProxySettings {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new ValueError(`${what}: takes an object { proxy_type, proxy_addr, proxy_port?, proxy_rdns?, proxy_username?, proxy_password? }`);
  }
  const a = args as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (!KEYS.includes(key)) throw new ValueError(`${key}: not an argument of ${what}(); they are ${KEYS.join(', ')}`);
  }
  const rawType = a.proxy_type;
  const type = typeof rawType === 'number' ? PYSOCKS_TYPES[rawType] : rawType;
  if (type !== 'socks5' && type !== 'socks4' && type !== 'http') {
    throw new ValueError(`proxy_type: must be 'socks5', 'socks4' or 'http' (or PySocks' SOCKS5 = 2, SOCKS4 = 1, HTTP = 3), got ${JSON.stringify(rawType)}`);
  }
  if (typeof a.proxy_addr !== 'string' || a.proxy_addr === '') {
    throw new ValueError(`proxy_addr: must be the proxy's host name or address, got ${JSON.stringify(a.proxy_addr)}`);
  }
  // PySocks strips IPv6 brackets: '[::1]' and '::1' are the same proxy.
  const host = a.proxy_addr.startsWith('[') ? a.proxy_addr.replace(/^\[|\]$/g, '') : a.proxy_addr;
  let port = DEFAULT_PORTS[type];
  if (!absent(a.proxy_port) && a.proxy_port !== 0) {
    const p = a.proxy_port;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
      throw new ValueError(`proxy_port: must be an integer from 1 to 65535 (or absent for ${port}), got ${JSON.stringify(p)}`);
    }
    port = p;
  }
  if (!absent(a.proxy_rdns) && typeof a.proxy_rdns !== 'boolean') {
    throw new ValueError(`proxy_rdns: must be true or false, got ${typeof a.proxy_rdns}`);
  }
  const username = optionalString(a.proxy_username, 'proxy_username');
  const password = optionalString(a.proxy_password, 'proxy_password');
  if (type === 'socks5' && username !== undefined && password !== undefined) {
    // RFC 1929: each is sent with a one-byte length.
    if (Buffer.byteLength(username) > 255) throw new ValueError('proxy_username: SOCKS5 allows at most 255 bytes');
    if (Buffer.byteLength(password) > 255) throw new ValueError('proxy_password: SOCKS5 allows at most 255 bytes');
  }
  if (type === 'socks4' && username !== undefined && username.includes('\0')) {
    throw new ValueError('proxy_username: a SOCKS4 user id cannot contain a NUL character');
  }
  return { type, host, port, rdns: a.proxy_rdns ?? true, username, password };
}

/** 'SOCKS5 proxy 127.0.0.1:1080': how messages name a proxy. */
export function describeProxy(p: ProxySettings): string {
  const host = net.isIPv6(p.host) ? `[${p.host}]` : p.host;
  return `${p.type === 'http' ? 'HTTP' : p.type.toUpperCase()} proxy ${host}:${p.port}`;
}
