/*
 * The one-shot helpers' `proxyArgs` (paho's proxy_args): subscribe.simple through SOCKS5
 * (dante) receives what publish.single sends through HTTP CONNECT (tinyproxy), and
 * publish.multiple through SOCKS4; mosquitto's log shows each helper's client coming from
 * its proxy's outgoing address. A refused tunnel rejects with ConnectError; bad proxyArgs
 * throw ValueError before any connection.
 */
import { ConnectError, MQTTMessage, ValueError } from '../../lib';
import { multiple, single } from '../../lib/helpers/publish';
import { simple } from '../../lib/helpers/subscribe';
import { ProxyError } from '../../lib/transport/proxyDial';
import { outcome, unique, useMosquitto, waitFor, within } from '../aio/support';
import type { MosquittoBroker } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { describeWithProxies, RunningProxy, startDante, startTinyproxy } from '../support/proxies';

/** mosquitto logged `clientId` connecting from the proxy's outgoing address. */
function cameThrough(b: MosquittoBroker, proxy: RunningProxy, clientId: string): boolean {
  return new RegExp(`New client connected from ${proxy.outgoing.replace(/\./g, '\\.')}:\\d+ as ${clientId} `).test(b.log());
}

/** Resolves once mosquitto has answered a SUBSCRIBE from `clientId`. */
function subscribed(b: MosquittoBroker, clientId: string): Promise<void> {
  return waitFor(() => b.log().includes(`Sending SUBACK to ${clientId}`), 5000, `a SUBACK to ${clientId}`);
}

describeWithProxies('helpers: proxyArgs through real proxies [mosquitto]', () => {
  const broker = useMosquitto();
  let dante: RunningProxy;
  let tiny: RunningProxy;
  beforeAll(async () => {
    [dante, tiny] = await Promise.all([startDante(), startTinyproxy({ connectPorts: [broker().port] })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([dante?.stop(), tiny?.stop()]);
  });
  const socks5 = () => ({ proxy_type: 'socks5' as const, proxy_addr: dante.host, proxy_port: dante.port });
  const http = () => ({ proxy_type: 'http' as const, proxy_addr: tiny.host, proxy_port: tiny.port });

  test('subscribe.simple through SOCKS5 receives publish.single through HTTP CONNECT', async () => {
    const topic = unique('proxy/simple');
    const subId = unique('ps');
    const pubId = unique('pp');
    const got = simple(topic, { hostname: '127.0.0.1', port: broker().port, clientId: subId, qos: 1, proxyArgs: socks5() });
    await subscribed(broker(), subId);
    await single(topic, 'via proxies', { hostname: 'localhost', port: broker().port, clientId: pubId, qos: 1, proxyArgs: http() });
    const m = await within(got, 5000, 'simple()');
    expect(m).toBeInstanceOf(MQTTMessage);
    expect(m.payload.toString()).toBe('via proxies');
    expect(m.qos).toBe(1);
    await waitFor(() => cameThrough(broker(), dante, subId), 5000, `mosquitto to log ${subId} coming from ${dante.kind}`);
    await waitFor(() => cameThrough(broker(), tiny, pubId), 5000, `mosquitto to log ${pubId} coming from ${tiny.kind}`);
    expect(tiny.log()).toContain(`CONNECT localhost:${broker().port} HTTP/1.1`);
  });

  test('publish.multiple through SOCKS4', async () => {
    const topic = unique('proxy/multiple');
    const subId = unique('ps');
    const pubId = unique('pm');
    const got = simple(topic, { hostname: '127.0.0.1', port: broker().port, clientId: subId, qos: 1, msgCount: 2 });
    await subscribed(broker(), subId);
    await multiple([{ topic, payload: 'one', qos: 1 }, [topic, 'two', 1, false]],
      { hostname: '127.0.0.1', port: broker().port, clientId: pubId, proxyArgs: { proxy_type: 'socks4', proxy_addr: dante.host, proxy_port: dante.port } });
    const ms = (await within(got, 5000, 'simple()')) as MQTTMessage[];
    expect(ms.map((m) => m.payload.toString())).toEqual(['one', 'two']);
    await waitFor(() => cameThrough(broker(), dante, pubId), 5000, `mosquitto to log ${pubId} coming from ${dante.kind}`);
  });

  test('a refused tunnel rejects with ConnectError, the ProxyError as its cause', async () => {
    const blocked = await freePort(); // tinyproxy allows CONNECT to the broker's port only
    const r = await outcome(single('t', 'x', { hostname: '127.0.0.1', port: blocked, proxyArgs: http() }));
    expect(r.ok).toBe(false);
    const err = (r as { error: Error }).error;
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.cause).toBeInstanceOf(ProxyError);
    expect(err.message).toMatch(/HTTP 403/);
  });

  test('bad proxyArgs throw ValueError before connecting', async () => {
    const connections = (): number => broker().log().split('New connection from').length;
    const before = connections();
    await expect(single('t', 'x', { port: broker().port, proxyArgs: { proxy_type: 'socks6' as never, proxy_addr: 'h' } })).rejects.toThrow(ValueError);
    await expect(simple('t', { port: broker().port, proxyArgs: { proxy_type: 'http', proxy_addr: '' } })).rejects.toThrow(/proxy_addr/);
    expect(connections()).toBe(before);
  });
});
