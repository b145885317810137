/*
 * MQTT 5 through the paho-style Client against mosquitto: properties both ways, subscription
 * options, reason codes in callbacks, the will on DISCONNECT 0x04, Clean Start, and the
 * paho 1.x (VERSION1) and 2.x (VERSION2) callback signatures on 3.1.1 and 5.0.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import {
  CallbackAPIVersion, Client, ClientOptions, MQTT_CLEAN_START_FIRST_ONLY, MQTTMessage, MQTTv311, MQTTv5, PacketTypes,
  Properties, ReasonCodes, SubscribeOptions, ValueError,
} from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { collect, nextEvent, uid, useClients, waitFor } from './support';

type Broker = () => MosquittoBroker;

function useMosquitto(opts: Parameters<typeof startMosquitto>[0] = {}): Broker {
  let broker: MosquittoBroker | undefined;
  beforeAll(async () => { broker = await startMosquitto(opts); });
  afterAll(async () => { await broker?.stop(); });
  return () => broker!;
}

/** Connects under loopStart and resolves with on_connect's arguments (after client, userdata). */
async function start(c: Client, b: MosquittoBroker, cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, props?: Properties): Promise<unknown[]> {
  const ack = nextEvent(c, 'connect');
  await c.connect(b.host, b.port, 60, '', 0, cleanStart, props);
  c.loopStart();
  return ack;
}

/** subscribe() and the 'subscribe' event's arguments for that mid. */
async function subscribed(c: Client, topic: Parameters<Client['subscribe']>[0], qos?: number | SubscribeOptions): Promise<unknown[]> {
  const [rc, mid] = c.subscribe(topic, qos);
  expect(rc).toBe(0);
  for (;;) {
    const args = await nextEvent(c, 'subscribe');
    if (args[0] === mid) return args;
  }
}

/** Publishes a marker through `pub` and waits until `got` holds it: everything before it on that topic arrived. */
async function marker(pub: Client, topic: string, got: MQTTMessage[]): Promise<void> {
  await pub.publish(topic, 'marker', 1).waitForPublish();
  await waitFor(() => got.some((m) => m.payload.toString() === 'marker'), 5000, 'the marker');
}

