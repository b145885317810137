/**
 * Session engine: connection loss and session resume.
 *
 * MQTT 3.1.1 §4.4 [MQTT-4.4.0-1] / MQTT 5.0 §4.4 [MQTT-4.4.0-1]: on reconnecting with
 * CleanSession 0 (Clean Start 0, session present) the client MUST resend every unacknowledged
 * PUBLISH (QoS > 0) and PUBREL with its original Packet Identifier; a resent PUBLISH carries
 * DUP 1 (MQTT 3.1.1 §3.3.1.1 [MQTT-3.3.1-1]); once PUBREC is received the sender MUST NOT
 * resend the PUBLISH, only PUBREL (MQTT 3.1.1 §4.3.3 [MQTT-4.3.3-1]; user-pain.md §12).
 * MQTT 3.1.1 §4.6 [MQTT-4.6.0-1]: resent messages go out in the original order.
 */
import fc from 'fast-check';
import { MQTT_ERR_CONN_LOST, MQTT_ERR_NO_CONN, MQTT_ERR_SUCCESS } from '../../lib/constants';
import { MQTTMessageInfo } from '../../lib/message';
import type { Packet, QoS } from '../../lib/protocol/types';
import { ack, ids, pub, ScriptedBroker, settled, types } from './harness';

const T0 = 1_000_000;

/**
 * The classic scenario: seven messages published while connected with a window of 5
 * (ids 1..5 in flight, 6 and 7 queued behind the window); the broker PUBRECs 2 and 5; the
 * connection drops; message 8 is published offline.
 */
