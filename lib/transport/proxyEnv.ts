/**
 * The proxy from the environment, as paho takes it when proxySet() was not called:
 * `mqtt_proxy` (or MQTT_PROXY; the lower-case name wins, and an empty lower-case one turns
 * it off) holding `http://host[:port]` (HTTP CONNECT) or `socks://host[:port]` (SOCKS5), unless
 * `no_proxy` (or NO_PROXY) lists the broker: `*`, or comma-separated names matched exactly
 * or as a domain suffix. Other schemes mean no proxy. As in paho, credentials in the URL are
 * not used, the port defaults to PySocks' (8080 / 1080), and the proxy resolves the broker's name.
 * These are urllib's getproxies_environment() / proxy_bypass_environment() rules, which paho calls.
 */
import { ValueError } from '../errors';
import { proxySettingsFrom, type ProxySettings } from './proxyArgs';

type Env = Record<string, string | undefined>;

/**
 * `<scheme>_proxy` variables by scheme, lower-case names taking precedence (urllib's two passes).
 * process.env is read through the C++ environment on every access, and this runs at every
 * connection attempt: the names are listed once and only the `*_proxy` values are read.
 */
function proxiesFromEnv(env: Env): Map<string, string> {
  const names = Object.keys(env).filter((name) => name.length > 6 && name.slice(-6).toLowerCase() === '_proxy');
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  for (const name of names) {
    const value = env[name];
    if (value) out.set(name.toLowerCase().slice(0, -6), value);
  }
  for (const name of names) {
    if (!name.endsWith('_proxy')) continue;
    const value = env[name];
    const scheme = name.toLowerCase().slice(0, -6);
    if (value) out.set(scheme, value);
    else out.delete(scheme);
  }
  return out;
}

/** True when `no_proxy` exempts `host` (urllib's proxy_bypass_environment). */
function bypassed(host: string, noProxy: string | undefined): boolean {
  if (noProxy === undefined) return false;
  if (noProxy === '*') return true;
  const h = host.toLowerCase();
  // urllib's _splitport: "name:digits" loses the port; a bare trailing ':' keeps it.
  const m = /^([\s\S]*):([0-9]*)$/.exec(h);
  const hostOnly = m !== null && m[2] !== '' ? m[1] : h;
  for (const raw of noProxy.split(',')) {
    const name = raw.trim().replace(/^\.+/, '').toLowerCase();
    if (name === '') continue;
    if (hostOnly === name || h === name) return true;
    if (hostOnly.endsWith(`.${name}`) || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

/**
 * The proxy the environment names for connections to `host`, or null. A URL that cannot be
 * read throws ValueError naming the variable (paho fails that connection attempt too).
 */
export function proxyFromEnvironment(host: string, env: Env = process.env): ProxySettings | null {
  const proxies = proxiesFromEnv(env);
  const value = proxies.get('mqtt');
  if (value === undefined || bypassed(host, proxies.get('no'))) return null;
  // urlparse's reading: scheme, then the authority after '//': [user@]host[:port].
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?/.exec(value);
  const scheme = m?.[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'socks') return null;
  const hostPort = (m?.[2] ?? '').replace(/^.*@/, '');
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
  const [hostname, port] = bracketed !== null
    ? [bracketed[1], bracketed[2] ?? '']
    : [hostPort.split(':')[0], hostPort.includes(':') ? hostPort.slice(hostPort.indexOf(':') + 1) : ''];
  if (port !== '' && (!/^[0-9]+$/.test(port) || Number(port) > 65535)) {
    // The port only: the URL may carry user:password@.
    throw new ValueError(`mqtt_proxy: ${JSON.stringify(port)} is not a port number`);
  }
  return proxySettingsFrom({
    proxy_type: scheme === 'http' ? 'http' : 'socks5',
    proxy_addr: hostname.toLowerCase(),
    proxy_port: port === '' ? null : Number(port),
  }, 'mqtt_proxy');
}