/*
 * MQTT 5 protocol behaviour against mosquitto 2.0 (protocol: MQTTv5): session expiry,
 * Receive Maximum, Server Keep Alive, Maximum Packet Size both ways, outgoing topic aliases
 * across a reconnect, the assigned client id, subscription identifiers, no-local, retain
 * handling and retain-as-published, shared subscriptions, and session takeover (DISCONNECT
 * 0x8E). Enhanced authentication (mosquitto has no method built in) is covered by
 * spec/client/mqtt5Memory.spec.ts and spec/session/mqtt5.spec.ts.
 */
import * as net from 'net';
import { performance } from 'perf_hooks';
import {
  Client, MQTT_CLEAN_START_FIRST_ONLY, MQTT_ERR_CONN_LOST, MQTT_ERR_NOT_FOUND, MQTT_ERR_NOT_SUPPORTED, MQTT_ERR_PAYLOAD_SIZE, MQTT_ERR_SUCCESS, MQTTMessage, MQTTv5, topicMatchesSub,
} from '../../lib';
import type { PacketProperties, Subscription } from '../../lib/protocol/types';
import { publishPacketSize } from '../../lib/session/packetSize';
import { startFaultProxy } from '../support/faultProxy';
import { describeWithMosquitto } from '../support/mosquitto';
import { sessionOf } from '../support/v5';
import {
  collect, MOSQUITTO, nextEvent, SeqCounter, subscribeAndWait, TestBroker, uid, useBroker, useClients, waitFor,
} from './support';
import { debugSizes } from '../support/clientInternals';

/** connect()'s MQTT 5 arguments for a client made by v5(). */
interface V5Connect {
  cleanStart?: boolean | number;
  properties?: PacketProperties;
}
const connectArgsOf = new WeakMap<Client, V5Connect>();

/** A v5 client; `connect` holds the cleanStart and CONNECT properties startV5() connects with. */
function v5(clients: ReturnType<typeof useClients>, opts: ConstructorParameters<typeof Client>[0] & object = {}, connect: V5Connect = {}): Client {
  const c = clients.make({ protocol: MQTTv5, ...opts });
  connectArgsOf.set(c, connect);
  return c;
}

/** connect() with the client's MQTT 5 arguments, loopStart, wait for an accepting CONNACK, subscribe to `subs`. */
async function startV5(c: Client, broker: TestBroker, subs: Array<[string, number]> = []): Promise<{ sessionPresent: boolean }> {
  const o = connectArgsOf.get(c) ?? {};
  const conn = nextEvent(c, 'connect');
  await c.connect(broker.host, broker.port, 60, '', 0, o.cleanStart ?? MQTT_CLEAN_START_FIRST_ONLY, o.properties);
  c.loopStart();
  const [flags, rc] = (await conn) as [{ sessionPresent: boolean }, unknown];
  if (Number(rc) !== 0) throw new Error(`connection refused, rc ${String(rc)}`);
  if (subs.length > 0) await subscribeAndWait(c, subs);
  return { sessionPresent: flags.sessionPresent };
}

/** SUBSCRIBE with full MQTT 5 subscription options (the engine's Subscription objects), waiting for SUBACK. */
async function subscribeWithOptions(c: Client, subs: Subscription[], properties?: PacketProperties): Promise<number[]> {
  const [rc, mid] = sessionOf(c).subscribe(subs, properties, performance.now());
  expect(rc).toBe(MQTT_ERR_SUCCESS);
  const acked = nextEvent(c, 'subscribe');
  c.loopWrite();
  const [ackMid, codes] = (await acked) as [number, number[]];
  expect(ackMid).toBe(mid);
  return codes;
}

/** Publishes a QoS 1 marker from `pub` and waits until `got` holds it: everything published before it has arrived. */
async function marker(pub: Client, got: MQTTMessage[], topic: string): Promise<void> {
  await pub.publish(topic, 'marker', 1).waitForPublish();
  await waitFor(() => got.some((m) => m.topic === topic && m.payload.toString() === 'marker'), 5000, `the marker on ${topic}`);
}

const texts = (got: MQTTMessage[]) => got.map((m) => `${m.topic}=${m.payload.toString()}`);