function scenario(config: ConstructorParameters<typeof ScriptedBroker>[0], windowAfterLoss = 5) {
  const b = new ScriptedBroker({ ...config, maxInflight: 5 }, T0);
  b.connectAndAccept();
  const qos: QoS[] = [1, 2, 2, 1, 2, 1, 2];
  const infos = qos.map((q, i) => b.publish('t', `m${i + 1}`, q));
  expect(infos.map((i) => i.mid)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(b.sentPackets()).toEqual([1, 2, 3, 4, 5].map((id) => pub('t', `m${id}`, qos[id - 1], id)));
  b.brokerSends({ type: 'pubrec', packetId: 2 }, { type: 'pubrec', packetId: 5 });
  expect(b.sentPackets()).toEqual([ack('pubrel', 2), ack('pubrel', 5)]);
  b.s.connectionLost();
  expect(b.s.isConnected).toBe(false);
  const offline = b.publish('t', 'm8', 1);
  expect(offline.rc).toBe(MQTT_ERR_SUCCESS);
  expect(offline.mid).toBe(8);
  infos.push(offline);
  qos.push(1);
  b.s.config.maxInflight = windowAfterLoss; // as maxInflightMessagesSet() between connections
  return { b, infos, qos };
}

describe('resume with cleanSession false, session present', () => {
  it('resends PUBLISH with DUP and the same ids before PUBREC, PUBREL after it, in publish order, then the queued ones', () => {
    const { b, infos } = scenario({ cleanSession: false }, 0);
    b.at(T0 + 5_000);
    expect(b.connectAndAccept(true)).toEqual([
      pub('t', 'm1', 1, 1, { dup: true }),
      ack('pubrel', 2),
      pub('t', 'm3', 2, 3, { dup: true }),
      pub('t', 'm4', 1, 4, { dup: true }),
      ack('pubrel', 5),
      pub('t', 'm6', 1, 6),
      pub('t', 'm7', 2, 7),
      pub('t', 'm8', 1, 8),
    ]);
    expect(infos.every((i) => !i.isPublished())).toBe(true);
  });

  it('with a window of 5: the resends fill it, the queued messages follow as acks free slots', () => {
    const { b, infos } = scenario({ cleanSession: false });
    expect(b.connectAndAccept(true)).toEqual([
      pub('t', 'm1', 1, 1, { dup: true }),
      ack('pubrel', 2),
      pub('t', 'm3', 2, 3, { dup: true }),
      pub('t', 'm4', 1, 4, { dup: true }),
      ack('pubrel', 5),
    ]);
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(b.sentPackets()).toEqual([pub('t', 'm6', 1, 6)]);
    b.brokerSends({ type: 'pubcomp', packetId: 2 });
    expect(b.sentPackets()).toEqual([pub('t', 'm7', 2, 7)]);
    b.brokerSends({ type: 'pubrec', packetId: 3 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 3)]);
    b.brokerSends({ type: 'puback', packetId: 4 });
    expect(b.sentPackets()).toEqual([pub('t', 'm8', 1, 8)]);
    // finish everything
    b.brokerSends(
      { type: 'pubcomp', packetId: 3 }, { type: 'pubcomp', packetId: 5 }, { type: 'puback', packetId: 6 },
      { type: 'pubrec', packetId: 7 },
    );
    expect(b.sentPackets()).toEqual([ack('pubrel', 7)]);
    b.brokerSends({ type: 'pubcomp', packetId: 7 }, { type: 'puback', packetId: 8 });
    const published = b.events().filter((e) => e.kind === 'published').map((e) => (e as { mid: number }).mid);
    expect(published.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(infos.every((i) => i.isPublished())).toBe(true);
    expect(b.s.outgoing.size).toBe(0);
  });

  it('a PUBREC that arrives for a resent DUP PUBLISH is answered with PUBREL', () => {
    const { b } = scenario({ cleanSession: false }, 0);
    b.connectAndAccept(true);
    b.brokerSends({ type: 'pubrec', packetId: 3 });
    expect(b.sentPackets()).toEqual([ack('pubrel', 3)]);
  });

  it('lost twice in a row: still the same resends (DUP stays on, PUBREL stays PUBREL)', () => {
    const { b } = scenario({ cleanSession: false }, 0);
    b.connect();
    b.s.connectionLost(); // dropped before CONNACK
    b.connectAndAccept(true);
    b.s.connectionLost(); // dropped right after the resends were written
    expect(b.connectAndAccept(true)).toEqual([
      pub('t', 'm1', 1, 1, { dup: true }),
      ack('pubrel', 2),
      pub('t', 'm3', 2, 3, { dup: true }),
      pub('t', 'm4', 1, 4, { dup: true }),
      ack('pubrel', 5),
      pub('t', 'm6', 1, 6, { dup: true }),
      pub('t', 'm7', 2, 7, { dup: true }),
      pub('t', 'm8', 1, 8, { dup: true }),
    ]);
  });

  it('5.0 (Clean Start 0): the same resends', () => {
    const { b } = scenario({ cleanSession: false, protocol: 5 }, 0);
    expect(types(b.connectAndAccept(true))).toEqual(['publish', 'pubrel', 'publish', 'publish', 'pubrel', 'publish', 'publish', 'publish']);
  });

  it('incoming QoS 2 awaiting PUBREL survives the loss: the resent PUBREL delivers it once (paho keeps _in_messages)', () => {
    const b = new ScriptedBroker({ cleanSession: false }, T0);
    b.connectAndAccept();
    b.brokerSends(pub('in', 'x', 2, 11));
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(0);
    expect(b.sentPackets()).toEqual([ack('pubrec', 11)]);
    b.s.connectionLost();
    expect(b.s.incomingQos2.size).toBe(1);
    b.connectAndAccept(true);
    // The broker got our PUBREC: it resends only the PUBREL ([MQTT-4.4.0-1]).
    b.brokerSends({ type: 'pubrel', packetId: 11 });
    const got = b.events().flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    expect(got.map((m) => [m.mid, m.payload.toString()])).toEqual([[11, 'x']]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 11)]);
    expect(b.s.incomingQos2.size).toBe(0);
    // Our PUBCOMP lost too: the next PUBREL is completed, not delivered again.
    b.s.connectionLost();
    b.connectAndAccept(true);
    b.brokerSends({ type: 'pubrel', packetId: 11 });
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 11)]);
  });

  it('incoming QoS 2 whose PUBREC was lost: the DUP PUBLISH is kept once, delivered once at PUBREL', () => {
    const b = new ScriptedBroker({ cleanSession: false }, T0);
    b.connectAndAccept();
    b.brokerSends(pub('in', 'x', 2, 11));
    b.sentPackets();
    b.s.connectionLost();
    b.connectAndAccept(true);
    b.brokerSends(pub('in', 'x', 2, 11, { dup: true }));
    expect(b.events()).toEqual([]);
    expect(b.sentPackets()).toEqual([ack('pubrec', 11)]);
    expect(b.s.incomingQos2.size).toBe(1);
    b.brokerSends({ type: 'pubrel', packetId: 11 });
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(1);
    expect(b.sentPackets()).toEqual([ack('pubcomp', 11)]);
    expect(b.s.incomingQos2.size).toBe(0);
  });

  it('incoming QoS 2 state is dropped when the broker has no session (session present 0)', () => {
    const b = new ScriptedBroker({ cleanSession: false }, T0);
    b.connectAndAccept();
    b.brokerSends(pub('in', 'x', 2, 11));
    b.events();
    b.s.connectionLost();
    b.connectAndAccept(false);
    expect(b.s.incomingQos2.size).toBe(0);
    b.brokerSends(pub('in', 'new', 2, 11), { type: 'pubrel', packetId: 11 });
    const got = b.events().flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    expect(got.map((m) => m.payload.toString())).toEqual(['new']);
  });
});

