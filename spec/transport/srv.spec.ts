/*
 * DNS SRV: RFC 2782 ordering (priority, then weighted random with an injected seeded random),
 * record names, resolver failures, and Client.connectSrv() falling back from a refusing target
 * to a live broker (real local servers on free ports; the resolver is stubbed, not the network).
 */
import * as dns from 'dns';
import * as net from 'net';
import { Client, MQTT_ERR_SUCCESS, ValueError } from '../../lib';
import { orderSrvRecords, resolveSrvTargets, SrvRecord, srvRecordName } from '../../lib/transport/srv';
import { connected, useClients } from '../client/support';
import { startEmbeddedBroker } from '../support/embeddedBroker';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { seeded } from '../support/random';

// The real module object: lib/transport/srv.ts reads dns.promises.resolveSrv at call time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsModule: typeof dns = require('dns');

const rec = (name: string, port: number, priority: number, weight: number): SrvRecord => ({ name, port, priority, weight });

describe('orderSrvRecords (RFC 2782)', () => {
  it('lowest priority first, whatever the weights', () => {
    const order = orderSrvRecords([rec('c', 3, 30, 100), rec('a', 1, 10, 0), rec('b', 2, 20, 5)], seeded(1));
    expect(order).toEqual([{ name: 'a', port: 1 }, { name: 'b', port: 2 }, { name: 'c', port: 3 }]);
  });

  it('within a priority, picks first in proportion to weight (60/30/10 over 20,000 draws)', () => {
    const random = seeded(42);
    const records = [rec('w10', 1, 0, 10), rec('w60', 2, 0, 60), rec('w30', 3, 0, 30)];
    const first: Record<string, number> = { w10: 0, w60: 0, w30: 0 };
    const N = 20_000;
    let complete = 0;
    for (let i = 0; i < N; i++) {
      const order = orderSrvRecords(records, random);
      if (new Set(order.map((o) => o.name)).size === 3) complete++;
      first[order[0].name]++;
    }
    expect(complete).toBe(N); // every order holds every record once
    // Expected first-pick shares (the RFC's draw is over [0, total] inclusive: ~60/101, 30/101, 11/101).
    expect(first.w60 / N).toBeGreaterThan(0.56);
    expect(first.w60 / N).toBeLessThan(0.63);
    expect(first.w30 / N).toBeGreaterThan(0.27);
    expect(first.w30 / N).toBeLessThan(0.33);
    expect(first.w10 / N).toBeGreaterThan(0.08);
    expect(first.w10 / N).toBeLessThan(0.13);
  });

  it('weight-0 records come last but for a 1/(total+1) chance; all-zero weights still all appear', () => {
    const random = seeded(7);
    const records = [rec('zero', 1, 0, 0), rec('ten', 2, 0, 10)];
    let zeroFirst = 0;
    const N = 11_000;
    for (let i = 0; i < N; i++) if (orderSrvRecords(records, random)[0].name === 'zero') zeroFirst++;
    expect(zeroFirst / N).toBeGreaterThan(0.06);
    expect(zeroFirst / N).toBeLessThan(0.12); // ~1/11
    expect(orderSrvRecords([rec('a', 1, 0, 0), rec('b', 2, 0, 0)], seeded(3)).map((o) => o.name).sort()).toEqual(['a', 'b']);
  });

  it('the injected random decides: a draw of 0 picks the first record, a draw near 1 the last', () => {
    const records = [rec('a', 1, 0, 50), rec('b', 2, 0, 50)];
    expect(orderSrvRecords(records, () => 0).map((o) => o.name)).toEqual(['a', 'b']);
    expect(orderSrvRecords(records, () => 0.999).map((o) => o.name)).toEqual(['b', 'a']);
  });

  it('drops "." targets and port 0, strips a trailing dot', () => {
    expect(orderSrvRecords([rec('.', 1883, 0, 0), rec('x.example.', 0, 0, 0), rec('b.example.', 1883, 1, 0)]))
      .toEqual([{ name: 'b.example', port: 1883 }]);
  });
});