describeWithMosquitto('MQTT 5 protocol behaviour [mosquitto]', () => {
  describe('default broker', () => {
    const broker = useBroker(MOSQUITTO);
    const clients = useClients();

    describe('session expiry', () => {
      test('expiry 60 and cleanSession false: subscriptions and queued QoS 1 messages survive a reconnect', async () => {
        const id = uid('sx');
        const a = v5(clients, { clientId: id }, { cleanStart: false, properties: { SessionExpiryInterval: 60 } });
        await startV5(a, broker(), [['se/keep/#', 1]]);
        a.disconnect();
        await nextEvent(a, 'disconnect');

        const pub = v5(clients);
        await startV5(pub, broker());
        for (let i = 0; i < 3; i++) await pub.publish('se/keep/x', `m${i}`, 1).waitForPublish();

        const again = v5(clients, { clientId: id }, { cleanStart: false, properties: { SessionExpiryInterval: 60 } });
        const got = collect(again);
        const { sessionPresent } = await startV5(again, broker());
        expect(sessionPresent).toBe(true);
        await waitFor(() => got.length >= 3, 5000, () => `3 queued messages, got ${JSON.stringify(texts(got))}`);
        expect(texts(got)).toEqual(['se/keep/x=m0', 'se/keep/x=m1', 'se/keep/x=m2']);
      });

      test('expiry 0 (none): the session ends with the connection, nothing is queued', async () => {
        const id = uid('s0');
        const a = v5(clients, { clientId: id }, { cleanStart: false });
        await startV5(a, broker(), [['se/gone/#', 1]]);
        a.disconnect();
        await nextEvent(a, 'disconnect');
        const pub = v5(clients);
        await startV5(pub, broker());
        await pub.publish('se/gone/x', 'lost', 1).waitForPublish();

        const again = v5(clients, { clientId: id }, { cleanStart: false });
        const got = collect(again);
        const { sessionPresent } = await startV5(again, broker(), [['se/gone/marker', 1]]);
        expect(sessionPresent).toBe(false);
        await marker(pub, got, 'se/gone/marker');
        expect(texts(got)).toEqual(['se/gone/marker=marker']);
      });

      test('DISCONNECT with SessionExpiryInterval 0 ends a session CONNECT asked to keep', async () => {
        const id = uid('sd');
        const a = v5(clients, { clientId: id }, { cleanStart: false, properties: { SessionExpiryInterval: 60 } });
        await startV5(a, broker(), [['se/end/#', 1]]);
        a.disconnect(0, { SessionExpiryInterval: 0 });
        await nextEvent(a, 'disconnect');
        const again = v5(clients, { clientId: id }, { cleanStart: false, properties: { SessionExpiryInterval: 60 } });
        const { sessionPresent } = await startV5(again, broker());
        expect(sessionPresent).toBe(false);
      });
    });

    test('message expiry: a message queued offline is sent with its interval reduced by the wait, an expired one never', async () => {
      const sub = v5(clients);
      const got = collect(sub);
      await startV5(sub, broker(), [['mx/#', 1]]);
      let skew = 0; // the publisher's clock runs ahead of real time by `skew` ms
      const pub = v5(clients, { clock: () => performance.now() + skew });
      const expired = pub.publish('mx/stale', 'stale', 1, false, { MessageExpiryInterval: 5 });
      const kept = pub.publish('mx/kept', 'kept', 1, false, { MessageExpiryInterval: 100 });
      skew = 7_500; // 7.5 s "offline"
      await startV5(pub, broker());
      await kept.waitForPublish();
      await expect(expired.waitForPublish()).rejects.toMatchObject({ rc: MQTT_ERR_NOT_FOUND });
      await marker(pub, got, 'mx/marker');
      expect(got.map((m) => m.topic)).toEqual(['mx/kept', 'mx/marker']);
      // mosquitto forwards what is left of the interval: at most 100 - 7.
      const left = got[0].properties?.MessageExpiryInterval;
      expect(left).toBeLessThanOrEqual(93);
      expect(left).toBeGreaterThan(80);
    });

    test('topic aliases are per connection: messages resent (DUP) after a cut link carry their full topic first', async () => {
      const sub = v5(clients);
      const got = collect(sub);
      await startV5(sub, broker(), [['dup/#', 1]]);
      const proxy = await startFaultProxy({ targetPort: broker().port });
      try {
        const pub = v5(clients, { clientId: uid('dup') });
        pub.reconnectDelaySet(0.02, 0.05);
        const sent: string[] = [];
        pub.on_log = (_c: Client, _u: unknown, _l: number, line: string) => {
          const m = /^Sending PUBLISH \(d(\d).*?, 'b'([^']*)''/.exec(line);
          if (m) sent.push(`d${m[1]} ${m[2]}`);
        };
        const reasons: unknown[] = [];
        pub.on('disconnect', (rc: unknown) => reasons.push(rc));
        const first = nextEvent(pub, 'connect');
        await pub.connect(proxy.host, proxy.port, 60, '', 0, false, { SessionExpiryInterval: 60 });
        pub.loopStart();
        await first;
        proxy.stall(); // nothing gets through: every PUBLISH stays unacknowledged
        const infos = [];
        for (let i = 0; i < 6; i++) infos.push(pub.publish(i % 2 === 0 ? 'dup/a' : 'dup/b', String(i), 1));
        await waitFor(() => sent.length === 6, 5000, 'six PUBLISHes written');
        expect(sent).toEqual(['d0 dup/a', 'd0 dup/b', 'd0 ', 'd0 ', 'd0 ', 'd0 ']);
        sent.length = 0;
        const back = nextEvent(pub, 'connect');
        proxy.dropAll();
        proxy.unstall();
        const [flags] = (await back) as [{ sessionPresent: boolean }];
        expect(flags.sessionPresent).toBe(true);
        await Promise.all(infos.map((x) => x.waitForPublish()));
        // The new connection's aliases: each topic in full first, with DUP.
        expect(sent).toEqual(['d1 dup/a', 'd1 dup/b', 'd1 ', 'd1 ', 'd1 ', 'd1 ']);
        await waitFor(() => got.length >= 6, 5000, () => `six messages, got ${JSON.stringify(texts(got))}`);
        expect(texts(got)).toEqual(['dup/a=0', 'dup/b=1', 'dup/a=2', 'dup/b=3', 'dup/a=4', 'dup/b=5']);
        expect(reasons).toEqual([MQTT_ERR_CONN_LOST]); // the cut only: no DISCONNECT 0x82 for a stale alias
      } finally {
        await proxy.close();
      }
    });



    test('subscription identifiers reach the broker and come back on each message, one per matching subscription', async () => {
      const sub = v5(clients);
      const got = collect(sub);
      await startV5(sub, broker());
      await subscribeWithOptions(sub, [{ topic: 'sid/#', qos: 1 }], { SubscriptionIdentifier: 7 });
      await subscribeWithOptions(sub, [{ topic: 'sid/+/x', qos: 1 }], { SubscriptionIdentifier: 300000 });
      const pub = v5(clients);
      await startV5(pub, broker());
      await pub.publish('sid/a/x', 'both', 1).waitForPublish();
      await pub.publish('sid/only', 'one', 1).waitForPublish();
      await marker(pub, got, 'sid/marker');
      // mosquitto sends one PUBLISH per matching subscription, each with that subscription's id.
      const ids = (topic: string) => got.filter((m) => m.topic === topic)
        .flatMap((m) => (m.properties?.SubscriptionIdentifier as number[] | undefined) ?? []).sort((x, y) => x - y);
      expect(ids('sid/a/x')).toEqual([7, 300000]);
      expect(ids('sid/only')).toEqual([7]);
      expect(got.every((m) => Array.isArray(m.properties?.SubscriptionIdentifier))).toBe(true);
    });

    test('no-local: a subscriber does not get its own messages back; others still do', async () => {
      const a = v5(clients);
      const gotA = collect(a);
      await startV5(a, broker());
      await subscribeWithOptions(a, [{ topic: 'nl/#', qos: 1, noLocal: true }]);
      const b = v5(clients);
      const gotB = collect(b);
      await startV5(b, broker(), [['nl/#', 1]]);
      await a.publish('nl/from-a', 'x', 1).waitForPublish();
      await marker(b, gotA, 'nl/marker');
      await waitFor(() => gotB.some((m) => m.topic === 'nl/marker'), 5000, 'the marker at b');
      expect(texts(gotA)).toEqual(['nl/marker=marker']);
      expect(texts(gotB).filter((t) => t.startsWith('nl/from-a'))).toEqual(['nl/from-a=x']);
    });

    test('retain handling 0 / 1 / 2 and retain-as-published', async () => {
      const pub = v5(clients);
      await startV5(pub, broker());
      await pub.publish('rh/x', 'kept', 1, true).waitForPublish();

      const c = v5(clients);
      const got = collect(c);
      await startV5(c, broker(), [['rh/marker0', 1]]);
      await subscribeWithOptions(c, [{ topic: 'rh/x', qos: 1, retainHandling: 2 }]);
      await marker(pub, got, 'rh/marker0');
      expect(texts(got)).toEqual(['rh/marker0=marker']); // 2: never on subscribe

      const d = v5(clients);
      const gotD = collect(d);
      await startV5(d, broker(), [['rh/marker', 1]]);
      await subscribeWithOptions(d, [{ topic: 'rh/x', qos: 1, retainHandling: 1 }]);
      await waitFor(() => gotD.length >= 1, 5000, 'the retained message for a new subscription');
      await subscribeWithOptions(d, [{ topic: 'rh/x', qos: 1, retainHandling: 1 }]); // exists already: not sent again
      await subscribeWithOptions(d, [{ topic: 'rh/x', qos: 1, retainHandling: 0 }]); // 0: sent on every subscribe
      await marker(pub, gotD, 'rh/marker');
      expect(gotD.map((m) => `${m.topic}=${m.payload.toString()} r${m.retain ? 1 : 0}`)).toEqual([
        'rh/x=kept r1', 'rh/x=kept r1', 'rh/marker=marker r0',
      ]);

      // A live retained message: forwarded with RETAIN 0, unless retain-as-published.
      const rap = v5(clients);
      const gotRap = collect(rap);
      await startV5(rap, broker());
      await subscribeWithOptions(rap, [{ topic: 'rap/#', qos: 1, retainAsPublished: true }]);
      const plain = v5(clients);
      const gotPlain = collect(plain);
      await startV5(plain, broker(), [['rap/#', 1]]);
      await pub.publish('rap/live', 'v', 1, true).waitForPublish();
      await waitFor(() => gotRap.length >= 1 && gotPlain.length >= 1, 5000, 'the live retained message at both');
      expect(gotRap.map((m) => m.retain)).toEqual([true]);
      expect(gotPlain.map((m) => m.retain)).toEqual([false]);
      await pub.publish('rap/live', '', 1, true).waitForPublish(); // clear it
      await pub.publish('rh/x', '', 1, true).waitForPublish();
    });

    test('shared subscription: two members split the messages, none lost or duplicated; callbacks by filter fire', async () => {
      const filter = '$share/grp/shr/#';
      expect(topicMatchesSub(filter, 'shr/7')).toBe(true);
      expect(topicMatchesSub(filter, 'other/7')).toBe(false);
      const n = 60;
      const counter = new SeqCounter(n);
      const perMember = [0, 0];
      let onMessage = 0;
      const members = [0, 1].map((i) => {
        const m = v5(clients);
        m.on_message = () => { onMessage++; };
        m.messageCallbackAdd(filter, (_c: Client, _u: unknown, msg: MQTTMessage) => {
          perMember[i]++;
          counter.add(msg.payload);
        });
        return m;
      });
      for (const m of members) await startV5(m, broker(), [[filter, 1]]);
      const pub = v5(clients);
      await startV5(pub, broker());
      const infos = [];
      for (let i = 0; i < n; i++) infos.push(pub.publish(`shr/${i % 5}`, String(i), 1));
      await Promise.all(infos.map((i) => i.waitForPublish()));
      await waitFor(() => counter.total >= n, 5000, () => counter.describe());
      expect(counter.distinct).toBe(n);
      expect(counter.total).toBe(n);
      expect(perMember[0]).toBeGreaterThan(0);
      expect(perMember[1]).toBeGreaterThan(0);
      expect(onMessage).toBe(0);
    });

    test('a DISCONNECT from the server reaches on_disconnect with its reason code (0x82 for a PUBLISH with an unknown topic alias)', async () => {
      const c = v5(clients, { reconnectOnFailure: false });
      const lines: string[] = [];
      c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => lines.push(line);
      await startV5(c, broker());
      const gone = nextEvent(c, 'disconnect');
      // A PUBLISH the client would never send: empty topic, alias 5 never set on this connection.
      const bad = Buffer.from('3006' + '0000' + '03230005' + '78', 'hex');
      (c.socket() as net.Socket).write(bad);
      const [rc] = await gone;
      expect(Number(rc)).toBe(0x82); // a ReasonCodes (VERSION1, MQTT 5)
      // paho's line: it shows the reason code only when the DISCONNECT carries properties.
      expect(lines).toContain('Received DISCONNECT None None');
    });

    test('session takeover: mosquitto 2.0.11 closes the first connection without a DISCONNECT (rc MQTT_ERR_CONN_LOST)', async () => {
      const id = uid('tk');
      const first = v5(clients, { clientId: id, reconnectOnFailure: false });
      await startV5(first, broker());
      const gone = nextEvent(first, 'disconnect');
      const second = v5(clients, { clientId: id });
      await startV5(second, broker());
      const [rc] = await gone;
      expect(rc).toBe(MQTT_ERR_CONN_LOST);
      expect(second.isConnected()).toBe(true);
    });
  });

  describe('broker limits: max_inflight_messages 2, max_keepalive 20, max_packet_size 300, max_topic_alias 3, max_qos 1, retain_available false', () => {
    const broker = useBroker(MOSQUITTO, {
      extraConfig: 'max_inflight_messages 2\nmax_keepalive 20\nmax_packet_size 300\nmax_topic_alias 3\nmax_qos 1\nretain_available false',
    });
    const clients = useClients();

    test('Maximum QoS 1 and Retain Available 0: QoS 2 and retained publishes are refused at the call (MQTT_ERR_NOT_SUPPORTED)', async () => {
      const sub = v5(clients);
      const got = collect(sub);
      await startV5(sub, broker(), [['mq/#', 1]]);
      const pub = v5(clients);
      await startV5(pub, broker());
      expect(pub.publish('mq/a', 'q2', 2).rc).toBe(MQTT_ERR_NOT_SUPPORTED);
      expect(pub.publish('mq/a', 'r', 1, true).rc).toBe(MQTT_ERR_NOT_SUPPORTED);
      expect(pub.publish('mq/a', 'r0', 0, true).rc).toBe(MQTT_ERR_NOT_SUPPORTED);
      await marker(pub, got, 'mq/marker');
      expect(texts(got)).toEqual(['mq/marker=marker']);
      expect(pub.isConnected()).toBe(true);
    });

    test('Receive Maximum caps the in-flight window; Server Keep Alive replaces ours', async () => {
      const c = v5(clients);
      c.maxInflightMessagesSet(20);
      const [flags, rc, props] = await (async () => {
        const ev = nextEvent(c, 'connect');
        await c.connect(broker().host, broker().port, 60);
        c.loopStart();
        return (await ev) as [unknown, unknown, PacketProperties];
      })();
      expect(flags).toMatchObject({ sessionPresent: false });
      expect(Number(rc)).toBe(0);
      expect(props).toMatchObject({ ReceiveMaximum: 2, ServerKeepAlive: 20 });
      const infos = [];
      for (let i = 0; i < 10; i++) infos.push(c.publish('rm/x', String(i), 1));
      expect(debugSizes(c).inflight).toBe(2); // before any PUBACK could be read
      await Promise.all(infos.map((i) => i.waitForPublish()));
      expect((sessionOf(c) as unknown as { keepaliveMs: number }).keepaliveMs).toBe(20_000);
    });

    test("the server's Maximum Packet Size: an oversize publish is refused at the call; one that fits is delivered", async () => {
      const sub = v5(clients);
      const got = collect(sub);
      await startV5(sub, broker(), [['mps/#', 1]]);
      const pub = v5(clients);
      await startV5(pub, broker());
      const props: PacketProperties = { UserProperty: [['k', 'v'.repeat(50)]] };
      // The largest payload whose whole PUBLISH (header, topic, id, properties) is 300 bytes: 231.
      let n = 0;
      while (publishPacketSize('mps/a', n + 1, 1, props, 5) <= 300) n++;
      expect(n).toBe(231);
      const fits = pub.publish('mps/a', Buffer.alloc(n), 1, false, props);
      expect(fits.rc).toBe(MQTT_ERR_SUCCESS);
      expect(pub.publish('mps/a', Buffer.alloc(n + 1), 1, false, props).rc).toBe(MQTT_ERR_PAYLOAD_SIZE);
      expect(pub.publish('mps/a', Buffer.alloc(n + 1), 2, false, props).rc).toBe(MQTT_ERR_PAYLOAD_SIZE);
      expect(pub.publish('mps/a', Buffer.alloc(n + 3), 0, false, props).rc).toBe(MQTT_ERR_PAYLOAD_SIZE); // no packet id: 2 bytes less
      await fits.waitForPublish();
      await marker(pub, got, 'mps/marker');
      expect(got.map((m) => m.payload.length)).toEqual([n, 6]);
      expect(pub.isConnected()).toBe(true);
    });

    test('our Maximum Packet Size: mosquitto does not send this client what is larger', async () => {
      const small = v5(clients, { maxPacketSize: 200 });
      const got = collect(small);
      let lost = 0;
      small.on('disconnect', () => { lost++; });
      await startV5(small, broker(), [['cmp/#', 1]]);
      const pub = v5(clients);
      await startV5(pub, broker());
      await pub.publish('cmp/big', Buffer.alloc(250), 1).waitForPublish();
      await pub.publish('cmp/small', Buffer.alloc(50), 1).waitForPublish();
      await marker(pub, got, 'cmp/marker');
      expect(got.map((m) => m.topic)).toEqual(['cmp/small', 'cmp/marker']);
      expect(lost).toBe(0);
    });

    test('topic aliases: many publishes over few topics arrive with the right topics, across a reconnect', async () => {
      const sub = v5(clients);
      const got = collect(sub);
      await startV5(sub, broker(), [['ta/#', 1]]);
      const pub = v5(clients);
      const sent: string[] = [];
      pub.on_log = (_c: Client, _u: unknown, _l: number, line: string) => {
        const m = /^Sending PUBLISH .*?, 'b'([^']*)''/.exec(line);
        if (m) sent.push(m[1]);
      };
      let drops = 0;
      pub.on('disconnect', () => { drops++; });
      await startV5(pub, broker());
      const topics = ['ta/one', 'ta/two', 'ta/three', 'ta/four', 'ta/five'];
      // One QoS per round: QoS 0 goes out at once, QoS 1 behind the window, so mixing would reorder the log.
      const round = async (from: number, count: number, qos: 0 | 1): Promise<void> => {
        const infos = [];
        for (let i = from; i < from + count; i++) infos.push(pub.publish(topics[i % 5], String(i), qos));
        await Promise.all(infos.map((x) => x.waitForPublish()));
      };
      await round(0, 40, 1);
      // The first three topics got aliases (max 3): after their first PUBLISH they go with an empty topic.
      expect(sent.slice(0, 5)).toEqual(topics);
      expect(sent.slice(5, 10)).toEqual(['', '', '', 'ta/four', 'ta/five']);
      sent.length = 0;
      const back = nextEvent(pub, 'connect');
      await pub.reconnect();
      await back;
      await round(40, 40, 0);
      // A new connection: each topic goes in full first again (a stale alias would be a protocol error).
      expect(sent.slice(0, 5)).toEqual(topics);
      expect(sent.slice(5, 10)).toEqual(['', '', '', 'ta/four', 'ta/five']);
      await waitFor(() => got.length >= 80, 5000, () => `80 messages, got ${got.length}`);
      const wrong = got.filter((m) => m.topic !== topics[Number(m.payload.toString()) % 5]);
      expect(wrong.map((m) => `${m.topic}=${m.payload.toString()}`)).toEqual([]);
      expect(new Set(got.map((m) => m.payload.toString())).size).toBe(80);
      expect(drops).toBe(0);
    });
  });
});
