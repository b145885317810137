/*
 * MQTT 5 topic aliases set paho's way through the Client, against mosquitto 2.0 (which allows
 * 10 aliases per client by default, max_topic_alias): props.TopicAlias = 1 on publish(topic),
 * then publish('', ..., props). A subscriber checks that every message arrives on its full
 * topic, including the QoS 1 messages in flight when the broker closed the connection and
 * resent on the next one. Bad aliases are ValueErrors at the call; mosquitto never gets to
 * close the connection over one (it would: 0x94 above its maximum, 0x82 for an unmapped alias).
 */
import {
  Client, ClientOptions, MQTTMessage, MQTTv311, MQTTv5, PacketTypes, Properties, ValueError,
} from '../../lib';
import { startFaultProxy } from '../support/faultProxy';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { collect, nextEvent, uid, useClients, waitFor, within } from './support';

function useMosquitto(opts: Parameters<typeof startMosquitto>[0] = {}): () => MosquittoBroker {
  let broker: MosquittoBroker | undefined;
  beforeAll(async () => { broker = await startMosquitto(opts); });
  afterAll(async () => { await broker?.stop(); });
  return () => broker!;
}

function aliasProps(n: number): Properties {
  const props = new Properties(PacketTypes.PUBLISH);
  props.TopicAlias = n;
  return props;
}

/** Connects under loopStart (MQTT 5 arguments) and waits for CONNACK. */
async function start(c: Client, host: string, port: number, cleanStart: boolean | number = true, props?: Record<string, number>): Promise<void> {
  const ack = nextEvent(c, 'connect');
  await c.connect(host, port, 60, '', 0, cleanStart, props);
  c.loopStart();
  await ack;
}

async function subscribe(c: Client, filter: string): Promise<void> {
  const [rc, mid] = c.subscribe(filter, 1);
  expect(rc).toBe(0);
  for (;;) if ((await nextEvent(c, 'subscribe'))[0] === mid) return;
}

/** "topic=payload" of each message. */
const texts = (got: MQTTMessage[]): string[] => got.map((m) => `${m.topic}=${m.payload.toString()}`);

/** Records "d<dup> <topic on the wire> <TopicAlias>" of each PUBLISH the client sends, from its log lines. */
function wireLog(c: Client): string[] {
  const sent: string[] = [];
  c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => {
    // paho's line: Sending PUBLISH (d0, q1, r0, m2), 'b'topic'', properties=[...], ... (1 bytes)
    const m = /^Sending PUBLISH \(d(\d)[^)]*\), 'b'(.*?)'', /.exec(line);
    if (m) sent.push(`d${m[1]} ${m[2]}`);
  };
  return sent;
}