describeWithMosquitto('MQTT 5 Client against mosquitto', () => {
  const broker = useMosquitto();
  const clients = useClients();
  const v5 = (o: ClientOptions = {}): Client => clients.make({ protocol: MQTTv5, cleanSession: undefined, ...o });

  test('publish properties reach the subscriber as message.properties', async () => {
    const topic = uid('p5/');
    const sub = v5();
    const got = collect(sub);
    await start(sub, broker());
    await subscribed(sub, topic, 1);
    const pub = v5();
    await start(pub, broker());
    const props = new Properties(PacketTypes.PUBLISH);
    props.UserProperty = [['site', 'north'], ['site', 'south']];
    props.ContentType = 'application/json';
    props.ResponseTopic = 'reply/here';
    props.CorrelationData = Buffer.from([0, 1, 2, 255]);
    props.MessageExpiryInterval = 60;
    await pub.publish(topic, '{}', 1, false, props).waitForPublish();
    await waitFor(() => got.length === 1, 5000, 'the message');
    const p = got[0].properties!;
    expect(p).toBeInstanceOf(Properties);
    expect(p.packetType).toBe(PacketTypes.PUBLISH);
    expect(p.UserProperty).toEqual([['site', 'north'], ['site', 'south']]);
    expect(p.ContentType).toBe('application/json');
    expect(p.ResponseTopic).toBe('reply/here');
    expect(p.CorrelationData).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(p.MessageExpiryInterval).toBeGreaterThan(50);
    // Without properties, a 5.0 message still has an (empty) Properties; a 3.1.1 one has none.
    await pub.publish(topic, 'plain', 1).waitForPublish();
    await waitFor(() => got.length === 2, 5000, 'the second message');
    expect(got[1].properties!.isEmpty()).toBe(true);
  });

  test('SubscribeOptions: noLocal, retainAsPublished and retainHandling are honoured', async () => {
    const t = uid('so/');
    const c = v5();
    const got = collect(c);
    await start(c, broker());
    // noLocal: our own publications on t/own are not sent back; the other client's are.
    const [, codes] = await subscribed(c, [[`${t}/own`, new SubscribeOptions(1, true)], [`${t}/rap`, new SubscribeOptions(1, false, true)]]);
    expect((codes as ReasonCodes[]).map((r) => r.value)).toEqual([1, 1]);
    const other = v5();
    await start(other, broker());
    await c.publish(`${t}/own`, 'mine', 1).waitForPublish();
    await marker(other, `${t}/own`, got);
    expect(got.map((m) => m.payload.toString())).toEqual(['marker']);
    // retainAsPublished: a retained publication forwarded live keeps retain=1.
    await other.publish(`${t}/rap`, 'kept', 1, true).waitForPublish();
    await waitFor(() => got.some((m) => m.payload.toString() === 'kept'), 5000, 'the retained message');
    expect(got.find((m) => m.payload.toString() === 'kept')!.retain).toBe(true);
    // retainHandling 2: no retained message on subscribe; 0: sent.
    const late = v5();
    const lateGot = collect(late);
    await start(late, broker());
    await subscribed(late, `${t}/rap`, new SubscribeOptions(1, false, false, SubscribeOptions.RETAIN_DO_NOT_SEND));
    await marker(other, `${t}/rap`, lateGot);
    expect(lateGot.map((m) => m.payload.toString())).toEqual(['marker']);
    const late2 = v5();
    const late2Got = collect(late2);
    await start(late2, broker());
    await subscribed(late2, [`${t}/rap`, new SubscribeOptions(1, false, false, SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE)]);
    await waitFor(() => late2Got.length >= 1, 5000, 'the retained message');
    expect(late2Got[0].payload.toString()).toBe('kept');
    expect(late2Got[0].retain).toBe(true);
  });

  test('on_unsubscribe gets reason codes: Success and No subscription found', async () => {
    const t = uid('un/');
    const c = v5();
    await start(c, broker());
    await subscribed(c, `${t}/a`, 0);
    const seen: unknown[][] = [];
    c.on_unsubscribe = (_c: Client, _u: unknown, ...args: unknown[]) => { seen.push(args); };
    c.unsubscribe([`${t}/a`, `${t}/never`]);
    await waitFor(() => seen.length === 1, 5000, 'UNSUBACK');
    const [, props, codes] = seen[0] as [number, Properties, ReasonCodes[]];
    expect(props).toBeInstanceOf(Properties);
    expect(codes.map((r) => r.getName())).toEqual(['Success', 'No subscription found']);
    // One filter: paho 1.x passes the single ReasonCodes, not a list.
    c.unsubscribe(`${t}/never`);
    await waitFor(() => seen.length === 2, 5000, 'the second UNSUBACK');
    expect(seen[1][2]).toBeInstanceOf(ReasonCodes);
    expect((seen[1][2] as ReasonCodes).value).toBe(0x11);
  });

  test('disconnect(4) publishes the will; disconnect() does not', async () => {
    const t = uid('will/');
    const obs = v5();
    const got = collect(obs);
    await start(obs, broker());
    await subscribed(obs, `${t}/#`, 1);
    const polite = v5();
    polite.willSet(`${t}/x`, 'polite', 1);
    await start(polite, broker());
    const gone1 = nextEvent(polite, 'disconnect');
    polite.disconnect();
    await gone1;
    const w = v5();
    const willProps = new Properties(PacketTypes.WILLMESSAGE);
    willProps.ContentType = 'text/plain';
    w.willSet(`${t}/x`, 'with-will', 1, false, willProps);
    await start(w, broker());
    const gone2 = nextEvent(w, 'disconnect');
    w.disconnect(new ReasonCodes(PacketTypes.DISCONNECT, 'Disconnect with will message'));
    await gone2;
    await waitFor(() => got.length >= 1, 5000, 'the will');
    expect(got.map((m) => m.payload.toString())).toEqual(['with-will']);
    expect(got[0].properties!.ContentType).toBe('text/plain');
  });

  test('cleanStart MQTT_CLEAN_START_FIRST_ONLY: clean first, the session resumed on the automatic reconnect', async () => {
    const c = v5({ clientId: uid('cs') });
    const props = new Properties(PacketTypes.CONNECT);
    props.SessionExpiryInterval = 60;
    const acks: unknown[][] = [];
    c.on('connect', (...a: unknown[]) => acks.push(a));
    c.reconnectDelaySet(0, 0);
    await start(c, broker(), MQTT_CLEAN_START_FIRST_ONLY, props);
    expect(acks.length).toBe(1);
    (c.socket() as net.Socket).destroy();
    await waitFor(() => acks.length === 2, 5000, 'the reconnection');
    expect(acks.map((a) => (a[0] as { sessionPresent: boolean }).sessionPresent)).toEqual([false, true]);

    // cleanStart true: every connection starts clean.
    const d = v5({ clientId: uid('cs') });
    const dAcks: unknown[][] = [];
    d.on('connect', (...a: unknown[]) => dAcks.push(a));
    d.reconnectDelaySet(0, 0);
    await start(d, broker(), true, props);
    (d.socket() as net.Socket).destroy();
    await waitFor(() => dAcks.length === 2, 5000, 'the reconnection');
    expect(dAcks.map((a) => (a[0] as { sessionPresent: boolean }).sessionPresent)).toEqual([false, false]);
  });

  test('VERSION1 and VERSION2 callback signatures on 5.0 and 3.1.1', async () => {
    const record = (c: Client): Record<string, unknown[]> => {
      const r: Record<string, unknown[]> = {};
      for (const slot of ['on_connect', 'on_subscribe', 'on_unsubscribe', 'on_publish', 'on_disconnect'] as const) {
        c[slot] = (_c: Client, _u: unknown, ...args: unknown[]) => { r[slot] = args; };
      }
      return r;
    };
    const runAll = async (c: Client): Promise<Record<string, unknown[]>> => {
      const r = record(c);
      const ack = nextEvent(c, 'connect');
      await c.connect(broker().host, broker().port);
      c.loopStart();
      await ack;
      await waitFor(() => r.on_connect !== undefined, 5000, 'on_connect');
      c.subscribe('sig/x', 1);
      await waitFor(() => r.on_subscribe !== undefined, 5000, 'on_subscribe');
      c.unsubscribe('sig/x');
      await waitFor(() => r.on_unsubscribe !== undefined, 5000, 'on_unsubscribe');
      await c.publish('sig/y', 'x', 1).waitForPublish();
      await waitFor(() => r.on_publish !== undefined, 5000, 'on_publish');
      c.disconnect();
      await waitFor(() => r.on_disconnect !== undefined, 5000, 'on_disconnect');
      return r;
    };

    // VERSION1, 3.1.1: paho 1.x numbers.
    const a = await runAll(clients.make({ protocol: MQTTv311 }));
    expect(a.on_connect).toEqual([{ sessionPresent: false, 'session present': 0 }, 0, undefined]);
    expect(a.on_subscribe.slice(0, 2)).toEqual([expect.any(Number), [1]]);
    expect(a.on_publish).toEqual([expect.any(Number)]);
    expect(a.on_disconnect).toEqual([0, undefined]);

    // VERSION1, 5.0: ReasonCodes and Properties.
    const b = await runAll(v5());
    expect(b.on_connect[1]).toBeInstanceOf(ReasonCodes);
    expect((b.on_connect[1] as ReasonCodes).getName()).toBe('Success');
    expect(b.on_connect[2]).toBeInstanceOf(Properties);
    expect((b.on_subscribe[1] as ReasonCodes[])[0].getName()).toBe('Granted QoS 1');
    expect(b.on_subscribe[2]).toBeInstanceOf(Properties);
    expect(b.on_unsubscribe[1]).toBeInstanceOf(Properties);
    expect((b.on_unsubscribe[2] as ReasonCodes).getName()).toBe('Success');
    expect(b.on_publish).toEqual([expect.any(Number)]);
    expect(b.on_disconnect).toEqual([0, undefined]);

    // VERSION2 on both protocols: paho 2.x's forms, 3.1.1 codes made into ReasonCodes.
    for (const protocol of [MQTTv311, MQTTv5]) {
      const c = new Client(CallbackAPIVersion.VERSION2, { clientId: uid('v2'), protocol });
      clients['all'].push(c);
      const r = await runAll(c);
      const [flags, rc, props] = r.on_connect as [Record<string, unknown>, ReasonCodes, Properties];
      expect(flags.session_present).toBe(false);
      expect(rc.value).toBe(0);
      expect(rc.isFailure).toBe(false);
      expect(props).toBeInstanceOf(Properties);
      expect((r.on_subscribe[1] as ReasonCodes[]).map((x) => x.value)).toEqual([1]);
      expect(r.on_subscribe[2]).toBeInstanceOf(Properties);
      const unsubCodes = r.on_unsubscribe[1] as ReasonCodes[];
      expect(unsubCodes.map((x) => x.value)).toEqual(protocol === MQTTv5 ? [0] : []);
      expect(r.on_unsubscribe[2]).toBeInstanceOf(Properties);
      // mosquitto answers a 5.0 PUBLISH nobody subscribed to with 0x10; 3.1.1 PUBACK has no code.
      expect((r.on_publish[1] as ReasonCodes).getName()).toBe(protocol === MQTTv5 ? 'No matching subscribers' : 'Success');
      expect(r.on_publish[2]).toBeInstanceOf(Properties);
      const [dflags, drc, dprops] = r.on_disconnect as [Record<string, unknown>, ReasonCodes, Properties];
      expect(dflags.is_disconnect_packet_from_server).toBe(false);
      expect(drc.getName()).toBe('Normal disconnection');
      expect(dprops).toBeInstanceOf(Properties);
    }
  });

  test('on_pre_connect runs before each attempt; getters show the target', async () => {
    const c = v5();
    const order: string[] = [];
    c.on_pre_connect = () => order.push(`pre:${c.socket() === null}`);
    c.on('connect', () => order.push('connect'));
    expect([c.host, c.port, c.keepalive, c.protocol]).toEqual(['', 1883, 60, MQTTv5]);
    c.reconnectDelaySet(0, 0);
    await start(c, broker());
    expect([c.host, c.port, c.keepalive]).toEqual([broker().host, broker().port, 60]);
    (c.socket() as net.Socket).destroy();
    await waitFor(() => order.length === 4, 5000, 'the reconnection');
    expect(order).toEqual(['pre:true', 'connect', 'pre:true', 'connect']);
  });

  test('ValueErrors for MQTT 5 arguments in the wrong place', () => {
    expect(() => new Client({ protocol: MQTTv5, cleanSession: true })).toThrow(/cleanSession/);
    const c3 = clients.make({ protocol: MQTTv311 });
    const pp = new Properties(PacketTypes.PUBLISH);
    pp.ContentType = 'x';
    expect(() => c3.publish('a', 'x', 0, false, pp)).toThrow(ValueError);
    expect(() => c3.subscribe('a', new SubscribeOptions(1))).toThrow(/SubscribeOptions/);
    expect(() => c3.connectAsync('localhost', 1883, 60, '', 0, true)).toThrow(/cleanStart/);
    expect(() => c3.disconnect(4)).toThrow(/reasonCode/);
    expect(c3.publish('a', 'x', 1, false, new Properties(PacketTypes.PUBLISH)).rc).toBe(0); // empty: accepted
    const c5 = v5();
    expect(() => c5.publish('a', 'x', 0, false, new Properties(PacketTypes.SUBSCRIBE))).toThrow(/SUBSCRIBE.*PUBLISH/);
    expect(() => c5.subscribe('a', 0, pp)).toThrow(/properties/);
    expect(() => c5.disconnect(0x05)).toThrow(/reasonCode/);
    expect(() => c5.disconnect(new ReasonCodes(PacketTypes.CONNACK))).toThrow(/reasonCode/);
    expect(() => c5.connectAsync('localhost', 1883, 60, '', 0, 7)).toThrow(/cleanStart/);
    expect(() => new Client(7 as 1)).toThrow(/callbackApiVersion/);
    expect(new Client('plain-id')).toBeInstanceOf(Client);
  });
});

