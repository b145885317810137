/*
 * The will (published when the connection dies without DISCONNECT, not after disconnect())
 * and persistent sessions (cleanSession false): messages published while the client was away
 * arrive when it comes back, exactly once.
 *
 * Per transport (tcp, tls, ws, wss, unix; describeEachTransport) runs the will on a socket
 * destroyed under the client (MQTT 3.1.1): how a connection dies is the transport's business.
 * willClear() and the persistent sessions test the broker's semantics and run over TCP only,
 * on each broker (describeEachBroker).
 */
import * as net from 'net';
import { Client, MQTT_ERR_CONN_LOST, MQTT_ERR_SUCCESS, MQTTMessage, MQTTMessageInfo, MQTTv31, MQTTv311 } from '../../lib';
import { describeEachTransport } from '../support/transports';
import {
  BrokerKind, collect, describeEachBroker, nextEvent, SeqCounter, startClient, uid, useBroker, useClients, waitFor,
} from './support';
import { debugSizes } from '../support/clientInternals';

/**
 * A will is published when the socket is destroyed, and not after disconnect(). `make` gives
 * a client of the protocol under test, `start` connects it (and subscribes it to `subs`).
 */
async function willOnDeadSocket(
  make: () => Client, makeObserver: () => Client, start: (c: Client, subs?: Array<[string, number]>) => Promise<unknown>,
): Promise<void> {
  const observer = makeObserver();
  const wills = collect(observer);
  await start(observer, [['will/#', 1]]);

  // B sets a will and leaves politely: its will must not be published.
  const b = make();
  b.willSet('will/x', 'from-b', 1, false);
  await start(b);
  const bGone = nextEvent(b, 'disconnect');
  expect(b.disconnect()).toBe(MQTT_ERR_SUCCESS);
  const [bRc] = await bGone;
  expect(bRc).toBe(0);

  // A sets a will and its socket dies (no DISCONNECT): its will must be published. A connects
  // only after B's connection is closed, so the broker handled B's close before A's.
  const a = make();
  a.willSet('will/x', 'from-a', 1, false);
  await start(a);
  const aGone = nextEvent(a, 'disconnect');
  (a.socket() as net.Socket).destroy();
  const [aRc] = await aGone;
  expect(aRc).toBe(MQTT_ERR_CONN_LOST);
  await waitFor(() => wills.length >= 1, 5000, "A's will");

  // A marker through the same broker, then the observer has seen everything published before it.
  const marker = makeObserver();
  await start(marker);
  await marker.publish('will/marker', 'm', 1).waitForPublish();
  await waitFor(() => wills.some((m) => m.topic === 'will/marker'), 5000, 'the marker');

  expect(wills.map((m) => `${m.topic}=${m.payload.toString()}`)).toEqual(['will/x=from-a', 'will/marker=m']);
  expect(wills[0].qos).toBe(1);
}

describeEachBroker('will', (kind: BrokerKind) => {
  const broker = useBroker(kind);
  const clients = useClients();

  test.each([['MQTT 3.1', MQTTv31], ['MQTT 3.1.1', MQTTv311]])('%s: is published when the socket is destroyed, and not after disconnect()', async (_n, protocol) => {
    await willOnDeadSocket(() => clients.make({ protocol }), () => clients.make(), (c, subs) => startClient(c, broker(), subs));
  });

  test('willClear() removes the will', async () => {
    const observer = clients.make();
    const wills = collect(observer);
    await startClient(observer, broker(), [['willclear/#', 1]]);
    const a = clients.make();
    a.willSet('willclear/x', 'should-not-appear', 1, false);
    a.willClear();
    await startClient(a, broker());
    const aGone = nextEvent(a, 'disconnect');
    (a.socket() as net.Socket).destroy();
    await aGone;
    const marker = clients.make();
    await startClient(marker, broker());
    await marker.publish('willclear/marker', 'm', 1).waitForPublish();
    await waitFor(() => wills.length >= 1, 5000, 'the marker');
    expect(wills.map((m) => m.topic)).toEqual(['willclear/marker']);
  });
});

