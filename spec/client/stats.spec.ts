/**
 * Client.stats(): exact counts for a scripted exchange on the in-memory broker with the fake
 * clock: publishes each way at each QoS and their acks, a PINGREQ round trip, time connected, a
 * lost connection, a refused socket and the reconnect after it, queue-full drops and refusals,
 * read pauses. Bytes are checked against the packets the broker decoded, re-encoded.
 */
import { Client, ClientStats, MQTTMessage, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_SUCCESS, MQTTv311 } from '../../lib';
import { encode, Packet } from '../../lib/protocol';
import type { MemoryPeer } from '../../lib/transport/memory';
import { sessionOf } from '../support/clientInternals';
import { MemoryBroker, publishPacket } from '../support/memoryBroker';
import { advance, deferred, settle, started, useFakeClock } from '../support/wait';

useFakeClock();

/** The memory broker, also counting the bytes it sends to the client. */
class CountingBroker extends MemoryBroker {
  bytesToClient = 0;
  packetsToClient = 0;

  constructor() {
    super(4, { clientId: 'stats', protocol: MQTTv311, clock: () => Date.now() });
  }

  override sendTo(peer: MemoryPeer, ...packets: Packet[]): void {
    for (const p of packets) this.bytesToClient += encode(p, this.level).length;
    this.packetsToClient += packets.length;
    super.sendTo(peer, ...packets);
  }

  /** Bytes of every packet the broker decoded from the client, on every connection. */
  bytesFromClient(): number {
    return this.packets.flat().reduce((n, p) => n + encode(p, this.level).length, 0);
  }

  bytesFromClientOf(type: Packet['type']): number {
    return this.of(type).reduce((n, p) => n + encode(p, this.level).length, 0);
  }
}

/** Every stats() field that counts packets of a type, as [type, in, out]. */
function typeCounts(s: ClientStats): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [k, v] of Object.entries(s.packetsIn)) if (k !== 'total' && (v > 0 || s.packetsOut[k as keyof typeof s.packetsOut] > 0)) out[k] = [v, s.packetsOut[k as keyof typeof s.packetsOut]];
  return out;
}