describe('connection lost with cleanSession true (paho 1.6 / 2.1: everything unfinished is sent again)', () => {
  it('nothing fails: after the next CONNACK every unfinished message goes again from PUBLISH, DUP if sent before, QoS 2 past PUBREC too', async () => {
    const { b, infos } = scenario({ cleanSession: true }, 0);
    for (const info of infos) {
      expect(info.rc).toBe(MQTT_ERR_SUCCESS);
      expect(info.isPublished()).toBe(false);
      expect(await settled(info.waitForPublish())).toBe('pending');
    }
    expect(b.s.outgoing.size).toBe(8);
    expect(b.connectAndAccept(false)).toEqual([
      pub('t', 'm1', 1, 1, { dup: true }),
      pub('t', 'm2', 2, 2, { dup: true }), // was past PUBREC: the new session has no record of it
      pub('t', 'm3', 2, 3, { dup: true }),
      pub('t', 'm4', 1, 4, { dup: true }),
      pub('t', 'm5', 2, 5, { dup: true }),
      pub('t', 'm6', 1, 6), // never sent: a first attempt, DUP 0
      pub('t', 'm7', 2, 7),
      pub('t', 'm8', 1, 8),
    ]);
    b.brokerSends(
      { type: 'puback', packetId: 1 }, { type: 'pubrec', packetId: 2 }, { type: 'pubrec', packetId: 3 }, { type: 'puback', packetId: 4 },
      { type: 'pubrec', packetId: 5 }, { type: 'puback', packetId: 6 }, { type: 'pubrec', packetId: 7 }, { type: 'puback', packetId: 8 },
    );
    expect(b.sentPackets()).toEqual([ack('pubrel', 2), ack('pubrel', 3), ack('pubrel', 5), ack('pubrel', 7)]);
    b.brokerSends(...[2, 3, 5, 7].map((id) => ({ type: 'pubcomp' as const, packetId: id })));
    for (const info of infos) await expect(info.waitForPublish()).resolves.toBeUndefined();
    expect(b.s.outgoing.size).toBe(0);
  });

  it('the window still applies to the resends (paho 1.6 / 2.1 send them all at once: a deliberate difference)', () => {
    const { b } = scenario({ cleanSession: true });
    expect(ids(b.connectAndAccept(false))).toEqual([1, 2, 3, 4, 5]);
    b.brokerSends({ type: 'puback', packetId: 1 });
    expect(b.sentPackets()).toEqual([pub('t', 'm6', 1, 6)]);
  });

  it('a waitForPublish already pending stays pending across the loss and resolves when the resend completes', async () => {
    const b = new ScriptedBroker({ cleanSession: true }, T0);
    b.connectAndAccept();
    const info = b.publish('t', 'x', 1);
    b.sentPackets();
    const waiting = info.waitForPublish();
    b.s.connectionLost();
    expect(await settled(waiting)).toBe('pending');
    expect(b.connectAndAccept(false)).toEqual([pub('t', 'x', 1, info.mid, { dup: true })]);
    b.brokerSends({ type: 'puback', packetId: info.mid });
    await expect(waiting).resolves.toBeUndefined();
  });

  it('QoS 0 handed to the writer but not taken before the loss fails with MQTT_ERR_CONN_LOST (user-pain.md §4)', async () => {
    const b = new ScriptedBroker({}, T0);
    b.connectAndAccept();
    const info = b.publish('t', 'x', 0);
    b.s.connectionLost();
    await expect(info.waitForPublish()).rejects.toMatchObject({ rc: MQTT_ERR_CONN_LOST });
    expect(b.events()).toEqual([]);
  });

  it('the unfinished messages keep their ids until they complete; new messages get other ids', () => {
    const b = new ScriptedBroker({ cleanSession: true, maxInflight: 0 }, T0);
    b.connectAndAccept();
    for (let i = 0; i < 3; i++) b.publish('t', `${i}`, 1);
    b.sentPackets();
    b.s.connectionLost();
    expect(b.s.outgoing.size).toBe(3);
    expect(ids(b.connectAndAccept())).toEqual([1, 2, 3]);
    const next = b.publish('t', 'n', 1);
    expect(next.rc).toBe(MQTT_ERR_SUCCESS);
    expect(next.mid).toBe(4);
    expect(b.sentPackets()).toEqual([pub('t', 'n', 1, 4)]);
  });
});