describe('resolveSrvTargets', () => {
  afterEach(() => jest.restoreAllMocks());

  it('looks up _mqtt._tcp, or _secure-mqtt._tcp with TLS', async () => {
    const asked: string[] = [];
    const resolver = async (name: string) => {
      asked.push(name);
      return [rec('broker.example', 1883, 0, 0)];
    };
    await resolveSrvTargets('example.com', false, resolver);
    await resolveSrvTargets('example.com.', true, resolver);
    expect(asked).toEqual(['_mqtt._tcp.example.com', '_secure-mqtt._tcp.example.com']);
    expect(srvRecordName('x', true)).toBe('_secure-mqtt._tcp.x');
  });

  it('no record is a ValueError naming the record (paho raises ValueError); other DNS failures pass on', async () => {
    const fail = (code: string) => async () => {
      throw Object.assign(new Error(`querySrv ${code} _mqtt._tcp.nowhere.test`), { code });
    };
    const notFound = await resolveSrvTargets('nowhere.test', false, fail('ENOTFOUND')).catch((e) => e);
    expect(notFound).toBeInstanceOf(ValueError);
    expect(notFound.message).toBe('domain: no SRV record _mqtt._tcp.nowhere.test (ENOTFOUND)');
    expect(notFound.cause.code).toBe('ENOTFOUND');
    await expect(resolveSrvTargets('nowhere.test', false, fail('ENODATA'))).rejects.toBeInstanceOf(ValueError);
    await expect(resolveSrvTargets('nowhere.test', false, fail('ECONNREFUSED'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(resolveSrvTargets('nowhere.test', false, async () => [])).rejects.toThrow(
      'domain: SRV record _mqtt._tcp.nowhere.test names no usable target');
    await expect(resolveSrvTargets('', false, async () => [])).rejects.toThrow('domain: must be a non-empty DNS domain');
  });

  it('uses dns.promises.resolveSrv by default', async () => {
    const spy = jest.spyOn(dnsModule.promises, 'resolveSrv').mockResolvedValue([rec('b.example', 8883, 0, 0)]);
    expect(await resolveSrvTargets('example.org', true)).toEqual([{ name: 'b.example', port: 8883 }]);
    expect(spy).toHaveBeenCalledWith('_secure-mqtt._tcp.example.org');
  });
});

describe('Client.connectSrv', () => {
  const clients = useClients();
  afterEach(() => jest.restoreAllMocks());

  it('requires a domain (Node cannot know the machine\'s domain) and checks its arguments', () => {
    const c = clients.make();
    expect(() => c.connectSrv()).toThrow(new ValueError('domain: required (the DNS domain whose SRV records name the broker)'));
    expect(() => c.connectSrv('example.com', -1)).toThrow(ValueError);
    // MQTT 5 arguments, checked before any DNS query (this client speaks 3.1.1).
    expect(() => c.connectSrv('example.com', 60, '', 0, false)).toThrow(/cleanStart: MQTT 5 only/);
    expect(() => c.connectSrv('example.com', 60, '', 70000)).toThrow(/bindPort/);
  });

  it('falls back from a refusing first target to the next one (priority order), and connects', async () => {
    const broker = await startEmbeddedBroker();
    try {
      const closed = await freePort();
      const spy = jest.spyOn(dnsModule.promises, 'resolveSrv').mockResolvedValue([
        rec('127.0.0.1', broker.port, 20, 0), rec('127.0.0.1', closed, 10, 0),
      ]);
      const c = clients.make();
      // A refused target logs nothing (as paho's connect_srv, which tries the next one silently):
      // each attempt is seen starting, and the socket that opened is the second target's.
      let attempts = 0;
      c.on('pre_connect', () => { attempts++; });
      const conn = connected(c);
      expect(await c.connectSrv('mqtt.example.test', 30)).toBe(MQTT_ERR_SUCCESS);
      expect(spy).toHaveBeenCalledWith('_mqtt._tcp.mqtt.example.test');
      expect(attempts).toBe(2);
      expect((c.socket() as net.Socket).remotePort).toBe(broker.port);
      c.loopStart();
      await conn;
      expect(c.isConnected()).toBe(true);
    } finally {
      await clients.cleanup();
      await broker.close();
    }
  });

  it('rejects with the last error when every target fails', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    jest.spyOn(dnsModule.promises, 'resolveSrv').mockResolvedValue([rec('127.0.0.1', p1, 0, 0), rec('127.0.0.1', p2, 1, 0)]);
    const c = clients.make();
    await expect(c.connectSrv('down.example.test')).rejects.toMatchObject({
      code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${p2}`,
    });
  });

  it('a missing SRV record rejects with the ValueError', async () => {
    jest.spyOn(dnsModule.promises, 'resolveSrv').mockRejectedValue(Object.assign(new Error('querySrv ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(clients.make().connectSrv('none.example.test')).rejects.toThrow('domain: no SRV record _mqtt._tcp.none.example.test (ENOTFOUND)');
  });
});

describeWithMosquitto('Client.connectSrv with TLS [mosquitto]', () => {
  let broker: MosquittoBroker;
  const clients = useClients();
  beforeAll(async () => {
    broker = await startMosquitto({ tls: true });
  });
  afterAll(async () => broker?.stop());
  afterEach(() => jest.restoreAllMocks());

  it('looks up _secure-mqtt._tcp and connects over TLS to the target, verifying its name', async () => {
    const closed = await freePort();
    const spy = jest.spyOn(dnsModule.promises, 'resolveSrv').mockResolvedValue([
      rec('localhost', closed, 0, 0), rec('localhost', broker.tlsPort!, 1, 0),
    ]);
    const c = clients.make();
    c.tlsSet({ caCerts: broker.certs!.caFile });
    const conn = connected(c);
    expect(await c.connectSrv('secure.example.test')).toBe(MQTT_ERR_SUCCESS);
    expect(spy).toHaveBeenCalledWith('_secure-mqtt._tcp.secure.example.test');
    c.loopStart();
    await conn;
    expect((c.socket() as { servername?: string }).servername).toBe('localhost');
    expect((c.socket() as { authorized?: boolean }).authorized).toBe(true);
  });

  it('does not fall back to plain MQTT: a TLS failure on every target rejects with the TLS error', async () => {
    jest.spyOn(dnsModule.promises, 'resolveSrv').mockResolvedValue([rec('localhost', broker.tlsPort!, 0, 0)]);
    const c: Client = clients.make();
    c.tlsSet({ caCerts: broker.certs!.wrongCaFile });
    await expect(c.connectSrv('secure.example.test')).rejects.toMatchObject({ rc: 8, message: expect.stringMatching(/unknown CA/) });
  });
});