describe('Client.stats()', () => {
  test('a fresh client: every counter 0, state idle, nulls for what has not happened; a plain JSON-serialisable object, fresh each call', () => {
    const b = new CountingBroker();
    const c = b.client();
    const s = c.stats();
    expect(s.state).toBe('idle');
    expect(s.server).toEqual({ host: '', port: 1883, transport: 'tcp' });
    expect([s.attempts, s.connects, s.reconnects, s.failures, s.dropped, s.rejected, s.readPauses]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(s.packetsIn.total + s.packetsOut.total + s.bytesIn.total + s.bytesOut.total).toBe(0);
    expect(s.pingRoundTripMs).toBeNull();
    expect(s.connectedMs).toBeNull();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(s.packetsIn)).toBe(Object.prototype);
    expect(c.stats()).not.toBe(s);
    expect(c.stats().packetsIn).not.toBe(s.packetsIn);
    expect(Object.keys(s.packetsOut)).toEqual(['total', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
      'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth']);
  });

  test('a scripted exchange: packets, bytes and messages each way, in flight both ways, the PINGREQ round trip, time connected', async () => {
    const b = new CountingBroker();
    b.answerPings = false;
    const acks: Packet[] = [];
    b.onPacket = (p) => {
      if (p.type === 'subscribe') b.send({ type: 'suback', packetId: p.packetId, reasonCodes: p.subscriptions.map(() => 0) });
      if (p.type === 'publish' && p.qos > 0) acks.push(p.qos === 1 ? { type: 'puback', packetId: p.packetId! } : { type: 'pubrec', packetId: p.packetId! });
      if (p.type === 'pubrel') acks.push({ type: 'pubcomp', packetId: p.packetId });
    };
    const c = b.client();
    const got: MQTTMessage[] = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => { got.push(m); };
    await started(c, 10);
    const t0 = Date.now();
    let s = c.stats();
    expect(s.state).toBe('connected');
    expect(s.server).toEqual({ host: 'broker', port: 1883, transport: 'tcp' });
    expect([s.attempts, s.connects, s.reconnects, s.failures]).toEqual([1, 1, 0, 0]);
    expect(s.connectedMs).toBe(0);
    expect(typeCounts(s)).toEqual({ connect: [0, 1], connack: [1, 0] });
    expect(s.bytesOut.connect).toBe(b.bytesFromClientOf('connect'));
    expect(s.bytesIn.connack).toBe(4);

    expect(c.subscribe('in/#', 2)[0]).toBe(MQTT_ERR_SUCCESS);
    for (let i = 0; i < 3; i++) c.publish('out/0', `zero ${i}`, 0);
    for (let i = 0; i < 2; i++) c.publish('out/1', `one ${i}`, 1);
    for (let i = 0; i < 4; i++) c.publish('out/2', `two ${i}`, 2);
    await settle();
    s = c.stats();
    expect(s.messagesOut).toEqual({ qos0: 3, qos1: 2, qos2: 4 });
    expect(s.inFlight).toEqual({ out: 6, in: 0 }); // sent, no ack yet
    expect(s.queued.messages).toBe(6);
    // The broker acknowledges: PUBACK, PUBREC (the client answers PUBREL), then PUBCOMP.
    b.send(...acks.splice(0));
    await settle();
    expect(c.stats().inFlight.out).toBe(4); // QoS 2: PUBREL out, PUBCOMP awaited
    b.send(...acks.splice(0));
    await settle();
    s = c.stats();
    expect(s.inFlight.out).toBe(0);
    expect(s.queued).toEqual({ messages: 0, bytes: 0 });

    // The broker publishes 2 QoS 0, 1 QoS 1, 1 QoS 2; the QoS 2 waits for its PUBREL.
    b.send(publishPacket('in/a', 'x', 0), publishPacket('in/b', 'y', 0), publishPacket('in/c', 'z', 1, 7), publishPacket('in/d', 'w', 2, 8));
    await settle();
    s = c.stats();
    expect(s.messagesIn).toEqual({ qos0: 2, qos1: 1, qos2: 1 });
    expect(s.inFlight.in).toBe(1);
    b.send({ type: 'pubrel', packetId: 8 });
    await settle();
    expect(got.map((m) => m.topic)).toEqual(['in/a', 'in/b', 'in/c', 'in/d']);
    expect(c.stats().inFlight.in).toBe(0);

    // Keepalive 10 s: the PINGREQ goes out 10 s after the last send; its PINGRESP comes 250 ms later.
    const beforePing = c.stats().packetsOut.pingreq;
    await advance(10_000);
    expect(c.stats().packetsOut.pingreq).toBe(beforePing + 1);
    await advance(250);
    b.send({ type: 'pingresp' });
    await settle();
    s = c.stats();
    expect(s.pingRoundTripMs).toBe(250);
    expect(s.connectedMs).toBe(Date.now() - t0);
    expect(s.connectedMs).toBeGreaterThanOrEqual(10_250);

    expect(typeCounts(s)).toEqual({
      connect: [0, 1], connack: [1, 0], subscribe: [0, 1], suback: [1, 0],
      publish: [4, 9], puback: [2, 1], pubrec: [4, 1], pubrel: [1, 4], pubcomp: [4, 1],
      pingreq: [0, 1], pingresp: [1, 0],
    });
    // Every byte each way: what the broker decoded (re-encoded), what the broker sent.
    expect(s.packetsOut.total).toBe(b.packets.flat().length);
    expect(s.bytesOut.total).toBe(b.bytesFromClient());
    expect(s.bytesOut.publish).toBe(b.bytesFromClientOf('publish'));
    expect(s.packetsIn.total).toBe(b.packetsToClient);
    expect(s.bytesIn.total).toBe(b.bytesToClient);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);

    c.disconnect();
    await settle();
    s = c.stats();
    expect(s.state).toBe('idle');
    expect(s.connectedMs).toBeNull();
    expect(s.packetsOut.disconnect).toBe(1);
    expect(s.failures).toBe(0); // a wanted end is no failed attempt
    await c.loopStop();
  });

  test('a lost connection, a refused socket and a refused CONNACK: attempts, failures, connects and reconnects', async () => {
    const b = new CountingBroker();
    const c = b.client();
    await started(c, 60);
    b.refuseSockets = 1;
    b.peer.close(); // lost: the first reconnect is refused at the socket, the second gets CONNACK 5, the third gets in
    b.connackCode = 5;
    let s = c.stats();
    await settle();
    s = c.stats();
    expect(s.state).toBe('idle');
    expect(s.connectedMs).toBeNull();
    await advance(1_000); // backoff 1 s: the refused socket
    s = c.stats();
    expect([s.attempts, s.connects, s.failures]).toEqual([2, 1, 1]);
    await advance(2_000); // 2 s: CONNACK 5 (not authorised), the connection closes
    s = c.stats();
    expect([s.attempts, s.connects, s.failures]).toEqual([3, 1, 2]);
    expect(s.packetsIn.connack).toBe(2);
    b.connackCode = 0;
    await advance(4_000);
    s = c.stats();
    expect(s.state).toBe('connected');
    expect([s.attempts, s.connects, s.reconnects, s.failures]).toEqual([4, 2, 1, 2]);
    expect(s.packetsOut.connect).toBe(3); // the refused socket sent nothing
    expect(b.attempts.length).toBe(4);
    c.disconnect();
    await c.loopStop();
  });

  test('an attempt waiting for its CONNACK is no failure yet; one that gets none in time is', async () => {
    const b = new CountingBroker();
    b.connackCode = null;
    const c = b.client({ reconnectOnFailure: false });
    await c.connect('broker', 1883, 5);
    c.loopStart();
    await settle();
    let s = c.stats();
    expect([s.state, s.attempts, s.connects, s.failures, s.connectedMs]).toEqual(['connecting', 1, 0, 0, null]);
    await advance(5_000); // the CONNACK deadline (the keepalive)
    s = c.stats();
    expect([s.state, s.attempts, s.connects, s.failures]).toEqual(['idle', 1, 0, 1]);
    await c.loopStop();
  });

  test('idle memory: a connection that only connects and pings makes no counter table; the first other packet makes it', async () => {
    const b = new CountingBroker();
    const c = b.client();
    await started(c, 10);
    await advance(10_000);
    await advance(10_000);
    let s = c.stats();
    expect([s.packetsOut.pingreq, s.packetsIn.pingresp, s.bytesOut.pingreq, s.bytesIn.pingresp]).toEqual([2, 2, 4, 4]);
    expect([s.packetsOut.total, s.packetsIn.total]).toEqual([3, 3]);
    expect(sessionOf(c).traffic.table).toBeNull();
    c.publish('t', 'x', 0);
    await settle();
    expect(sessionOf(c).traffic.table).not.toBeNull();
    s = c.stats();
    expect([s.packetsOut.publish, s.packetsOut.pingreq, s.packetsOut.connect, s.messagesOut.qos0]).toEqual([1, 2, 1, 1]);
    expect(s.bytesOut.total).toBe(b.bytesFromClient());
    c.disconnect();
    await c.loopStop();
  });

  test('idle memory: a subscriber that only connects, subscribes and pings makes no counter table either; its counts are exact', async () => {
    const b = new CountingBroker();
    b.onPacket = (p, peer) => {
      if (p.type === 'subscribe') b.sendTo(peer, { type: 'suback', packetId: p.packetId, reasonCodes: p.subscriptions.map((x) => x.qos) });
    };
    const c = b.client();
    await started(c, 10);
    c.subscribe([['a/b', 0], ['c/#', 1]]);
    await settle();
    c.subscribe('d', 0);
    await settle();
    await advance(10_000);
    expect(sessionOf(c).traffic.table).toBeNull();
    const s = c.stats();
    expect(typeCounts(s)).toEqual({ connect: [0, 1], connack: [1, 0], subscribe: [0, 2], suback: [2, 0], pingreq: [0, 1], pingresp: [1, 0] });
    expect([s.bytesOut.subscribe, s.bytesIn.suback]).toEqual([b.bytesFromClientOf('subscribe'), b.bytesToClient - 4]); // all but the CONNACK
    expect(s.bytesOut.total).toBe(b.bytesFromClient());
    expect(s.bytesIn.total).toBe(b.bytesToClient + 2); // and the PINGRESP (the broker writes it by itself)
    c.disconnect();
    await c.loopStop();
  });

  test('queue-full drops and refusals are counted (the droppedMessages and rejectedMessages counters)', async () => {
    const b = new CountingBroker();
    const c = b.client();
    c.maxQueuedMessagesSet(2);
    // Offline: QoS 1 is queued, up to the bound; the third is refused.
    expect(c.publish('q', 'a', 1).rc).toBe(MQTT_ERR_SUCCESS);
    expect(c.publish('q', 'b', 1).rc).toBe(MQTT_ERR_SUCCESS);
    expect(c.publish('q', 'c', 1).rc).toBe(MQTT_ERR_QUEUE_SIZE);
    let s = c.stats();
    expect([s.dropped, s.rejected]).toEqual([0, 1]);
    expect(s.queued).toEqual({ messages: 2, bytes: 4 });
    c.queuePolicySet('drop-oldest');
    expect(c.publish('q', 'd', 1).rc).toBe(MQTT_ERR_SUCCESS);
    s = c.stats();
    expect([s.dropped, s.rejected]).toEqual([1, 1]);
    expect([s.dropped, s.rejected]).toEqual([c.droppedMessages, c.rejectedMessages]);
    expect(s.messagesOut).toEqual({ qos0: 0, qos1: 0, qos2: 0 }); // nothing was sent
  });

  test('read pauses: each pause at the incoming high-water mark counts once', async () => {
    const b = new CountingBroker();
    const c = b.client();
    c.maxIncomingSet(10);
    let gate = deferred();
    let hold = true;
    c.on_message = () => (hold ? gate.promise : undefined);
    await started(c);
    for (let i = 0; i < 50; i++) b.send(publishPacket('t', String(i), 0));
    await settle();
    expect(c.stats()).toMatchObject({ readPauses: 1, readingPaused: true });
    hold = false;
    gate.resolve();
    await settle();
    expect(c.stats()).toMatchObject({ readPauses: 1, readingPaused: false });
    hold = true;
    gate = deferred();
    for (let i = 0; i < 50; i++) b.send(publishPacket('t', String(i), 0));
    await settle();
    expect(c.stats()).toMatchObject({ readPauses: 2, readingPaused: true });
    hold = false;
    gate.resolve();
    await settle();
    expect(c.stats().messagesIn.qos0).toBe(100);
    c.disconnect();
    await c.loopStop();
  });
});