describe('abandonPending', () => {
  it('fails everything: in flight, past PUBREC and queued, with the given rc', async () => {
    const { b, infos } = scenario({ cleanSession: false });
    b.s.abandonPending(MQTT_ERR_NO_CONN);
    for (const info of infos) {
      expect(info.rc).toBe(MQTT_ERR_NO_CONN);
      await expect(info.waitForPublish()).rejects.toMatchObject({ rc: MQTT_ERR_NO_CONN });
    }
    expect(b.s.outgoing.size).toBe(0);
    expect(b.connectAndAccept(true)).toEqual([]);
  });

  it('while connected: nothing more is sent for the abandoned messages', () => {
    const b = new ScriptedBroker({ maxInflight: 1 }, T0);
    b.connectAndAccept();
    const a = b.publish('t', 'a', 1);
    const c = b.publish('t', 'c', 1);
    b.sentPackets();
    b.s.abandonPending(MQTT_ERR_CONN_LOST);
    b.brokerSends({ type: 'puback', packetId: a.mid });
    expect(b.sentPackets()).toEqual([]);
    expect(c.rc).toBe(MQTT_ERR_CONN_LOST);
  });
});

// ------------------------------------------------------------------ property

type Action =
  | { kind: 'publish'; qos: QoS }
  | { kind: 'flush' }
  | { kind: 'ack'; pick: number }
  | { kind: 'ackAll' }
  | { kind: 'lose' }
  | { kind: 'reconnect' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('publish' as const), qos: fc.constantFrom<QoS>(0, 1, 2) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ackAll' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lose' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
);

/**
 * A broker model that keeps its session (QoS 2 ids it has received, until PUBREL) across
 * connections, acknowledges only what reached it on the current connection, and checks the
 * client's packets against the client's own bookkeeping as it goes.
 */