describeEachBroker('persistent session (cleanSession false)', (kind: BrokerKind) => {
  const broker = useBroker(kind);
  const clients = useClients();
  const qosLevels = kind.qos2 ? [1, 2] : [1];
  const N = 30;

  /** Publishes `m0..m{N-1}` then 'end' on `topic` from a fresh client and waits until all are acknowledged. */
  async function publishWhileAway(topic: string, qos: number): Promise<void> {
    const pub = clients.make();
    await startClient(pub, broker());
    const infos: MQTTMessageInfo[] = [];
    for (let i = 0; i < N; i++) infos.push(pub.publish(topic, `m${i}`, qos));
    infos.push(pub.publish(topic, 'end', qos));
    await Promise.all(infos.map((i) => i.waitForPublish()));
  }

  /**
   * mosca delivers a resumed session's queued messages out of order (seen: m0 m4 m1 m2 m3 ... end m25),
   * so 'end' alone does not mean "everything before it arrived". Once all N arrived, a live message
   * published now and received proves the broker has nothing older left to (re)send.
   */
  async function liveMarker(receiver: Client, topic: string, qos: number): Promise<void> {
    let seen = false;
    const onMsg = (m: MQTTMessage) => { if (m.payload.toString() === 'live-marker') seen = true; };
    receiver.on('message', onMsg);
    const pub = clients.make();
    await startClient(pub, broker());
    await pub.publish(topic, 'live-marker', qos).waitForPublish();
    await waitFor(() => seen, 5000, 'the live marker');
    receiver.off('message', onMsg);
  }

  describe.each(qosLevels)('QoS %i', (qos) => {
    test('a new Client with the same id receives what was published while it was away', async () => {
      const id = uid('sess');
      const topic = `sess/new/q${qos}`;
      const first = clients.make({ clientId: id, cleanSession: false });
      const firstConn = await startClient(first, broker(), [[topic, qos]]);
      expect(firstConn.granted).toEqual([qos]);
      const gone = nextEvent(first, 'disconnect');
      first.disconnect();
      await gone;
      await first.loopStop();

      await publishWhileAway(topic, qos);

      const second = clients.make({ clientId: id, cleanSession: false });
      const counter = new SeqCounter(N, 'm');
      const got: MQTTMessage[] = [];
      let ended = false;
      second.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
        if (m.payload.toString() === 'end') ended = true;
        else if (m.payload.toString() !== 'live-marker') {
          got.push(m);
          counter.add(m.payload);
        }
      };
      let flags: { sessionPresent: boolean; 'session present': number } | undefined;
      second.on_connect = (_c: Client, _u: unknown, f: typeof flags) => { flags = f; };
      await startClient(second, broker());
      expect(flags).toEqual({ sessionPresent: true, 'session present': 1 });
      await waitFor(() => ended && counter.distinct === N, 5000, () => `the messages published while away: ${counter.describe()}`);
      await liveMarker(second, topic, qos);
      expect(counter.missing()).toEqual([]);
      expect(counter.duplicates()).toEqual([]);
      expect(counter.strays).toEqual([]);
      expect(got.every((m) => m.qos === qos && m.topic === topic)).toBe(true);
      // The last PUBREL may still be on its way: the QoS 2 state must drain to nothing.
      await waitFor(() => debugSizes(second).incomingQos2 === 0, 2000,
        () => `incoming QoS 2 state to drain (${JSON.stringify(debugSizes(second))})`);
    });

    test('the same Client object, reconnect() after disconnect(), receives them too', async () => {
      const id = uid('sess');
      const topic = `sess/same/q${qos}`;
      const c = clients.make({ clientId: id, cleanSession: false });
      const counter = new SeqCounter(N, 'm');
      let ended = false;
      c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => {
        if (m.payload.toString() === 'end') ended = true;
        else if (m.payload.toString() !== 'live-marker') counter.add(m.payload);
      };
      const connects: boolean[] = [];
      c.on_connect = (_c: Client, _u: unknown, f: { sessionPresent: boolean }) => { connects.push(f.sessionPresent); };
      await startClient(c, broker(), [[topic, qos]]);
      const gone = nextEvent(c, 'disconnect');
      c.disconnect();
      await gone;

      await publishWhileAway(topic, qos);

      await c.reconnect();
      await waitFor(() => connects.length === 2, 5000, 'the second on_connect');
      expect(connects[1]).toBe(true);
      await waitFor(() => ended && counter.distinct === N, 5000, () => `the messages published while away: ${counter.describe()}`);
      await liveMarker(c, topic, qos);
      expect(counter.missing()).toEqual([]);
      expect(counter.duplicates()).toEqual([]);
    });
  });

  test('a clean session does not get them (control)', async () => {
    const id = uid('clean');
    const topic = 'sess/clean';
    const first = clients.make({ clientId: id, cleanSession: true });
    await startClient(first, broker(), [[topic, 1]]);
    const gone = nextEvent(first, 'disconnect');
    first.disconnect();
    await gone;
    await publishWhileAway(topic, 1);
    const second = clients.make({ clientId: id, cleanSession: true });
    const got = collect(second);
    const { sessionPresent } = await startClient(second, broker(), [[topic, 1]]);
    expect(sessionPresent).toBe(false);
    const marker = clients.make();
    await startClient(marker, broker());
    await marker.publish(topic, 'after', 1).waitForPublish();
    await waitFor(() => got.length >= 1, 5000, 'the marker');
    expect(got.map((m) => m.payload.toString())).toEqual(['after']);
  });
});

describeEachTransport('will', (t) => {
  const clients = useClients();

  test('MQTT 3.1.1: is published when the socket is destroyed, and not after disconnect()', async () => {
    await willOnDeadSocket(() => t.make(clients, { protocol: MQTTv311 }), () => t.make(clients), (c, subs) => t.start(c, subs));
  });
});