describeWithMosquitto('MQTT 5 reason codes: refusals (mosquitto with users) and a scripted server', () => {
  const broker = useMosquitto({
    users: { alice: 'secret' },
  });
  const clients = useClients();

  test('bad credentials: on_connect gets a failure ReasonCodes', async () => {
    const c = clients.make({ protocol: MQTTv5, cleanSession: undefined });
    c.usernamePwSet('alice', 'wrong');
    const [, rc] = await start(c, broker());
    expect(rc).toBeInstanceOf(ReasonCodes);
    expect([0x86, 0x87]).toContain((rc as ReasonCodes).value);
    expect((rc as ReasonCodes).isFailure).toBe(true);
  });

  test('VERSION2 on MQTT 3.1.1: a refused CONNACK becomes paho 2.x\'s ReasonCodes', async () => {
    const c = new Client(CallbackAPIVersion.VERSION2, { clientId: uid('v2r'), protocol: MQTTv311, reconnectOnFailure: false });
    clients['all'].push(c);
    c.usernamePwSet('alice', 'wrong');
    const ack = nextEvent(c, 'connect');
    await c.connect(broker().host, broker().port);
    c.loopStart();
    const [, rc, props] = await ack;
    // 3.1.1 return code 4 -> 'Bad user name or password' (0x86), 5 -> 'Not authorized' (0x87).
    expect([[0x86, 'Bad user name or password'], [0x87, 'Not authorized']]).toContainEqual([(rc as ReasonCodes).value, String(rc)]);
    expect((rc as ReasonCodes).isFailure).toBe(true);
    expect(props).toBeInstanceOf(Properties);
  });

  test('a DISCONNECT from the server reaches on_disconnect as ReasonCodes and Properties, per version', async () => {
    // mosquitto 2.0.11 closes a taken-over session without DISCONNECT, so a local server sends
    // CONNACK, then DISCONNECT 0x8E (Session taken over) with ReasonString 'bye'.
    const server = net.createServer((sock) => {
      sock.on('data', (b) => {
        if (b[0] === 0x10) sock.write(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00, 0xe0, 0x08, 0x8e, 0x06, 0x1f, 0x00, 0x03, 0x62, 0x79, 0x65]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const got: Record<string, unknown[]> = {};
      const v1 = clients.make({ protocol: MQTTv5, cleanSession: undefined, reconnectOnFailure: false });
      const v2 = new Client(CallbackAPIVersion.VERSION2, { clientId: uid('v2'), protocol: MQTTv5, reconnectOnFailure: false });
      clients['all'].push(v2);
      v1.on_disconnect = (_c: Client, _u: unknown, ...a: unknown[]) => { got.v1 = a; };
      v2.on_disconnect = (_c: Client, _u: unknown, ...a: unknown[]) => { got.v2 = a; };
      for (const c of [v1, v2]) {
        await c.connect('127.0.0.1', port);
        c.loopStart();
      }
      await waitFor(() => got.v1 !== undefined && got.v2 !== undefined, 5000, 'both disconnections');
      const [rc1, props1] = got.v1 as [ReasonCodes, Properties];
      expect(rc1).toBeInstanceOf(ReasonCodes);
      expect(rc1.getName()).toBe('Session taken over');
      expect(props1.ReasonString).toBe('bye');
      const [flags, rc2, props2] = got.v2 as [Record<string, boolean>, ReasonCodes, Properties];
      expect(flags.is_disconnect_packet_from_server).toBe(true);
      expect(rc2.value).toBe(0x8e);
      expect(props2.ReasonString).toBe('bye');
    } finally {
      await clients.cleanup();
      await new Promise((r) => server.close(r));
    }
  });

  test('on_subscribe: a granted QoS and a refusal (Not authorized)', async () => {
    // mosquitto 2.0 grants subscriptions its ACL would deny (it filters deliveries instead), so
    // a local server answers this SUBSCRIBE: CONNACK, then SUBACK [Granted QoS 2, 0x87].
    const server = net.createServer((sock) => {
      sock.on('data', (b) => {
        if (b[0] === 0x10) sock.write(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]));
        if (b[0] === 0x82) sock.write(Buffer.from([0x90, 0x05, b[2], b[3], 0x00, 0x02, 0x87]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = clients.make({ protocol: MQTTv5, cleanSession: undefined });
      const ack = nextEvent(c, 'connect');
      await c.connect('127.0.0.1', (server.address() as net.AddressInfo).port);
      c.loopStart();
      const [, rc] = await ack;
      expect((rc as ReasonCodes).value).toBe(0);
      const [, codes] = await subscribed(c, [['ok/a', 2], ['secret/b', 1]]);
      expect((codes as ReasonCodes[]).map((r) => [r.value, r.getName(), r.isFailure])).toEqual([[2, 'Granted QoS 2', false], [0x87, 'Not authorized', true]]);
    } finally {
      await clients.cleanup();
      await new Promise((r) => server.close(r));
    }
  });
});

const unixDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-unix-'));
const unixSock = path.join(unixDir, 'mqtt.sock');

describeWithMosquitto("transport: 'unix' (mosquitto listening on a Unix socket)", () => {
  const broker = useMosquitto({ extraConfig: `listener 0 ${unixSock}\n` });
  const clients = useClients();
  afterAll(() => fs.rmSync(unixDir, { recursive: true, force: true }));

  test('connect(socketPath) speaks MQTT 5 over the socket; paho 2.x positional constructor', async () => {
    expect(broker().port).toBeGreaterThan(0);
    const c = new Client(CallbackAPIVersion.VERSION2, { clientId: uid('unix'), protocol: MQTTv5, transport: 'unix' });
    clients['all'].push(c);
    const got = collect(c);
    const ack = nextEvent(c, 'connect');
    await c.connect(unixSock);
    c.loopStart();
    const [flags, rc] = await ack;
    expect((rc as ReasonCodes).value).toBe(0);
    expect((flags as { session_present: boolean }).session_present).toBe(false);
    expect(c.host).toBe(unixSock);
    expect((c.socket() as net.Socket).remoteAddress).toBeUndefined(); // not a TCP socket
    const [, codes] = await subscribed(c, 'unix/t', 1);
    expect((codes as ReasonCodes[])[0].value).toBe(1);
    await c.publish('unix/t', 'over the socket', 1).waitForPublish();
    await waitFor(() => got.length === 1, 5000, 'the message');
    expect(got[0].payload.toString()).toBe('over the socket');
  });
});
