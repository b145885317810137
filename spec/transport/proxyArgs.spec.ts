/*
 * proxySet()'s arguments: PySocks' defaults (port 1080 for SOCKS, 8080 for HTTP, 0 or none
 * meaning the default; rdns true), PySocks' numeric constants, and ValueError naming the key
 * for a bad type or address (paho: "proxy_type and/or proxy_addr are invalid."), a bad port,
 * rdns, user name or password, or a key paho does not take. A Unix-socket client refuses a
 * proxy. None of it touches the network.
 */
import { Client, ValueError } from '../../lib';
import { proxySettingsFrom } from '../../lib/transport/proxyArgs';
import { freePort } from '../support/ports';

describe('proxySettingsFrom (proxySet arguments)', () => {
  test.each([
    ['socks5', 1080],
    ['socks4', 1080],
    ['http', 8080],
  ] as const)("%s: default port %i, rdns true, no credentials", (type, port) => {
    expect(proxySettingsFrom({ proxy_type: type, proxy_addr: 'proxy.example' })).toEqual({
      type, host: 'proxy.example', port, rdns: true, username: undefined, password: undefined,
    });
  });

  test("PySocks' constants: SOCKS4 = 1, SOCKS5 = 2, HTTP = 3", () => {
    expect(proxySettingsFrom({ proxy_type: 1, proxy_addr: 'p' }).type).toBe('socks4');
    expect(proxySettingsFrom({ proxy_type: 2, proxy_addr: 'p' }).type).toBe('socks5');
    expect(proxySettingsFrom({ proxy_type: 3, proxy_addr: 'p' }).type).toBe('http');
  });

  test('port 0 or null is the default (PySocks: proxy_port or DEFAULT_PORTS[type]); rdns false kept', () => {
    expect(proxySettingsFrom({ proxy_type: 'http', proxy_addr: 'p', proxy_port: 0 }).port).toBe(8080);
    expect(proxySettingsFrom({ proxy_type: 'socks5', proxy_addr: 'p', proxy_port: null }).port).toBe(1080);
    expect(proxySettingsFrom({ proxy_type: 'socks5', proxy_addr: 'p', proxy_port: 9050, proxy_rdns: false })).toMatchObject({ port: 9050, rdns: false });
  });

  test('IPv6 brackets are stripped, as PySocks does; empty credentials are none', () => {
    expect(proxySettingsFrom({ proxy_type: 'socks5', proxy_addr: '[::1]' }).host).toBe('::1');
    expect(proxySettingsFrom({ proxy_type: 'socks5', proxy_addr: 'p', proxy_username: '', proxy_password: '' })).toMatchObject({ username: undefined, password: undefined });
    expect(proxySettingsFrom({ proxy_type: 'socks5', proxy_addr: 'p', proxy_username: 'u', proxy_password: 'pw' })).toMatchObject({ username: 'u', password: 'pw' });
  });

  test.each<[string, unknown, RegExp]>([
    ['no argument', undefined, /proxySet: takes an object/],
    ['an array', ['socks5', 'p'], /proxySet: takes an object/],
    ['a missing type', { proxy_addr: 'p' }, /^proxy_type: /],
    ['an unknown type', { proxy_type: 'socks6', proxy_addr: 'p' }, /^proxy_type: .*got "socks6"/],
    ['an unknown number', { proxy_type: 4, proxy_addr: 'p' }, /^proxy_type: /],
    ['a missing address', { proxy_type: 'socks5' }, /^proxy_addr: /],
    ['an empty address', { proxy_type: 'socks5', proxy_addr: '' }, /^proxy_addr: /],
    ['a port out of range', { proxy_type: 'socks5', proxy_addr: 'p', proxy_port: 65536 }, /^proxy_port: /],
    ['a port that is not an integer', { proxy_type: 'socks5', proxy_addr: 'p', proxy_port: '1080' }, /^proxy_port: /],
    ['rdns not a boolean', { proxy_type: 'socks5', proxy_addr: 'p', proxy_rdns: 1 }, /^proxy_rdns: /],
    ['a username not a string', { proxy_type: 'socks5', proxy_addr: 'p', proxy_username: 7 }, /^proxy_username: /],
    ['a password not a string', { proxy_type: 'http', proxy_addr: 'p', proxy_password: Buffer.from('x') }, /^proxy_password: /],
    ['a SOCKS5 username over 255 bytes', { proxy_type: 'socks5', proxy_addr: 'p', proxy_username: 'u'.repeat(256), proxy_password: 'x' }, /^proxy_username: .*255/],
    ['a SOCKS4 user id with NUL', { proxy_type: 'socks4', proxy_addr: 'p', proxy_username: 'a\0b' }, /^proxy_username: /],
    ['a key paho does not take', { proxy_type: 'socks5', proxy_addr: 'p', proxy_user: 'u' }, /^proxy_user: not an argument of proxySet/],
  ])('%s throws ValueError naming it', (_what, args, message) => {
    expect(() => proxySettingsFrom(args)).toThrow(ValueError);
    expect(() => proxySettingsFrom(args)).toThrow(message);
  });
});

describe('Client.proxySet', () => {
  test('checks its argument at the call', () => {
    const c = new Client('px');
    expect(() => c.proxySet({ proxy_type: 'socks4a' as never, proxy_addr: 'p' })).toThrow(ValueError);
    expect(() => c.proxySet({ proxy_type: 'http', proxy_addr: 'p' })).not.toThrow();
  });

  test("a client with transport 'unix' refuses a proxy", () => {
    const c = new Client({ clientId: 'px', transport: 'unix' });
    expect(() => c.proxySet({ proxy_type: 'socks5', proxy_addr: 'p' })).toThrow(/proxySet: a client with transport 'unix'/);
  });

  test('a bad call keeps the proxy set before (as paho, which replaces it only when valid)', async () => {
    const c = new Client('px');
    const [nobody, broker] = [await freePort(), await freePort()];
    // A proxy at a port where nobody listens: the next connect() must try it (and fail on it).
    c.proxySet({ proxy_type: 'socks5', proxy_addr: '127.0.0.1', proxy_port: nobody });
    expect(() => c.proxySet({ proxy_type: 'nope' as never, proxy_addr: 'p' })).toThrow(ValueError);
    await expect(c.connect('127.0.0.1', broker, 60)).rejects.toThrow(`cannot connect to the SOCKS5 proxy 127.0.0.1:${nobody}`);
  });
});