describeWithMosquitto('topic aliases set by the caller (paho\'s way), against mosquitto', () => {
  const clients = useClients();
  const v5 = (o: ClientOptions = {}): Client => clients.make({ protocol: MQTTv5, cleanSession: undefined, ...o });

  describe('default mosquitto (max_topic_alias 10)', () => {
    const broker = useMosquitto();

    test('publish(topic, props with TopicAlias 1), then publish(\'\', props): every message arrives on its full topic', async () => {
      const sub = v5();
      const got = collect(sub);
      await start(sub, broker().host, broker().port);
      await subscribe(sub, 'ta1/#');
      const pub = v5();
      const sent = wireLog(pub);
      const drops: unknown[] = [];
      pub.on('disconnect', (...a: unknown[]) => drops.push(a));
      await start(pub, broker().host, broker().port);

      const props = aliasProps(1);
      const infos = [pub.publish('ta1/one', 'a', 1, false, props), pub.publish('', 'b', 1, false, props), pub.publish('', 'c', 0, false, props)];
      props.TopicAlias = 10; // mosquitto's maximum
      infos.push(pub.publish('ta1/ten', 'd', 2, false, props), pub.publish('', 'e', 2, false, props));
      props.TopicAlias = 1;
      infos.push(pub.publish('', 'f', 1, false, props));
      await within(Promise.all(infos.map((i) => i.waitForPublish())), 10_000, 'the six messages acknowledged');
      expect(sent).toEqual(['d0 ta1/one', 'd0 ', 'd0 ', 'd0 ta1/ten', 'd0 ', 'd0 ']);

      // Refused at the call: nothing reaches mosquitto, the connection stays up.
      expect(() => pub.publish('ta1/x', 'no', 1, false, aliasProps(11))).toThrow(ValueError);
      expect(() => pub.publish('ta1/x', 'no', 1, false, aliasProps(11))).toThrow(/^properties: TopicAlias 11 is above the server's Topic Alias Maximum of 10$/);
      expect(() => pub.publish('', 'no', 1, false, aliasProps(5))).toThrow(/^topic: empty, but TopicAlias 5 was never mapped on this connection/);
      expect(() => pub.publish('', 'no', 1)).toThrow(/^topic: must not be empty/);
      expect(() => aliasProps(0)).toThrow(ValueError);
      expect(sent).toHaveLength(6);

      await pub.publish('ta1/end', 'end', 1).waitForPublish();
      await waitFor(() => got.length === 7, 5000, () => `seven messages, got ${JSON.stringify(texts(got))}`);
      // (QoS 2 and QoS 1 flows finish in their own time at the broker: compare without order.)
      expect(texts(got).sort()).toEqual(['ta1/end=end', 'ta1/one=a', 'ta1/one=b', 'ta1/one=c', 'ta1/one=f', 'ta1/ten=d', 'ta1/ten=e']);
      expect(drops).toEqual([]);
    });

    test('QoS 1 in flight when mosquitto closes the connection: resent on the next one, each on its full topic', async () => {
      const sub = v5();
      const got = collect(sub);
      await start(sub, broker().host, broker().port);
      await subscribe(sub, 'ta2/#');
      const proxy = await startFaultProxy({ targetPort: broker().port });
      try {
        const id = uid('ta2');
        const pub = v5({ clientId: id });
        pub.reconnectDelaySet(0.02, 0.05);
          const sent = wireLog(pub);
        const drops: unknown[] = [];
        pub.on('disconnect', (...a: unknown[]) => drops.push(a));
        await start(pub, proxy.host, proxy.port, false, { SessionExpiryInterval: 60 });

        const props = aliasProps(1);
        await pub.publish('ta2/one', '0', 1, false, props).waitForPublish(); // maps alias 1, acknowledged
        proxy.stall(); // nothing gets through: every PUBLISH from here on stays unacknowledged
        const infos = [];
        for (let i = 1; i < 6; i++) infos.push(pub.publish('', String(i), 1, false, props));
        await waitFor(() => sent.length === 6, 5000, 'six PUBLISHes written');
        expect(sent).toEqual(['d0 ta2/one', 'd0 ', 'd0 ', 'd0 ', 'd0 ', 'd0 ']);
        sent.length = 0;

        // The broker ends the connection: another client takes the session over (mosquitto closes the old one).
        const lost = nextEvent(pub, 'disconnect');
        const other = v5({ clientId: id });
        await start(other, broker().host, broker().port, false, { SessionExpiryInterval: 60 });
        await lost;
        other.disconnect();
        await other.loopStop();

        // The caller's aliases went with the connection.
        expect(() => pub.publish('', 'late', 1, false, props)).toThrow(/^topic: empty, but TopicAlias 1 was never mapped on this connection/);

        const back = nextEvent(pub, 'connect');
        proxy.unstall();
        const [flags] = (await back) as [{ sessionPresent: boolean }];
        expect(flags.sessionPresent).toBe(true);
        await within(Promise.all(infos.map((x) => x.waitForPublish())), 10_000, 'the five resent messages acknowledged');
        // The new connection: each message was published with an empty topic, yet the first resend
        // carries its full topic (and sets alias 1 up again); the rest use it.
        expect(sent).toEqual(['d1 ta2/one', 'd1 ', 'd1 ', 'd1 ', 'd1 ']);

        await pub.publish('ta2/two', 'again', 1, false, props).waitForPublish();
        await pub.publish('', 'again2', 1, false, props).waitForPublish();
        await waitFor(() => got.length === 8, 5000, () => `eight messages, got ${JSON.stringify(texts(got))}`);
        expect(texts(got)).toEqual([
          'ta2/one=0', 'ta2/one=1', 'ta2/one=2', 'ta2/one=3', 'ta2/one=4', 'ta2/one=5', 'ta2/two=again', 'ta2/two=again2',
        ]);
        expect(drops).toHaveLength(1); // the takeover only: no DISCONNECT 0x82 / 0x94 over an alias
        expect(broker().log()).not.toMatch(new RegExp(`Client ${id} disconnected due to protocol error`));
      } finally {
        await proxy.close();
      }
    });
  });

  describe('mosquitto with max_topic_alias 0 (its CONNACK announces no Topic Alias Maximum)', () => {
    const broker = useMosquitto({ extraConfig: 'max_topic_alias 0' });

    test('a caller alias is refused at the call; automatic assignment stays off; messages go in full', async () => {
      const sub = v5();
      const got = collect(sub);
      await start(sub, broker().host, broker().port);
      await subscribe(sub, 'ta0/#');
      const pub = v5();
      const drops: unknown[] = [];
      pub.on('disconnect', (...a: unknown[]) => drops.push(a));
      await start(pub, broker().host, broker().port);
      expect(() => pub.publish('ta0/a', 'no', 1, false, aliasProps(1))).toThrow(/^properties: TopicAlias 1: the server allows no topic aliases on this connection/);
      await pub.publish('ta0/a', 'x', 1).waitForPublish();
      await pub.publish('ta0/a', 'y', 1).waitForPublish();
      await waitFor(() => got.length === 2, 5000, 'two messages');
      expect(texts(got)).toEqual(['ta0/a=x', 'ta0/a=y']);
      expect(drops).toEqual([]);
    });
  });

  test('MQTT 3.1.1: properties (TopicAlias included) and an empty topic are refused at the call, as before', () => {
    const c = clients.make({ protocol: MQTTv311 });
    expect(() => c.publish('a', 'x', 1, false, aliasProps(1))).toThrow(/^properties: MQTT 5 only/);
    expect(() => c.publish('', 'x', 1, false, aliasProps(1))).toThrow(/^topic: /);
  });
});