function runInterleaving(actions: Action[], protocol: 4 | 5, maxInflight: number, receiveMaximum: number | undefined): void {
  const b = new ScriptedBroker({ cleanSession: false, protocol, maxInflight }, T0);
  const connackProps = protocol === 5 && receiveMaximum !== undefined ? { ReceiveMaximum: receiveMaximum } : undefined;

  interface Tracked { info: MQTTMessageInfo; qos: QoS; payload: string; published: number }
  const all: Tracked[] = [];
  const unfinished = new Map<number, Tracked>(); // mid -> message, QoS 1/2 not yet published
  const qos0: MQTTMessageInfo[] = [];
  const qos0Pending = new Map<number, MQTTMessageInfo>(); // QoS 0 accepted, published event not seen yet
  let seq = 0;

  // broker side
  let pendingAcks: Packet[] = [];
  const brokerQos2 = new Set<number>();          // ids received (QoS 2), not yet released
  const pubrecDelivered = new Set<number>();     // ids whose PUBREC the client has received
  const deliveredQos2 = new Map<string, number>(); // payload -> times the broker accepted it as new
  let connectedOnce = false;

  const fail = (msg: string) => { throw new Error(msg); };

  function drainEvents(): void {
    for (const e of b.events()) {
      if (e.kind === 'published') {
        if (qos0Pending.has(e.mid)) { // QoS 0 events carry the mid paho reports
          qos0Pending.delete(e.mid);
          continue;
        }
        const t = unfinished.get(e.mid);
        if (t === undefined) fail(`published event for mid ${e.mid}, which has no unfinished message`);
        t!.published++;
        if (!t!.info.isPublished()) fail(`published event for mid ${e.mid} but its info is not published`);
        unfinished.delete(e.mid);
      } else if (e.kind === 'close') {
        fail(`unexpected close: ${JSON.stringify(e)}`);
      }
    }
  }

  function flush(): void {
    if (b.s.state === 'idle') return;
    for (const p of b.sentPackets()) {
      if (p.type === 'publish' && p.qos > 0) {
        const id = p.packetId!;
        if (!(id >= 1 && id <= 65535)) fail(`PUBLISH with packet id ${id}`);
        const t = unfinished.get(id);
        if (t === undefined) fail(`PUBLISH id ${id} for no unfinished message`);
        if (t!.payload !== p.payload.toString() || t!.qos !== p.qos) fail(`PUBLISH id ${id} carries the wrong message`);
        if (p.qos === 2) {
          if (pubrecDelivered.has(id)) fail(`PUBLISH id ${id} resent after the client got PUBREC (MQTT-4.3.3-1)`);
          if (!brokerQos2.has(id)) {
            brokerQos2.add(id);
            deliveredQos2.set(t!.payload, (deliveredQos2.get(t!.payload) ?? 0) + 1);
          }
          pendingAcks.push({ type: 'pubrec', packetId: id });
        } else {
          pendingAcks.push({ type: 'puback', packetId: id });
        }
      } else if (p.type === 'pubrel') {
        brokerQos2.delete(p.packetId);
        pendingAcks.push({ type: 'pubcomp', packetId: p.packetId });
      }
    }
    drainEvents();
  }

  function deliver(p: Packet): void {
    if (p.type === 'pubrec') pubrecDelivered.add(p.packetId);
    if (p.type === 'pubcomp') pubrecDelivered.delete(p.packetId);
    b.brokerSends(p);
    drainEvents();
  }

  function reconnect(): void {
    if (b.s.state !== 'idle') return;
    b.s.startConnection(b.now);
    const sent = b.sentPackets();
    if (sent.length !== 1 || sent[0].type !== 'connect') fail(`expected CONNECT, got ${types(sent)}`);
    b.brokerSends({ type: 'connack', sessionPresent: connectedOnce, reasonCode: 0, properties: connackProps });
    connectedOnce = true;
    drainEvents();
  }

  function lose(): void {
    if (b.s.state === 'idle') return;
    b.s.connectionLost();
    pendingAcks = [];
    drainEvents();
  }

  reconnect();
  for (const a of actions) {
    b.now += 100;
    switch (a.kind) {
      case 'publish': {
        const payload = `m${seq++}`;
        const info = b.publish('t', payload, a.qos);
        if (a.qos === 0) {
          qos0.push(info);
          if (info.rc === MQTT_ERR_SUCCESS) qos0Pending.set(info.mid, info);
        } else {
          if (info.rc !== MQTT_ERR_SUCCESS) fail(`QoS ${a.qos} publish refused with rc ${info.rc}`);
          if (info.mid < 1 || info.mid > 65535) fail(`mid ${info.mid}`);
          if (unfinished.has(info.mid)) fail(`mid ${info.mid} given to a new message while message ${unfinished.get(info.mid)!.payload} is unfinished`);
          const t = { info, qos: a.qos, payload, published: 0 };
          unfinished.set(info.mid, t);
          all.push(t);
        }
        break;
      }
      case 'flush': flush(); break;
      case 'ack':
        if (pendingAcks.length > 0 && b.s.isConnected) {
          const [p] = pendingAcks.splice(a.pick % pendingAcks.length, 1);
          deliver(p);
        }
        break;
      case 'ackAll':
        while (pendingAcks.length > 0 && b.s.isConnected) {
          deliver(pendingAcks.shift()!);
          flush();
        }
        break;
      case 'lose': lose(); break;
      case 'reconnect': reconnect(); break;
    }
  }

  // Settle: reconnect if needed, then the broker acknowledges everything until quiet.
  for (let round = 0; round < 50 && (unfinished.size > 0 || pendingAcks.length > 0 || b.s.state !== 'connected'); round++) {
    reconnect();
    flush();
    while (pendingAcks.length > 0) {
      deliver(pendingAcks.shift()!);
      flush();
    }
  }

  flush(); // the driver writes whatever is still queued

  if (unfinished.size > 0) fail(`${unfinished.size} messages never completed: ${[...unfinished.values()].map((t) => t.payload)}`);
  for (const t of all) {
    if (t.published !== 1) fail(`message ${t.payload} published ${t.published} times`);
    if (!t.info.isPublished()) fail(`message ${t.payload}: info not published`);
    if (t.qos === 2 && deliveredQos2.get(t.payload) !== 1) fail(`QoS 2 message ${t.payload} accepted by the broker ${deliveredQos2.get(t.payload) ?? 0} times`);
  }
  for (const info of qos0) {
    if (!info.isPublished() && info.rc === MQTT_ERR_SUCCESS) fail(`QoS 0 message ${info.mid} never settled`);
  }
  if (b.s.outgoing.size !== 0) fail(`outgoing.size ${b.s.outgoing.size}`);
  if (b.s.incomingQos2.size !== 0) fail(`incomingQos2.size ${b.s.incomingQos2.size}`);
}

describe('property: random interleavings with cleanSession false', () => {
  it('every QoS 1/2 message settles published exactly once; no packet id is shared by two unfinished messages', () => {
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 150, size: 'max' }),
        fc.constantFrom<4 | 5>(4, 5),
        fc.constantFrom(0, 1, 3, 20),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        (actions, protocol, maxInflight, receiveMaximum) => {
          runInterleaving(actions, protocol, maxInflight, receiveMaximum);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fixed shapes: lost right after PUBREC, before the PUBREL was written; lost before the PUBLISH was written', () => {
    runInterleaving([
      { kind: 'publish', qos: 2 }, { kind: 'flush' }, { kind: 'ack', pick: 0 }, { kind: 'lose' }, { kind: 'reconnect' },
      { kind: 'flush' }, { kind: 'ackAll' },
    ], 4, 20, undefined);
    runInterleaving([
      { kind: 'publish', qos: 2 }, { kind: 'publish', qos: 1 }, { kind: 'lose' }, { kind: 'publish', qos: 2 },
      { kind: 'reconnect' }, { kind: 'flush' }, { kind: 'ack', pick: 2 }, { kind: 'lose' }, { kind: 'reconnect' },
    ], 5, 1, 1);
  });
});
